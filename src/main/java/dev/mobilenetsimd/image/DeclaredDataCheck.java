package dev.mobilenetsimd.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * Refuses, before decoding, a PNG or BMP file too short for the image its header declares (and
 * a BMP header the JDK's reader fails on or decodes wrongly, unless the reader can be given the
 * file in a form it reads as Pillow does: see {@link #readerInput}). The JDK's readers allocate the
 * whole raster first and find the data missing only then: a file of a few hundred bytes
 * declaring 13000 x 13000 pixels cost half a gigabyte or more (an {@link OutOfMemoryError} or a
 * long stall) before it was refused as truncated.
 *
 * <ul>
 *   <li>A BMP of uncompressed rows (BI_RGB, BI_BITFIELDS, an OS/2 1.x header) must hold
 *       every row of its pixel data after its data offset; the last row's padding may be
 *       missing, as the JDK's reader and Pillow's both accept. Its palette (what lies between
 *       its headers and its pixel data, or for BI_BITFIELDS the colours it says it uses) must
 *       be in the file, and not end before it starts: the JDK's reader allocates that size, an
 *       int, before reading.
 *   <li>A 1-, 4- or 8-bit BI_RGB or RLE BMP (or OS/2 1.x) whose gap between its headers and
 *       its pixel data holds other palette entries than Pillow reads is read with Pillow's
 *       palette and pixels (see {@link #readerInput}); if its header says it uses more than 256
 *       colours and the file holds more than 256 entries after its headers it is refused, as
 *       Pillow refuses it, unless they are all a grey ramp (entry i grey level i mod 256), which
 *       Pillow reads as grey levels, as an 8-bit one is read. A 4- or 8-bit BI_RGB one of two
 *       colours, black then white, is read as the 1-bit image Pillow reads (see
 *       {@link OneBitRows}). A 1- or 4-bit one of uncompressed rows whose palette Pillow reads
 *       as a grey ramp (see {@link #pillowGrey}) is refused: Pillow unpacks its rows as 8-bit
 *       grey, and fails or reads wrong levels.
 *   <li>A 16-, 24- or 32-bit BMP whose file size field is too small for its pixels is read
 *       with the field raised (see {@link #readerInput}): Pillow ignores it, the JDK's reader
 *       refused a BI_RGB one.
 *   <li>A BMP of another compression than BI_RGB, BI_RLE8, BI_RLE4 or BI_BITFIELDS is refused,
 *       as Pillow refuses it (BI_ALPHABITFIELDS too), and so is one of bit fields in a layout
 *       Pillow has no unpacker for (see {@link #bitFieldsLayout}). Those it reads and the JDK's
 *       reader does not (24-bit, or 32-bit masks of 0) are read through a view
 *       (see {@link #rowsPatched}).
 *   <li>A BMP holding an embedded JPEG or PNG (BI_JPEG, BI_PNG) is refused, as Pillow refuses
 *       it: the JDK's reader decodes the embedded image into a raster of the BMP header's
 *       size, not its own.
 *   <li>RLE-compressed BMPs (BI_RLE8, BI_RLE4) are decoded as Pillow decodes them (see
 *       {@link PillowRle}), first counting the pixels, storing none: the data must code every
 *       pixel before an end-of-bitmap code or the end of the file, as Pillow requires,
 *       whatever the image size and file size fields say (Pillow ignores them; the JDK's reader
 *       read the image size field's bytes and left black the rows past them). The reader is
 *       then given the pixels as 8-bit rows (see {@link RleRows}). There is no bound of file
 *       bytes to pixels: a delta escape skips up to 255 rows in 4 bytes, an end-of-line a row
 *       in 2, the skipped pixels index 0; the raster is left to
 *       {@link ImageDecoder#MAX_PIXELS}. Pillow decodes RLE of 1-, 4- or 8-bit pixels, BI_RLE8
 *       or BI_RLE4 whatever the bits; others are refused, as it refuses them.
 *   <li>A PNG's consecutive IDAT chunks must hold at least 1/1032 of its scanline bytes (filter
 *       bytes included, per Adam7 pass if interlaced): deflate's best ratio is a 258-byte match
 *       in 2 bits, so less data cannot inflate to the whole image, and the JDK's reader and
 *       Pillow's both refuse an image whose data ends early.
 * </ul>
 *
 * <p>The check reads through the image stream's cache (to a temporary file or memory, as
 * {@link javax.imageio.ImageIO} set it up), no further into the file than the reader itself
 * would (or for RLE, Pillow's decoder), and leaves the stream where it found it. JPEG has no
 * such bound (see {@link ImageDecoder#MAX_PIXELS}).
 */
final class DeclaredDataCheck {
    /** Deflate's best compression ratio: a 258-byte match coded in 2 bits. */
    static final int DEFLATE_MAX_RATIO = 1032;

    private static final int IHDR = 0x49484452, IDAT = 0x49444154, IEND = 0x49454e44;
    private static final int BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_JPEG = 4,
            BI_PNG = 5, BI_ALPHABITFIELDS = 6;
    /** A BITMAPV5HEADER's colour space types whose profile the JDK's reader reads. */
    private static final long PROFILE_LINKED = 0x4C494E4BL, PROFILE_EMBEDDED = 0x4D424544L;

    private DeclaredDataCheck() {}

    /**
     * What the file lacks, in words ("the file is truncated ..."; or what is wrong with a BMP
     * header), or null if it holds enough data for its declared size, is neither a PNG nor a
     * BMP, or has a header the check does not understand (left to the image reader).
     * {@code stream} is read from its current position, the start of the file, and left there.
     *
     * @param format the image reader's format name, in lower case
     */
    static String shortfall(ImageInputStream stream, String format) throws IOException {
        stream.mark();
        try {
            switch (format) {
                case "png":
                    return png(stream);
                case "bmp":
                    return bmp(stream);
                default:
                    return null;
            }
        } finally {
            stream.reset();
        }
    }

    private static String png(ImageInputStream s) throws IOException {
        byte[] h = new byte[33];   // signature, then the IHDR chunk
        if (read(s, h) < h.length || bigEndian(h, 8) != 13 || bigEndian(h, 12) != IHDR) {
            return null;
        }
        long width = bigEndian(h, 16), height = bigEndian(h, 20);
        int depth = h[24] & 0xFF, colourType = h[25] & 0xFF, interlace = h[28] & 0xFF;
        int channels = colourType < 7 ? new int[] {1, 0, 3, 1, 2, 0, 4}[colourType] : 0;
        if (width <= 0 || height <= 0 || width * height > ImageDecoder.MAX_PIXELS
                || channels == 0 || Integer.bitCount(depth) != 1 || depth > 16 || interlace > 1) {
            return null;   // the reader refuses it (or it is too large)
        }
        long raw = scanlineBytes(width, height, channels * depth, interlace == 1);
        long needed = (raw + DEFLATE_MAX_RATIO - 1) / DEFLATE_MAX_RATIO;
        long idat = 0;
        boolean inData = false;
        byte[] header = new byte[8];
        for (long at = h.length; idat < needed; ) {
            s.seek(at);
            if (read(s, header) < header.length) {
                break;
            }
            long length = bigEndian(header, 0);
            int type = bigEndian(header, 4);
            if (length < 0 || (type != IDAT && (inData || type == IEND))) {
                break;   // the reader reads the IDAT chunks up to the first chunk of another type
            }
            if (type == IDAT) {
                inData = true;
                long take = Math.min(length, needed - idat);
                if (take > 0) {
                    s.seek(at + 8 + take - 1);
                    if (s.read() < 0) {
                        break;   // the chunk runs past the end of the file
                    }
                }
                idat += take;
            }
            at += 12 + length;
        }
        if (idat >= needed) {
            return null;
        }
        return String.format(Locale.ROOT, "the file is truncated or damaged (its IDAT chunks hold"
                + " %,d bytes of compressed data; the %dx%d image's %,d bytes of scanlines need at"
                + " least %,d even at deflate's best ratio of %d:1)", idat, width, height, raw,
                needed, DEFLATE_MAX_RATIO);
    }

    /** A PNG's scanline bytes, each scanline with its filter byte: per Adam7 pass if interlaced. */
    static long scanlineBytes(long width, long height, int bitsPerPixel, boolean interlaced) {
        if (!interlaced) {
            return height * (1 + (width * bitsPerPixel + 7) / 8);
        }
        int[][] passes = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4},
                {1, 0, 2, 2}, {0, 1, 1, 2}};   // x start, y start, x step, y step
        long bytes = 0;
        for (int[] p : passes) {
            long w = (width - p[0] + p[2] - 1) / p[2], h = (height - p[1] + p[3] - 1) / p[3];
            if (w > 0 && h > 0) {
                bytes += h * (1 + (w * bitsPerPixel + 7) / 8);
            }
        }
        return bytes;
    }

    private static String bmp(ImageInputStream s) throws IOException {
        byte[] h = new byte[134];   // file header, then an info header up to a V5 profile's size
        int n = read(s, h);
        if (n < 26 || h[0] != 'B' || h[1] != 'M') {
            return null;
        }
        String header = bmpHeader(s, h, n);
        if (header != null) {
            return header;
        }
        long offset = littleEndian(h, 10, 4), headerSize = littleEndian(h, 14, 4);
        long width, height, compression;
        int bits;
        if (headerSize == 12) {   // OS/2 1.x: 16-bit sizes, never compressed
            width = (short) littleEndian(h, 18, 2);
            height = (short) littleEndian(h, 20, 2);
            bits = (int) littleEndian(h, 24, 2);
            compression = BI_RGB;
        } else if (headerSize >= 40 && n >= 38) {
            width = (int) littleEndian(h, 18, 4);
            height = (int) littleEndian(h, 22, 4);
            bits = (int) littleEndian(h, 28, 2);
            compression = littleEndian(h, 30, 4);
        } else {
            return null;
        }
        height = Math.abs(height);   // negative: top-down rows
        if (width > 0 && width * height > ImageDecoder.MAX_PIXELS) {
            // Named here: the reader's header check of a 16- to 32-bit BI_RGB file's size
            // fails first ("Invalid width/height for BI_RGB image data.")
            return ImageDecoder.tooLarge(width, height);
        }
        if (width <= 0 || height <= 0) {
            return null;
        }
        PillowPalette palette = pillowPalette(h, n);
        if (palette != null) {
            offset = palette.pixels();   // Pillow's, and the reader's through the view
        }
        if (compression == BI_RLE8 || compression == BI_RLE4) {
            // 1-, 4- or 8-bit (bmpHeader refused others), so a palette BMP
            return palette == null ? null : rle(s, h, palette, width, height);
        }
        if (palette != null && bits != 8 && pillowGrey(s, palette)) {
            // Pillow unpacks the rows as 8-bit grey ("L") at the 1- or 4-bit rows' stride: it
            // fails if a row is wider than that, else reads bytes of indices as grey levels.
            return String.format(Locale.ROOT, "a %d-bit BMP with a grey-ramp palette (%d"
                    + " entries, entry i grey level i%s), which Pillow reads differently: as"
                    + " 8-bit grey rows, failing or giving wrong levels; expected another palette"
                    + " or 8-bit pixels, as Pillow reads", bits, palette.colours(),
                    palette.colours() > 256 ? " mod 256" : "");
        }
        long end;
        String data;
        boolean rowBits = bits == 1 || bits == 4 || bits == 8 || bits == 16 || bits == 24
                || bits == 32;
        if (rowBits) {
            long stride = (width * bits + 31) / 32 * 4;
            end = offset + (height - 1) * stride + (width * bits + 7) / 8;
            data = String.format(Locale.ROOT, "%s of %d-bit pixel rows", bytes(end - offset),
                    bits);
        } else {
            return null;   // refused by the reader
        }
        s.seek(end - 1);
        if (s.read() >= 0) {
            return null;
        }
        return String.format(Locale.ROOT, "the file is truncated (the %dx%d BMP declares %s from"
                + " byte %,d, %,d bytes in all; the file has %,d)", width, height, data, offset,
                end, length(s, n - 1, end - 1));
    }

    /**
     * What is wrong with a BMP header (given its first {@code n} bytes, {@code h}) before its
     * pixels, in words, or null: the palette and colour profile sizes the JDK's reader works out
     * from it, in ints, and allocates; a negative one failed as a NegativeArraySizeException
     * ("damaged or unsupported (-2080374784)"). And a BMP of embedded JPEG or PNG data, refused,
     * and an info header of a size the reader does not read, named.
     */
    private static String bmpHeader(ImageInputStream s, byte[] h, int n) throws IOException {
        long offset = littleEndian(h, 10, 4), headerSize = littleEndian(h, 14, 4);
        if (!readerHeader(headerSize)) {
            // The reader's words were "New BMP version not implemented yet.", of a damaged size
            // field too. (Pillow also reads OS/2 2.x's 64 bytes.)
            return String.format(Locale.ROOT, "a BMP info header of %d bytes%s, which the JDK's"
                    + " reader does not read; expected 12 (OS/2 1.x), 40, 52, 56, 108 or 124",
                    headerSize, headerSize == 64 ? " (OS/2 2.x)" : "");
        }
        long compression = headerSize >= 40 && n >= 34 ? littleEndian(h, 30, 4) : BI_RGB;
        if (compression == BI_JPEG || compression == BI_PNG) {
            // Pillow refuses them; the JDK's reader decoded the embedded image into a raster of
            // the BMP header's size, whatever the embedded image's: cropped, or padded with
            // black (and 0.5 GB for a few hundred bytes declaring MAX_PIXELS).
            return String.format(Locale.ROOT, "a BMP of embedded %s data (compression %d);"
                    + " expected a BMP of pixel rows (uncompressed, RLE or bit fields), as Pillow"
                    + " reads", compression == BI_JPEG ? "JPEG" : "PNG", compression);
        }
        if (compression > BI_BITFIELDS) {
            // Pillow knows no other value; the JDK's reader read V4 and V5 headers' pixels as
            // rows whatever the value, and BI_ALPHABITFIELDS's masks as BI_BITFIELDS'.
            return String.format(Locale.ROOT, "a BMP of compression %d%s; expected 0"
                    + " (uncompressed), 1 (RLE8), 2 (RLE4) or 3 (bit fields), as Pillow reads",
                    compression, compression == BI_ALPHABITFIELDS ? " (BI_ALPHABITFIELDS)" : "");
        }
        int bits = headerSize >= 40 && n >= 30 ? (int) littleEndian(h, 28, 2) : 0;
        if ((compression == BI_RLE8 || compression == BI_RLE4) && bits != 1 && bits != 4
                && bits != 8) {
            // Pillow decodes the RLE, then fails to unpack its palette indices as RGB; the JDK's
            // reader read 16-, 24- and 32-bit pixels as uncompressed rows.
            return String.format(Locale.ROOT, "a %d-bit BMP compressed as RLE%d (compression %d),"
                    + " which Pillow does not decode; expected RLE of 1-, 4- or 8-bit pixels",
                    bits, compression == BI_RLE8 ? 8 : 4, compression);
        }
        if (compression == BI_BITFIELDS) {
            String layout = bitFieldsLayout(h, n);
            if (layout != null) {
                return layout;
            }
        }
        long start, bytes;   // the palette, as the reader reads it
        if (headerSize == 40 && compression == BI_BITFIELDS) {
            if (n < 50) {
                return null;
            }
            start = 14 + 40 + 12;   // after the masks; the colours used, 4 bytes each
            bytes = littleEndian(h, 46, 4) * 4;
        } else if (readerHeader(headerSize)) {
            // What lies between the headers and the pixel data, in whole entries (truncated
            // toward zero, as the reader does)
            int entry = headerSize == 12 ? 3 : 4;
            start = 14 + headerSize;
            bytes = (offset - start) / entry * entry;
        } else {
            return null;   // the reader refuses the header
        }
        if (bytes < 0) {
            return String.format(Locale.ROOT, "the file is damaged (its pixel data offset, %,d,"
                    + " is inside its headers, which end at byte %,d)", offset, start);
        }
        if (bytes > 0) {
            s.seek(start + bytes - 1);
            if (s.read() < 0) {
                return String.format(Locale.ROOT, "the file is truncated (the BMP declares a"
                        + " palette of %s from byte %,d; the file has %,d)", bytes(bytes), start,
                        length(s, n - 1, start + bytes - 1));
            }
        }
        long colours = paletteColours(h, n);
        boolean many = colours > 65536;   // Pillow: "Unsupported BMP Palette size"
        String held = "";
        if (colours > 256 && !many) {
            // Pillow reads the colours used up to the end of the file and refuses more than 256
            // whole entries ("invalid palette size"), unless they are a grey ramp: it then reads
            // the pixels as grey levels, without a palette.
            s.seek(14 + headerSize + 256 * 4 + 3);
            PillowPalette p = pillowPalette(h, n);
            many = s.read() >= 0 && (p == null || !pillowGrey(s, p));
            held = ", the file holding more than 256 entries, not a grey ramp";
        }
        if (many) {
            return String.format(Locale.ROOT, "a %d-bit BMP whose header says it uses %,d"
                    + " colours%s; expected at most 256%s, as Pillow reads", bits, colours, held,
                    bits == 8 ? ", or up to 65,536 in a grey ramp (entry i grey level i mod 256)"
                    : "");
        }
        if (headerSize == 124 && n >= 134) {
            long colourSpace = littleEndian(h, 70, 4);
            int profileSize = (int) littleEndian(h, 130, 4);
            if ((colourSpace == PROFILE_LINKED || colourSpace == PROFILE_EMBEDDED)
                    && profileSize < 0) {
                return String.format(Locale.ROOT, "the file is damaged (its colour profile"
                        + " declares %,d bytes)", profileSize);
            }
        }
        return null;
    }

    /**
     * The bit-field layouts Pillow reads, per bits per pixel: its masks (red, green, blue, and
     * for 32 bits alpha) for each of which it has an unpacker. All four 0 is BGRA.
     */
    private static final Map<Integer, List<List<Long>>> BIT_FIELDS = Map.of(
            16, List.of(List.of(0xF800L, 0x7E0L, 0x1FL), List.of(0x7C00L, 0x3E0L, 0x1FL)),
            24, List.of(List.of(0xFF0000L, 0xFF00L, 0xFFL)),
            32, List.of(List.of(0xFF0000L, 0xFF00L, 0xFFL, 0L),
                    List.of(0xFF000000L, 0xFF0000L, 0xFF00L, 0L),
                    List.of(0xFF000000L, 0xFF00L, 0xFFL, 0L),
                    List.of(0xFF000000L, 0xFF0000L, 0xFF00L, 0xFFL),
                    List.of(0xFFL, 0xFF00L, 0xFF0000L, 0xFF000000L),
                    List.of(0xFF0000L, 0xFF00L, 0xFFL, 0xFF000000L),
                    List.of(0xFF000000L, 0xFF00L, 0xFFL, 0xFF0000L),
                    List.of(0L, 0L, 0L, 0L)));

    /**
     * A BI_BITFIELDS BMP's masks as Pillow reads them (given its first {@code n} bytes,
     * {@code h}): three after a 40-byte header, three in a 52-byte one (alpha 0) and four in
     * longer ones; for 16 and 24 bits red, green and blue only, as Pillow compares them. Null if
     * the file ends before them.
     */
    private static List<Long> bitFieldMasks(byte[] h, int n) {
        long headerSize = littleEndian(h, 14, 4);
        int bits = (int) littleEndian(h, 28, 2);
        int count = headerSize == 40 || headerSize == 52 ? 3 : 4;
        if (n < 54 + 4 * count) {
            return null;
        }
        List<Long> masks = new ArrayList<>();
        for (int i = 0; i < (bits == 32 ? 4 : 3); i++) {
            masks.add(i < count ? littleEndian(h, 54 + 4 * i, 4) : 0L);
        }
        return masks;
    }

    /**
     * What is wrong with a BI_BITFIELDS BMP's layout (given its first {@code n} bytes,
     * {@code h}), in words, or null if Pillow reads it (or the file ends before its masks). The
     * JDK's reader read any contiguous masks, which Pillow refuses ("Unsupported BMP bitfields
     * layout"), and failed on masks of 0, which Pillow reads for 32 bits as BGRA.
     */
    private static String bitFieldsLayout(byte[] h, int n) {
        int bits = (int) littleEndian(h, 28, 2);
        List<List<Long>> layouts = BIT_FIELDS.get(bits);
        if (layouts == null) {
            return String.format(Locale.ROOT, "%s %d-bit BMP of bit fields; expected bit fields"
                    + " of 16, 24 or 32 bits, as Pillow reads", bits == 8 || bits == 18
                    || bits == 11 ? "an" : "a", bits);
        }
        List<Long> masks = bitFieldMasks(h, n);
        if (masks == null || layouts.contains(masks)) {
            return null;
        }
        List<String> expected = new ArrayList<>();
        for (List<Long> layout : layouts) {
            expected.add(masks(layout));
        }
        String last = expected.remove(expected.size() - 1);
        return String.format(Locale.ROOT, "a %d-bit BMP of bit fields (red, green, blue%s) %s, a"
                + " layout Pillow does not read; expected for %d bits %s, as Pillow reads", bits,
                bits == 32 ? ", alpha" : "", masks(masks), bits, expected.isEmpty() ? last
                : "one of " + String.join(", ", expected) + " or " + last);
    }

    /** "(0xff0000, 0xff00, 0xff, 0)". */
    private static String masks(List<Long> masks) {
        List<String> hex = new ArrayList<>();
        for (long m : masks) {
            hex.add(m == 0 ? "0" : "0x" + Long.toHexString(m));
        }
        return "(" + String.join(", ", hex) + ")";
    }

    /**
     * The stream the image reader is to read, from the start of the file: {@code stream}, or for
     * a BMP whose palette or pixels the JDK's reader would read otherwise than Pillow (see
     * {@link #pillowPalette}), a view of it in which the palette is the entries Pillow uses and
     * Pillow's pixel data follows them, the data offset moved to match. Entries Pillow reads as
     * the grey ramp (i, i, i) of an 8-bit BMP are all 256 greys, as Pillow reads its pixels as
     * grey levels (a 1- or 4-bit BMP of uncompressed rows with such a palette, whose rows Pillow
     * then unpacks as 8-bit, {@link #shortfall} refused). Or for a BMP of 16-, 24- or 32-bit
     * rows, a view whose header the reader reads as Pillow does (see {@link #rowsPatched}). For
     * a JPEG with a colour profile, a view without it (see {@link #jpegWithoutProfile}). For a
     * file {@link #shortfall} found nothing wrong with.
     *
     * @param format the image reader's format name, in lower case
     */
    static ImageInputStream readerInput(ImageInputStream stream, String format)
            throws IOException {
        if (format.equals("jpeg")) {
            return jpegWithoutProfile(stream);
        }
        if (!format.equals("bmp")) {
            return stream;
        }
        byte[] h = new byte[14 + 124];   // the headers, at most
        stream.mark();
        try {
            int n = read(stream, h);
            if (n < 26 || h[0] != 'B' || h[1] != 'M') {
                return stream;
            }
            PillowPalette p = pillowPalette(h, n);
            if (p == null) {
                return rowsPatched(stream, h, n);
            }
            long compression = littleEndian(h, 14, 4) == 12 ? BI_RGB : littleEndian(h, 30, 4);
            long width = (int) littleEndian(h, 18, 4);
            long pixels = width * Math.abs((long) (int) littleEndian(h, 22, 4));
            if (compression != BI_RGB && (width <= 0 || pixels == 0
                    || pixels > ImageDecoder.MAX_PIXELS || p.pixels() > Integer.MAX_VALUE)) {
                return stream;   // RLE the reader refuses (or too large)
            }
            if (compression != BI_RGB) {
                // Its headers as the view has them, read without decoding a row
                RleRows rows = new RleRows(stream, h, n, p);
                byte[] head = rows.head.clone();
                return palettePatched(rows, stream, head, pillowPalette(head, head.length));
            }
            return palettePatched(stream, stream, h, p);
        } finally {
            stream.reset();
        }
    }

    /**
     * {@code stream}, or a view of it whose palette is the entries Pillow uses (see
     * {@link #readerInput}), given its headers {@code h} and where Pillow reads its palette and
     * pixels, {@code p}: the entries as they are in the file, {@code bmp} (which for RLE is not
     * {@code stream}: Pillow's palette may run into the data, which the view has decoded).
     */
    private static ImageInputStream palettePatched(ImageInputStream stream, ImageInputStream bmp,
                                                   byte[] h, PillowPalette p) throws IOException {
        bmp.mark();
        try {
            // From the end of the headers, past the data offset if the gap is shorter; whole
            // entries up to the end of the file if it ends first, as Pillow reads them
            int entry = p.entry(), bits = p.bits();
            byte[] entries = new byte[(int) Math.min(p.colours(), 1 << bits) * entry];
            bmp.seek(p.start());
            int got = read(bmp, entries) / entry, kept = got;
            if (bits != 1 && p.colours() == 2 && got == 2 && entry == 4
                    && Arrays.equals(entries, 0, 3, new byte[3], 0, 3)
                    && Arrays.equals(entries, 4, 7, new byte[] {-1, -1, -1}, 0, 3)) {
                return new OneBitRows(stream, h, p);
            }
            if (bits == 8 && pillowGrey(bmp, p)) {
                // Pillow reads 8-bit pixels as grey levels: every index its own grey
                entries = new byte[256 * entry];
                for (int i = 0; i < 256; i++) {
                    Arrays.fill(entries, i * entry, i * entry + 3, (byte) i);
                }
                kept = 256;
            } else if (got == 0) {
                kept = 1;   // every index black, as in Pillow's empty palette
            }
            if (kept == got && kept == Math.min(p.gap(), 256)) {
                return stream;   // the reader's palette is Pillow's
            }
            int end = p.start() + kept * entry;
            byte[] head = Arrays.copyOf(h, end);
            System.arraycopy(entries, 0, head, p.start(), kept * entry);
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putInt(10, end);
            long cut = p.pixels() - end;
            if (p.start() == 14 + 124 && (b.getInt(70) == PROFILE_LINKED
                    || b.getInt(70) == PROFILE_EMBEDDED) && 14L + b.getInt(126) >= p.pixels()) {
                b.putInt(126, (int) (b.getInt(126) - cut));   // the reader reads the profile
            }
            return new PaletteCut(stream, head, cut);
        } finally {
            bmp.reset();
        }
    }

    /**
     * {@code stream}, or for a BMP of pixel rows whose header (given its first {@code n} bytes,
     * {@code h}) the JDK's reader reads otherwise than Pillow, a view of it with the header
     * fields changed to what the reader reads as Pillow does:
     *
     * <ul>
     *   <li>24-bit BGR and 32-bit all-zero bit fields (BI_BITFIELDS) are BI_RGB, which Pillow's
     *       BGR and BGRA are: the reader refused 24-bit bit fields in a 40-byte header, and
     *       failed on masks of 0 ("There must be at least one component with > 0 pixel bits").
     *   <li>A 16-, 24- or 32-bit BMP's file size field is at least its data offset plus its
     *       pixels. The reader refused a BI_RGB file with less as "Invalid width/height for
     *       BI_RGB image data."; Pillow ignores the field, which writers leave 0 or get wrong,
     *       and so does the reader otherwise (it read it only for this check and an RLE file's
     *       data size, which it is not given: see {@link RleRows}). The file holds the pixels:
     *       {@link #shortfall} checked.
     * </ul>
     */
    private static ImageInputStream rowsPatched(ImageInputStream stream, byte[] h, int n) {
        long headerSize = littleEndian(h, 14, 4);
        boolean os2 = headerSize == 12;
        if (!os2 && (headerSize < 40 || n < 34)) {
            return stream;
        }
        byte[] head = Arrays.copyOf(h, n);
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        boolean patched = false;
        long width = os2 ? b.getShort(18) : b.getInt(18);
        long height = os2 ? b.getShort(20) : b.getInt(22);
        int bits = b.getShort(os2 ? 24 : 28) & 0xFFFF;
        if (!os2 && b.getInt(30) == BI_BITFIELDS && (bits == 24
                || bits == 32 && List.of(0L, 0L, 0L, 0L).equals(bitFieldMasks(h, n)))) {
            b.putInt(30, BI_RGB);
            patched = true;
        }
        long pixels = width * Math.abs(height) * bits / 8;   // as the reader works it out
        long size = littleEndian(h, 10, 4) + pixels;
        if (bits >= 16 && width > 0 && littleEndian(h, 2, 4) < size && size <= 0xFFFF_FFFFL) {
            b.putInt(2, (int) size);
            patched = true;
        }
        return patched ? new PaletteCut(stream, head, 0) : stream;
    }

    /**
     * {@code stream}, or if the JPEG has ICC_PROFILE segments (APP2) before its first scan, a
     * view of it in which they are APP15 segments, which the reader skips: it converted the
     * pixels of a YCbCr or RGB JPEG with a profile from that profile to sRGB (and failed on a
     * grey one), where Pillow applies no profile. A CMYK JPEG's inks are the same either way.
     * Reads the markers up to the first scan, as the reader does; leaves the stream where it
     * found it.
     */
    private static ImageInputStream jpegWithoutProfile(ImageInputStream stream)
            throws IOException {
        long[] codes = new long[MAX_ICC_SEGMENTS];   // where each segment's marker code is
        int found = 0;
        byte[] id = new byte[ICC_PROFILE.length];
        stream.mark();
        try {
            stream.seek(2);   // after SOI
            while (found < codes.length && stream.read() == 0xFF) {
                int code = stream.read();
                while (code == 0xFF) {   // fill bytes
                    code = stream.read();
                }
                if (code < 0 || code == 0xDA || code == 0xD9) {
                    break;   // start of scan, end of image, or of the file
                }
                if (code == 0x01 || code >= 0xD0 && code <= 0xD7) {
                    continue;   // no length
                }
                int length = stream.read() << 8 | stream.read();
                long data = stream.getStreamPosition();
                if (length < 2) {
                    break;   // damaged, or the end of the file: the reader says which
                }
                if (code == 0xE2 && read(stream, id) == id.length
                        && Arrays.equals(id, ICC_PROFILE)) {
                    codes[found++] = data - 3;
                }
                stream.seek(data + length - 2);
            }
        } finally {
            stream.reset();
        }
        return found == 0 ? stream : new ProfileRenamed(stream, Arrays.copyOf(codes, found));
    }

    /** "ICC_PROFILE" and its terminating zero, which start an APP2 segment of a profile. */
    private static final byte[] ICC_PROFILE = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L',
            'E', 0};

    /** A profile's segments are numbered in one byte. */
    private static final int MAX_ICC_SEGMENTS = 255;

    /**
     * A read-only view of a stream, some of its bytes changed or moved: a subclass gives the
     * bytes at a position ({@link #readAt}); this class keeps the position and the checks an
     * {@link ImageInputStream}'s reads make.
     */
    private abstract static class StreamView extends ImageInputStreamImpl {
        /** Reads up to {@code len} (at least 1) bytes from {@code pos}: how many, -1 at the end. */
        abstract int readAt(long pos, byte[] b, int off, int len) throws IOException;

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xFF;
        }

        @Override
        public final int read(byte[] b, int off, int len) throws IOException {
            checkClosed();
            Objects.checkFromIndexSize(off, len, b.length);
            bitOffset = 0;
            if (len == 0) {
                return 0;
            }
            int r = readAt(streamPos, b, off, len);
            if (r > 0) {
                streamPos += r;
            }
            return r;
        }
    }

    /** A view whose first {@code head.length} bytes are {@code head}'s (headers rewritten). */
    private abstract static class HeadView extends StreamView {
        final byte[] head;

        HeadView(byte[] head) {
            this.head = head;
        }

        /** Reads up to {@code len} bytes from {@code pos}, past the head: how many, or -1. */
        abstract int readPast(long pos, byte[] b, int off, int len) throws IOException;

        @Override
        final int readAt(long pos, byte[] b, int off, int len) throws IOException {
            if (pos >= head.length) {
                return readPast(pos, b, off, len);
            }
            int r = Math.min(len, head.length - (int) pos);
            System.arraycopy(head, (int) pos, b, off, r);
            return r;
        }
    }

    /**
     * Marks a V5 header's linked or embedded colour profile as sRGB in a rewritten BMP: a
     * palette's colours are read without it, and it may lie where the rows now are.
     */
    private static void linkedProfileAsSrgb(ByteBuffer header) {
        if (header.limit() >= 74 && (header.getInt(70) == PROFILE_LINKED
                || header.getInt(70) == PROFILE_EMBEDDED)) {
            header.putInt(70, 0x73524742);   // LCS_sRGB
        }
    }

    /** A JPEG whose marker codes at {@code codes} (ascending) read as APP15, not APP2. */
    private static final class ProfileRenamed extends StreamView {
        private final ImageInputStream jpeg;
        private final long[] codes;

        ProfileRenamed(ImageInputStream jpeg, long[] codes) {
            this.jpeg = jpeg;
            this.codes = codes;
        }

        @Override
        int readAt(long pos, byte[] b, int off, int len) throws IOException {
            jpeg.seek(pos);
            int r = jpeg.read(b, off, len);
            for (int i = 0; r > 0 && i < codes.length; i++) {
                if (codes[i] >= pos && codes[i] < pos + r) {
                    b[off + (int) (codes[i] - pos)] = (byte) 0xEF;
                }
            }
            return r;
        }
    }

    /**
     * Where Pillow reads the palette and pixels of a 1-, 4- or 8-bit BMP of uncompressed rows
     * (BI_RGB, or OS/2 1.x) or RLE that Pillow does not refuse, else null. Pillow reads the
     * colours used (2^bits if 0) from the end of the headers, however many entries the gap
     * before the data offset holds, and the pixels from the data offset (after the palette if
     * the offset is the end of the headers); an index past its palette is black. The JDK's
     * reader reads the gap's entries (up to 256): more than the pixels' bits index fail its
     * raster ("Raster BytePackedRaster ... is incompatible with ColorModel IndexColorModel
     * ..."), more than the colours used give colours to indices Pillow leaves black, and fewer
     * leave black the indices whose entries Pillow reads past the gap.
     */
    private static PillowPalette pillowPalette(byte[] h, int n) {
        long colours = paletteColours(h, n);
        long offset = littleEndian(h, 10, 4), headerSize = littleEndian(h, 14, 4);
        int entry = headerSize == 12 ? 3 : 4, start = (int) (14 + headerSize);
        if (colours < 0 || colours > 65536 || offset < start) {
            return null;   // not a palette BMP of rows, or refused
        }
        int bits = (int) littleEndian(h, headerSize == 12 ? 24 : 28, 2);
        long pillow = colours == 0 ? 1 << bits : colours;
        long pixels = offset == start ? start + pillow * entry : offset;
        return new PillowPalette(start, entry, bits, pillow, (offset - start) / entry, pixels);
    }

    /**
     * Whether Pillow reads the palette BMP {@code p} (in {@code s}) as grey ("L"), ignoring its
     * palette: its colours used are not two and their entries, as many as Pillow reads from the
     * file, are the grey ramp (i, i, i) for each index i, the level i mod 256 past 255 (Pillow
     * compares each with a byte of i, whose low 8 bits it keeps). Pillow compares the first three
     * bytes of each entry, so the last entry's fourth may be missing; a file ending before the
     * last entry is not grey. Two colours are black then white for Pillow's "1" instead.
     */
    private static boolean pillowGrey(ImageInputStream s, PillowPalette p) throws IOException {
        if (p.colours() == 2) {
            return false;
        }
        int colours = (int) p.colours(), entry = p.entry();
        byte[] entries = new byte[colours * entry];
        s.seek(p.start());
        if (read(s, entries) < (colours - 1) * entry + 3) {
            return false;
        }
        for (int i = 0; i < colours; i++) {
            for (int c = 0; c < 3; c++) {
                if (entries[i * entry + c] != (byte) i) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * For a 1-, 4- or 8-bit BMP of uncompressed rows (BI_RGB, or OS/2 1.x) or RLE (BI_RLE8 or
     * BI_RLE4, which Pillow decodes for any of these bits): the colours its header says it uses
     * (0 for all, and for OS/2 1.x); else -1.
     */
    private static long paletteColours(byte[] h, int n) {
        long headerSize = littleEndian(h, 14, 4);
        boolean os2 = headerSize == 12;
        if (!readerHeader(headerSize) || n < (os2 ? 26 : 50)) {
            return -1;
        }
        int bits = (int) littleEndian(h, os2 ? 24 : 28, 2);
        long compression = os2 ? BI_RGB : littleEndian(h, 30, 4);
        if (bits != 1 && bits != 4 && bits != 8 || compression != BI_RGB
                && compression != BI_RLE8 && compression != BI_RLE4) {
            return -1;
        }
        return os2 ? 0 : littleEndian(h, 46, 4);
    }

    /** Whether the JDK's reader reads an info header of this size (OS/2 1.x, or Windows'). */
    private static boolean readerHeader(long headerSize) {
        return headerSize == 12 || headerSize == 40 || headerSize == 52 || headerSize == 56
                || headerSize == 108 || headerSize == 124;
    }

    /**
     * A palette BMP as Pillow reads it: {@code colours} entries of {@code entry} bytes from byte
     * {@code start} (fewer if the file ends first) and pixels of {@code bits} from byte
     * {@code pixels}; the JDK's reader reads {@code gap} entries from {@code start}.
     */
    private record PillowPalette(int start, int entry, int bits, long colours, long gap,
                                 long pixels) {}

    /**
     * A BMP with its palette (or file header) replaced: its first {@code head.length} bytes are
     * {@code head}'s, and the rest those of {@code bmp} from {@code cut} bytes further on (back,
     * if negative: Pillow's palette ran into the pixel data).
     */
    private static final class PaletteCut extends HeadView {
        private final ImageInputStream bmp;
        private final long cut;

        PaletteCut(ImageInputStream bmp, byte[] head, long cut) {
            super(head);
            this.bmp = bmp;
            this.cut = cut;
        }

        @Override
        public int read() throws IOException {
            checkClosed();
            bitOffset = 0;
            int b;
            if (streamPos < head.length) {
                b = head[(int) streamPos] & 0xFF;
            } else {
                bmp.seek(streamPos + cut);
                b = bmp.read();
            }
            if (b >= 0) {
                streamPos++;
            }
            return b;
        }

        @Override
        int readPast(long pos, byte[] b, int off, int len) throws IOException {
            bmp.seek(pos + cut);
            return bmp.read(b, off, len);
        }
    }

    /**
     * What is wrong with an RLE BMP (given its headers {@code h}, where Pillow reads its palette
     * and data {@code p}, and its size) that Pillow refuses, in words, or null. Pillow decodes
     * the data up to an end-of-bitmap code or the end of the file, and fails unless that fills
     * the image ("not enough image data"), whatever the image size and file size fields say;
     * and it reads a palette of black then white as 1-bit, "1", which its RLE decoder cannot
     * write ("unknown raw mode"). Counted without storing a pixel.
     */
    private static String rle(ImageInputStream s, byte[] h, PillowPalette p, long width,
                              long height) throws IOException {
        if (p.colours() == 2) {
            byte[] entries = new byte[2 * p.entry()];
            s.seek(p.start());
            if (read(s, entries) == entries.length && entries[0] == 0 && entries[1] == 0
                    && entries[2] == 0 && (entries[p.entry()] & entries[p.entry() + 1]
                    & entries[p.entry() + 2]) == -1) {
                return "an RLE BMP of a black and white palette, which Pillow reads as 1-bit and"
                        + " then fails to decode; expected another palette, as Pillow reads";
            }
        }
        PillowRle rle = new PillowRle(s, p.pixels(), (int) width, height,
                littleEndian(h, 30, 4) == BI_RLE4);
        long decoded = rle.count();
        if (decoded >= width * height) {
            return null;
        }
        if (rle.endOfBitmap() >= 0) {
            return String.format(Locale.ROOT, "the RLE pixel data ends (an end-of-bitmap code at"
                    + " byte %,d) after %,d of the %dx%d image's %,d pixels; expected codes for"
                    + " them all, as Pillow reads", rle.endOfBitmap(), decoded, width, height,
                    width * height);
        }
        return String.format(Locale.ROOT, "the file is truncated (its RLE pixel data ends with"
                + " the file, at byte %,d, after %,d of the %dx%d image's %,d pixels)",
                rle.fileEnd(), decoded, width, height, width * height);
    }

    /**
     * Pillow's RLE decoder (BI_RLE8, or BI_RLE4 if {@code rle4}), over data from byte
     * {@code start}: the palette indices of a {@code width} x {@code height} image, row by row
     * in the order stored. Where it differs from the JDK's reader, as Pillow does:
     * <ul>
     *   <li>the pixels are one sequence, not rows: an absolute run goes on past the end of its
     *       row into the next, and a delta (right, up) adds {@code right + up * width} pixels
     *       of index 0 wherever it starts; an end of line pads the sequence to a whole row
     *       (nothing at the start of one);
     *   <li>an encoded run is cut at the end of its row (counted from the last end of line or
     *       delta, or absolute runs' counts, so none after a run past the end);
     *   <li>a 4-bit absolute run of an odd count reads count / 2 bytes, its last pixel lost,
     *       and runs are padded to an even byte of the file, not of the data;
     *   <li>the data ends at an end-of-bitmap code, the end of the file, or the image full.
     * </ul>
     */
    private static final class PillowRle {
        private final ImageInputStream s;
        private final long start, width, limit;
        private final boolean rle4;
        private final byte[] in = new byte[8192];
        private long inStart, at, fileEnd = -1, endOfBitmap = -1;
        private int inCount;
        /** A run's pixels decoded and not yet taken; {@code zeros} index-0 pixels before them. */
        private final byte[] out = new byte[255];
        private int outAt, outEnd;
        private long zeros;
        /** Pixels decoded (Pillow's len(data)), and its x: where the row's runs have reached. */
        private long decoded, x;
        private boolean ended;

        PillowRle(ImageInputStream s, long start, int width, long height, boolean rle4) {
            this.s = s;
            this.start = start;
            this.width = width;
            this.limit = width * height;
            this.rle4 = rle4;
            restart();
        }

        /** Back to the first pixel. */
        void restart() {
            at = start;
            inCount = 0;
            outAt = outEnd = 0;
            zeros = decoded = x = 0;
            ended = false;
        }

        /** Decodes to the end, storing nothing: the pixels decoded (more than a full image). */
        long count() throws IOException {
            while (!ended && decoded < limit) {
                step();
                outEnd = 0;
            }
            return decoded;
        }

        /** Where an end-of-bitmap code ended the data, or -1. */
        long endOfBitmap() {
            return endOfBitmap;
        }

        /** The file's length, if the data ran into its end; else -1. */
        long fileEnd() {
            return fileEnd;
        }

        /** The next row's {@code width} indices (0 past the end of the data). */
        void nextRow(byte[] row) throws IOException {
            int filled = 0, w = (int) width;
            while (filled < w) {
                if (zeros > 0) {
                    int k = (int) Math.min(zeros, w - filled);
                    Arrays.fill(row, filled, filled + k, (byte) 0);
                    zeros -= k;
                    filled += k;
                } else if (outAt < outEnd) {
                    int k = Math.min(outEnd - outAt, w - filled);
                    System.arraycopy(out, outAt, row, filled, k);
                    outAt += k;
                    filled += k;
                } else if (ended || decoded >= limit) {
                    Arrays.fill(row, filled, w, (byte) 0);
                    filled = w;
                } else {
                    step();
                }
            }
        }

        /** Decodes one code: its pixels to {@code zeros} or {@code out}. */
        private void step() throws IOException {
            long code = at;
            int count = next(), value = next();
            if (count < 0 || value < 0) {
                ended = true;
            } else if (count > 0) {   // a run of count pixels
                int n = (int) Math.min(count, Math.max(0, width - x));
                for (int i = 0; i < n; i++) {
                    out[i] = (byte) (!rle4 ? value : i % 2 == 0 ? value >> 4 : value & 15);
                }
                outAt = 0;
                outEnd = n;
                x += n;
                decoded += n;
            } else if (value == 0) {   // end of line
                zeros = (width - decoded % width) % width;
                decoded += zeros;
                x = 0;
            } else if (value == 1) {   // end of bitmap
                endOfBitmap = code;
                ended = true;
            } else if (value == 2) {   // delta: right, up
                int right = next(), up = next();
                if (right < 0 || up < 0) {
                    ended = true;
                    return;
                }
                zeros = right + up * width;
                decoded += zeros;
                x = decoded % width;
            } else {   // absolute: value pixels follow
                int pixels = rle4 ? value / 2 * 2 : value, got = 0;
                while (got < pixels) {
                    int b = next();
                    if (b < 0) {
                        break;
                    }
                    if (rle4) {
                        out[got++] = (byte) (b >> 4);
                        out[got++] = (byte) (b & 15);
                    } else {
                        out[got++] = (byte) b;
                    }
                }
                outAt = 0;
                outEnd = got;
                decoded += got;
                if (got < pixels) {
                    ended = true;
                    return;
                }
                x += value;
                if (at % 2 != 0) {
                    at++;
                }
            }
        }

        /** The data's next byte, or -1 at the end of the file. */
        private int next() throws IOException {
            if (at < inStart || at >= inStart + inCount) {
                s.seek(at);
                inStart = at;
                inCount = read(s, in);
                if (inCount < in.length) {
                    fileEnd = at + inCount;
                }
                if (inCount == 0) {
                    return -1;
                }
            }
            return in[(int) (at++ - inStart)] & 0xFF;
        }
    }

    /**
     * An RLE BMP as Pillow decodes it (see {@link PillowRle}), as a BMP of 8-bit BI_RGB rows of
     * its palette indices, which the JDK's reader reads: its headers and palette as in the file,
     * the fields for these rows changed (the colours used Pillow's), then the rows, decoded as
     * they are read. The reader read the image size field's bytes of data (the file size
     * field's less the data offset if 0), leaving black what lay past it, and decoded RLE
     * otherwise than Pillow. A linked or embedded colour profile is dropped: a palette's colours
     * are read without it, and it may lie where the rows now are.
     */
    private static final class RleRows extends HeadView {
        private final ImageInputStream bmp;
        private final long pixels, rows;
        private final int stride;
        private final PillowRle rle;
        /** The row decoded last, {@code rowAt}; allocated when read, as the reader's raster is. */
        private byte[] row;
        private long rowAt = -1;

        RleRows(ImageInputStream bmp, byte[] h, int n, PillowPalette p) {
            super(Arrays.copyOf(h, (int) Math.min(n, p.pixels())));
            this.bmp = bmp;
            int width = (int) littleEndian(h, 18, 4), height = (int) littleEndian(h, 22, 4);
            pixels = p.pixels();
            rows = Math.abs((long) height);
            stride = (int) ((width + 3L) & ~3L);
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(2, (int) (pixels + stride * rows)).putInt(10, (int) pixels)
                    .putShort(28, (short) 8).putInt(30, BI_RGB).putInt(34, (int) (stride * rows))
                    .putInt(46, (int) p.colours());
            linkedProfileAsSrgb(b);
            rle = new PillowRle(bmp, pixels, width, rows, littleEndian(h, 30, 4) == BI_RLE4);
        }

        @Override
        int readPast(long pos, byte[] b, int off, int len) throws IOException {
            if (pos < pixels) {
                bmp.seek(pos);
                return bmp.read(b, off, (int) Math.min(len, pixels - pos));
            }
            long y = (pos - pixels) / stride;
            if (y >= rows) {
                return -1;
            }
            if (row == null) {
                row = new byte[stride];
            }
            if (y < rowAt) {   // read again: decode again from the start
                rle.restart();
                rowAt = -1;
            }
            while (rowAt < y) {
                rle.nextRow(row);
                rowAt++;
            }
            int x = (int) ((pos - pixels) % stride);
            int r = Math.min(len, stride - x);
            System.arraycopy(row, x, b, off, r);
            return r;
        }
    }

    /**
     * A 4- or 8-bit BI_RGB BMP whose palette is black then white, two colours, as Pillow reads
     * it: as a 1-bit image ("1"), each row's pixels the bits of its first (width + 7) / 8 bytes,
     * the rest of the row skipped. The JDK's reader read its 4- or 8-bit indices, past 1 black.
     * The view is a 1-bit BMP of those bits: the headers of {@code h}, the two entries, and each
     * row's bytes from the file, padded to the 1-bit row's length.
     */
    private static final class OneBitRows extends HeadView {
        private final ImageInputStream bmp;
        private final long pixels, stride, rows, oneBitStride, rowBytes;

        OneBitRows(ImageInputStream bmp, byte[] h, PillowPalette p) {
            super(Arrays.copyOf(h, p.start() + 8));
            this.bmp = bmp;
            long width = (int) littleEndian(h, 18, 4);
            rows = Math.abs((long) (int) littleEndian(h, 22, 4));
            pixels = p.pixels();
            stride = (width * p.bits() + 31) / 32 * 4;
            oneBitStride = (width + 31) / 32 * 4;
            rowBytes = (width + 7) / 8;
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            b.put(p.start(), new byte[] {0, 0, 0, 0, -1, -1, -1, 0});
            b.putInt(2, (int) (head.length + oneBitStride * rows)).putInt(10, head.length)
                    .putShort(28, (short) 1).putInt(34, (int) (oneBitStride * rows))
                    .putInt(46, 2);
            linkedProfileAsSrgb(b);
        }

        @Override
        int readPast(long pos, byte[] b, int off, int len) throws IOException {
            long y = (pos - head.length) / oneBitStride;
            long x = (pos - head.length) % oneBitStride;
            if (y >= rows) {
                return -1;
            }
            if (x < rowBytes) {
                bmp.seek(pixels + y * stride + x);
                return bmp.read(b, off, (int) Math.min(len, rowBytes - x));
            }
            int r = (int) Math.min(len, oneBitStride - x);
            Arrays.fill(b, off, off + r, (byte) 0);
            return r;
        }
    }

    /** "1 byte", "2 bytes", "300,000,000 bytes". */
    private static String bytes(long n) {
        return String.format(Locale.ROOT, "%,d byte%s", n, n == 1 ? "" : "s");
    }

    /** The stream's length, given a position known to be in it and one known to be past it. */
    private static long length(ImageInputStream s, long present, long absent) throws IOException {
        long length = s.length();   // -1 for the cached streams ImageIO makes of an InputStream
        if (length >= 0) {
            return length;
        }
        while (absent - present > 1) {   // the bytes are cached: a few dozen one-byte reads
            long mid = present + (absent - present) / 2;
            s.seek(mid);
            if (s.read() >= 0) {
                present = mid;
            } else {
                absent = mid;
            }
        }
        return absent;
    }

    /** Reads up to {@code b.length} bytes; fewer only at the end of the stream. */
    private static int read(ImageInputStream s, byte[] b) throws IOException {
        int n = 0;
        while (n < b.length) {
            int r = s.read(b, n, b.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    private static int bigEndian(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8
                | (b[at + 3] & 0xFF);
    }

    private static long littleEndian(byte[] b, int at, int bytes) {
        long v = 0;
        for (int i = bytes - 1; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }
}
