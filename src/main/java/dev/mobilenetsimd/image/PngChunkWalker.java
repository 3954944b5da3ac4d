package dev.mobilenetsimd.image;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * Passes a stream on unchanged while walking its PNG chunk structure, to find the errors (by the
 * PNG specification) that the JDK's PNG reader lets through: it checks no chunk CRC, stops
 * reading once it has the pixels (a file cut short after them, without IEND, decodes), and
 * decodes palette indices past the PLTE chunk's entries. A stream that does not start with the
 * PNG signature is passed on unchecked.
 *
 * <p>Each byte is walked once, as the image reader pulls it: the reader's stream caches what it
 * has read and never asks for a byte twice. {@link #finish} walks the rest.
 */
final class PngChunkWalker extends FilterInputStream {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int COLOUR_TYPE_PALETTE = 3;

    private enum State { SIGNATURE, HEADER, DATA, CRC, END, NOT_PNG }

    private State state = State.SIGNATURE;
    private final byte[] field = new byte[8];  // the signature, a chunk header or a CRC, gathered
    private int filled;
    private long position;                      // bytes walked
    private long chunkStart;                    // position of the current chunk's length field
    private long chunkLength;
    private String chunkType = "";
    private long dataLeft;
    private final CRC32 crc = new CRC32();
    private int bitDepth = -1, colourType = -1; // from IHDR
    private int paletteEntries = -1;            // from PLTE
    private String damage;                      // the first problem found, in words

    PngChunkWalker(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            ended();
        } else {
            walk(new byte[] {(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
            ended();
        } else {
            walk(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Read, not skipped underneath: the skipped bytes are walked too.
        byte[] buf = new byte[(int) Math.max(0, Math.min(n, 8192))];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;   // a reset would walk bytes twice
    }

    @Override
    public synchronized void mark(int readlimit) {}

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    /**
     * Walks the rest of the PNG (up to IEND) and, for a palette image, checks its pixels against
     * the PLTE chunk; one pass over the raster, only for palette images.
     *
     * @param img the decoded image, or null to check the chunks alone
     * @return what is wrong with the file, as "the file is damaged (...)" or "the file is
     *         truncated or damaged (...)"; null if nothing is, or if this is not a PNG
     */
    String finish(BufferedImage img) throws IOException {
        byte[] buf = new byte[8192];
        while (damage == null && state != State.END && state != State.NOT_PNG
                && read(buf, 0, buf.length) >= 0) {
            // walked by read
        }
        if (damage == null && img != null && state == State.END
                && colourType == COLOUR_TYPE_PALETTE) {
            damage = paletteOverrun(img);
        }
        return damage;
    }

    /** {@link #finish} after the image reader failed: the damage found, if any. */
    String finishQuietly() {
        try {
            return finish(null);
        } catch (IOException e) {
            return damage;   // the reader's own error stands
        }
    }

    private void walk(byte[] b, int off, int len) {
        while (len > 0 && damage == null) {
            if (state == State.END || state == State.NOT_PNG) {
                return;   // after IEND anything goes, as for libpng and Pillow
            }
            int n;
            if (state == State.DATA) {
                n = (int) Math.min(len, dataLeft);
                crc.update(b, off, n);
                if (chunkType.equals("IHDR")) {
                    headerFields(b, off, n, chunkLength - dataLeft);
                }
                dataLeft -= n;
                if (dataLeft == 0) {
                    state = State.CRC;
                }
            } else {
                int need = state == State.CRC ? 4 : 8;
                n = Math.min(len, need - filled);
                System.arraycopy(b, off, field, filled, n);
                filled += n;
            }
            off += n;
            len -= n;
            position += n;
            if (filled == (state == State.CRC ? 4 : 8)) {
                filled = 0;
                fieldGathered();
            }
        }
    }

    /** Picks bit depth and colour type (bytes 8 and 9) out of IHDR data starting at {@code at}. */
    private void headerFields(byte[] b, int off, int n, long at) {
        if (at <= 8 && 8 < at + n) {
            bitDepth = b[off + (int) (8 - at)] & 0xFF;
        }
        if (at <= 9 && 9 < at + n) {
            colourType = b[off + (int) (9 - at)] & 0xFF;
        }
    }

    private void fieldGathered() {
        switch (state) {
            case SIGNATURE:
                state = Arrays.equals(field, SIGNATURE) ? State.HEADER : State.NOT_PNG;
                break;
            case HEADER:
                chunkStart = position - 8;
                chunkLength = Integer.toUnsignedLong(bigEndian(field));
                chunkType = typeName(field);
                if (chunkLength > Integer.MAX_VALUE) {
                    damage = String.format(Locale.ROOT, "the file is damaged (PNG chunk %s at byte"
                            + " %d declares a length of %,d, more than the %,d a chunk may have)",
                            chunkType, chunkStart, chunkLength, Integer.MAX_VALUE);
                    return;
                }
                if (chunkType.equals("PLTE")) {
                    paletteEntries = (int) (chunkLength / 3);
                }
                crc.reset();
                crc.update(field, 4, 4);
                dataLeft = chunkLength;
                state = dataLeft > 0 ? State.DATA : State.CRC;
                break;
            case CRC:
                long stored = Integer.toUnsignedLong(bigEndian(field));
                if (stored != crc.getValue()) {
                    damage = String.format(Locale.ROOT, "the file is damaged (PNG chunk %s at byte"
                            + " %d: CRC-32 %08x stored, %08x computed)", chunkType, chunkStart,
                            stored, crc.getValue());
                    return;
                }
                state = chunkType.equals("IEND") ? State.END : State.HEADER;
                break;
            default:
                throw new IllegalStateException(state.toString());
        }
    }

    /** The end of the stream: a PNG must have reached IEND. */
    private void ended() {
        if (damage != null) {
            return;
        }
        switch (state) {
            case SIGNATURE:
                state = State.NOT_PNG;   // too short for a PNG: the image reader will say so
                break;
            case HEADER:
                damage = "the file is truncated or damaged (PNG ends at byte " + position
                        + " without an IEND chunk)";
                break;
            case DATA:
                damage = String.format(Locale.ROOT, "the file is truncated or damaged (PNG chunk"
                        + " %s at byte %d declares %,d bytes of data, the file ends after %,d)",
                        chunkType, chunkStart, chunkLength, chunkLength - dataLeft);
                break;
            case CRC:
                damage = "the file is truncated or damaged (PNG chunk " + chunkType + " at byte "
                        + chunkStart + " ends without its CRC)";
                break;
            default:
                break;
        }
    }

    /**
     * The first pixel whose palette index is past the PLTE chunk's entries, in words. The JDK
     * pads its colour model to 2^depth entries, so the count is the chunk's, not the model's.
     */
    private String paletteOverrun(BufferedImage img) {
        int entries = Math.max(paletteEntries, 0);
        if (!(img.getColorModel() instanceof IndexColorModel)
                || (bitDepth >= 0 && bitDepth < 31 && entries >= 1 << bitDepth)) {
            return null;   // no index can be past the palette
        }
        Raster r = img.getRaster();
        int w = r.getWidth(), h = r.getHeight();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                if (row[x] >= entries) {
                    return String.format(Locale.ROOT, "the file is damaged (palette index %d at"
                            + " pixel (%d, %d), past the %d entries of its PLTE chunk)", row[x], x,
                            y, entries);
                }
            }
        }
        return null;
    }

    private static int bigEndian(byte[] b) {
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    /** A chunk type as its four letters, or in hex if it is not letters (a damaged header). */
    private static String typeName(byte[] header) {
        for (int i = 4; i < 8; i++) {
            int c = header[i] | 0x20;   // lower case
            if (c < 'a' || c > 'z') {
                return String.format(Locale.ROOT, "of type 0x%02x%02x%02x%02x", header[4],
                        header[5], header[6], header[7]);
            }
        }
        return new String(header, 4, 4, StandardCharsets.US_ASCII);
    }
}
