package dev.mobilenetsimd.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads JPEG, PNG and BMP files (through {@link ImageIO}) and converts them to 8-bit RGB the way
 * Pillow's {@code convert("RGB")} does: grey is copied to all three channels, alpha is dropped (not
 * composited), palettes are looked up, CMYK (and YCCK) JPEGs are converted by Pillow's formula,
 * and the stored sample values are taken as they are (no colour management), so preprocessing
 * matches the Python reference pipelines.
 *
 * <p>Except for 16-bit grey without alpha, which this reduces to its high byte as a photo needs,
 * where Pillow clips each value at 255 (nearly every pixel white). 16-bit colour keeps its high
 * byte, as in Pillow.
 */
public final class ImageDecoder {
    /**
     * Largest image accepted, in pixels: Pillow's limit (twice {@code Image.MAX_IMAGE_PIXELS}),
     * above which it refuses a file as a decompression bomb. A few bytes of PNG can declare an
     * image whose raster fills the heap; the size is checked from the header, before decoding.
     *
     * <p>Below the limit, a PNG or uncompressed BMP must also hold enough data for its declared
     * size before anything is allocated for its pixels (see {@link #decode}). A JPEG or an
     * RLE-compressed BMP has only this limit (an RLE one must code every pixel, but may code
     * them cheaply): a flat JPEG codes an 8 x 8 block in a few bits, and an RLE escape skips up
     * to 255 rows in 4 bytes, so no ratio of pixels to file bytes is safe, and such a file of a
     * few hundred bytes may still cost the raster of up to {@value} pixels (about 0.5 GB for
     * RGB) before the reader finds it truncated.
     */
    public static final long MAX_PIXELS = 178_956_970L;

    /** The ImageIO format names decoded: the formats whose conversion matches Pillow's. */
    private static final List<String> DECODED_FORMATS = List.of("jpeg", "png", "bmp");

    private ImageDecoder() {}

    /**
     * Decodes the image in {@code file}. A file that cannot be read is named in one form,
     * "cannot read image FILE: " and why: "no such file or directory", "a directory, expected a
     * JPEG, PNG or BMP file", "not a regular file, expected a JPEG, PNG or BMP file" (a device
     * or a pipe, refused before reading), "permission denied" and so on.
     *
     * @param file the image file
     * @return the image in 8-bit RGB
     * @throws FileNotFoundException if the file does not exist, is a directory or is not a
     *                               regular file
     * @throws IOException           if the file cannot be read otherwise, when opened, part
     *                               way through or closed (the message says why, e.g. "permission
     *                               denied", "Input/output error", and the cause is the JDK's
     *                               exception), or is not a decodable JPEG, PNG or BMP image
     *                               ("cannot decode image FILE: " and why)
     * @throws IllegalArgumentException if {@code file} is the empty path
     * @throws NullPointerException  if {@code file} is null
     */
    public static RgbImage read(Path file) throws IOException {
        java.util.Objects.requireNonNull(file, "image file path is null");
        IoErrors.requireNonEmpty(file, "image file path", "a JPEG, PNG or BMP file");
        if (!Files.isRegularFile(file)) {
            // FileNotFoundException, as the JDK's streams throw for each of these
            throw new FileNotFoundException(cannotRead(file, Files.isDirectory(file)
                    ? "a directory, expected a JPEG, PNG or BMP file" : Files.exists(file)
                    ? "not a regular file, expected a JPEG, PNG or BMP file"
                    : "no such file or directory"));
        }
        InputStream in;
        try {
            in = Files.newInputStream(file);
        } catch (IOException e) {
            throw cannotOpen(file, e);
        }
        return decodeAndClose(in, file);
    }

    /**
     * {@link #decode}s {@code in}, the stream of {@code file}, and closes it. A failure to close
     * reads as any read failure, "cannot read image FILE: " and why, with it as the cause (it
     * came out bare, without the file's name); after a failed decoding it is suppressed in that
     * failure, as a try-with-resources has it.
     */
    static RgbImage decodeAndClose(InputStream in, Path file) throws IOException {
        RgbImage img;
        try {
            img = decode(in, file.toString());
        } catch (Throwable e) {
            try {
                in.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        try {
            in.close();
        } catch (IOException e) {
            throw new IOException(cannotRead(file, IoErrors.reason(e)), e);
        }
        return img;
    }

    /**
     * A reader's failure on damaged data, in words. The JDK decoders throw assorted exceptions;
     * the BMP reader's EOFException has no message, and the PNG reader's "Error reading PNG image
     * data" names only itself: the zlib stream's failure is its cause.
     */
    private static String readerFailure(Exception e) {
        Throwable cause = e.getCause();
        if (e instanceof EOFException) {
            return "the file is truncated (it ends before the image does)";
        }
        if (cause instanceof EOFException) { // a PNG's zlib stream, its chunks whole
            return "the image data is truncated (its compressed stream ends before the image"
                    + " does)";
        }
        String why = e.getMessage();
        String causeWhy = cause == null ? null : cause.getMessage();
        if (causeWhy != null && (why == null || !why.contains(causeWhy))) {
            why = why == null ? causeWhy : why + ": " + causeWhy;
        }
        return "damaged or unsupported (" + why + ")";
    }

    /**
     * {@code file} could not be opened, in words ({@link IoErrors#reason}): the JDK's exceptions
     * for an unreadable or vanished file carry only the path (the CLI printed "error:
     * noread.bmp"). The words are those the CLI gives an unreadable model or labels file.
     */
    static IOException cannotOpen(Path file, IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            // gone since it was checked: as a file missing from the start
            IOException missing = new FileNotFoundException(cannotRead(file,
                    IoErrors.reason(e)));
            missing.initCause(e);
            return missing;
        }
        return new IOException(cannotRead(file, IoErrors.reason(e)), e);
    }

    /** The message of an image file (or stream) that cannot be read, for {@code why}. */
    private static String cannotRead(Object name, String why) {
        return "cannot read image " + name + ": " + why;
    }

    /**
     * Decodes an image from {@code in}; {@code name} appears in error messages. A PNG is read to
     * its IEND chunk and refused if a chunk's CRC-32 does not match, a chunk runs past the end of
     * the stream, IEND is missing or a palette index is past the entries of the PLTE chunk.
     *
     * <p>Before the pixels are decoded (and their raster allocated), a file too short for its
     * declared size is refused: an uncompressed BMP must hold all its pixel rows after its data
     * offset (the last row's padding may be missing), any BMP its palette and an RLE one codes
     * for every pixel (decoded as Pillow decodes it, whatever its size fields say), and a PNG's
     * IDAT chunks at least 1/1032 of its scanline bytes, deflate's best ratio. A BMP of embedded
     * JPEG or PNG data is refused, as Pillow refuses it (the JDK's reader decodes it at the BMP
     * header's size, not the embedded image's), and so is a BMP of bit fields in a layout
     * Pillow does not read or of a compression value it does not know. To find out, the stream
     * is read as far as the reader would read it anyway, into the cache {@link ImageIO} keeps
     * of it (a temporary file, or memory if {@link ImageIO#getUseCache} is false). See
     * {@link #MAX_PIXELS} for JPEG and RLE BMPs.
     *
     * <p>A 1-, 4- or 8-bit BMP of uncompressed rows or RLE is read with the palette and pixels
     * Pillow reads: the colours its header says it uses (all its bits index if 0) from the end
     * of its headers, whatever lies between them and its pixel data, which the JDK's reader
     * takes as the palette (and fails on if it holds more entries than 1- or 4-bit pixels
     * index). It is refused if its header says it uses more than 256 colours and the file holds
     * more than 256 entries after its headers, as Pillow refuses it, unless all the colours it
     * uses are a grey ramp (entry i grey level i mod 256): Pillow then reads an 8-bit one's
     * pixels as grey levels, and so does this. A 4- or 8-bit one of
     * uncompressed rows whose palette is two colours, black then white, is read as Pillow reads
     * it: as a 1-bit image, from the first bits of each row. A 1- or 4-bit one of uncompressed
     * rows whose palette is a grey ramp (entry i grey level i for each of the colours it uses,
     * other than two) is refused: Pillow reads its rows as 8-bit grey levels, failing or
     * giving levels unlike the palette's.
     *
     * <p>A JPEG's embedded colour profile is not applied, as Pillow applies none (the JDK's
     * reader converted the pixels from it to sRGB).
     *
     * <p>An {@link IOException} thrown by {@code in} itself (a disk's "Input/output error" part
     * way through a file) fails the decoding as an image that cannot be read, "cannot read image
     * NAME: " and why in {@link IoErrors#reason}'s words, with that exception as the cause,
     * wherever it was thrown and however the image reader passed it on: not as a damaged image.
     * A stream that merely ends early is a truncated image, "cannot decode image NAME: ...".
     *
     * @param in the encoded image
     * @param name what error messages call the stream (e.g. its file name)
     * @return the image in 8-bit RGB
     * @throws IOException if {@code in} throws one ("cannot read image NAME: " and why), or the
     *                     stream is not a decodable JPEG, PNG or BMP image, or holds less data
     *                     than its header declares ("cannot decode image NAME: " and why)
     * @throws NullPointerException if {@code in} or {@code name} is null
     */
    public static RgbImage decode(InputStream in, String name) throws IOException {
        java.util.Objects.requireNonNull(in, "image stream is null");
        // A null name was printed as one: "cannot decode image null: ..." named no stream.
        java.util.Objects.requireNonNull(name, "image name is null: expected what error"
                + " messages call the stream, e.g. its file name");
        FailureRecorder source = new FailureRecorder(in);
        try {
            return decodeSource(source, name);
        } catch (IOException | RuntimeException e) {
            IOException failure = source.failure;
            if (failure == null) {
                throw e;
            }
            // The readers pass a failing source on in their own ways: the PNG reader wraps it
            // ("Error reading PNG image data"), the JPEG reader rethrows it as it is, and
            // ImageIO's format probes swallow it, the data then looking like no image (or one
            // cut short, to a source that reads as ended after failing once).
            IOException read = new IOException(cannotRead(name, IoErrors.reason(failure)),
                    failure);
            if (e != failure) {
                read.addSuppressed(e);   // what the decoder made of it, for a stack trace
            }
            throw read;
        }
    }

    /**
     * Passes {@code in} on, keeping the first {@link IOException} it throws: the proof that
     * decoding failed because the source failed, whatever the readers made of it.
     */
    private static final class FailureRecorder extends java.io.FilterInputStream {
        private IOException failure;

        FailureRecorder(InputStream in) {
            super(in);
        }

        private IOException recorded(IOException e) {
            if (failure == null) {
                failure = e;
            }
            return e;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw recorded(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw recorded(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (IOException e) {
                throw recorded(e);
            }
        }

        @Override
        public int available() throws IOException {
            try {
                return in.available();
            } catch (IOException e) {
                throw recorded(e);
            }
        }
    }

    /** {@link #decode}, of the recorded source. */
    private static RgbImage decodeSource(InputStream in, String name) throws IOException {
        BufferedImage img = null;
        long width = 0, height = 0;
        String damage = null;
        String refusal = null;
        String shortfall = null;
        List<String> warnings = new ArrayList<>();
        PngChunkWalker png = new PngChunkWalker(in);
        try (ImageInputStream stream = ImageIO.createImageInputStream(png)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
            if (!readers.hasNext()) {
                // the readers' probes leave the stream at its start: say so if nothing is there
                throw new IOException("cannot decode image " + name + ": " + (stream.read() < 0
                        ? "the file is empty (0 bytes)"
                        : "not a JPEG, PNG or BMP file (no image reader recognises it)"));
            }
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toLowerCase(Locale.ROOT);
            if (!DECODED_FORMATS.contains(format)) {
                // ImageIO also reads GIF, TIFF and WBMP, whose conversion was never checked
                // against Pillow's: refused rather than classified by unchecked rules.
                reader.dispose();
                throw new IOException("cannot decode image " + name + ": a "
                        + format.toUpperCase(Locale.ROOT) + " file; expected JPEG, PNG or BMP");
            }
            try {
                // From the start of the stream: the PNG reader discards what it has read.
                shortfall = DeclaredDataCheck.shortfall(stream, format);
                // as ImageIO.read; a BMP whose palette the reader cannot use, in a form it can
                reader.setInput(shortfall == null ? DeclaredDataCheck.readerInput(stream, format)
                        : stream, true, true);
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                width = reader.getWidth(0);
                height = reader.getHeight(0);
                if (width * height > MAX_PIXELS) {
                    refusal = tooLarge(width, height);
                } else if (shortfall != null) {
                    // A PNG chunk cut short or damaged is named as such rather than as too short.
                    String found = png.finishQuietly();
                    refusal = found != null ? found : shortfall;
                } else {
                    img = reader.read(0);
                    // The JDK's PNG reader checks no CRC and stops at the pixels: walk the rest.
                    damage = png.finish(img);
                }
            } catch (OutOfMemoryError e) { // the raster: garbage again once this unwinds
                throw outOfMemory(name, width, height, e);
            } catch (IOException | RuntimeException e) {
                if (e.getCause() instanceof OutOfMemoryError) { // the PNG reader wraps it
                    throw outOfMemory(name, width, height, e.getCause());
                }
                // A damaged PNG chunk often fails the reader first: name the damage instead;
                // so too a shortfall or bad BMP header the check found (a palette size of -3
                // failed the BMP reader as a NegativeArraySizeException: "(-3)").
                String found = png.finishQuietly();
                if (found == null) {
                    found = shortfall;
                }
                if (found == null && truncated(warnings)) {
                    // A JPEG cut before its image data: libjpeg warns, puts an end-of-image
                    // marker where the data ended, and fails on that ("Bogus Huffman table
                    // definition"), which alone read as damage.
                    if (e.getMessage() != null) {
                        warnings.add(e.getMessage());
                    }
                    found = truncation(warnings);
                }
                throw new IOException("cannot decode image " + name + ": "
                        + (found != null ? found : readerFailure(e)), e);
            } finally {
                reader.dispose();
            }
        }
        if (refusal != null) {
            throw new IOException("cannot decode image " + name + ": " + refusal);
        }
        if (damage != null) {
            throw new IOException("cannot decode image " + name + ": " + damage);
        }
        // A JPEG cut short only draws warnings and decodes with its missing part grey; Pillow
        // refuses it ("image file is truncated"). Other warnings (extraneous bytes, an invalid
        // colour profile) leave the pixels intact, as they do for Pillow.
        if (truncated(warnings)) {
            throw new IOException("cannot decode image " + name + ": " + truncation(warnings));
        }
        try {
            return toRgb(img);
        } catch (OutOfMemoryError e) {
            throw outOfMemory(name, width, height, e);
        } catch (RuntimeException e) {
            throw new IOException("cannot convert image " + name + " to RGB: " + e.getMessage(), e);
        }
    }

    /** Whether the reader's warnings say the file ended early. */
    private static boolean truncated(List<String> warnings) {
        for (String w : warnings) {
            String lower = String.valueOf(w).toLowerCase(Locale.ROOT);
            if (lower.contains("truncated") || lower.contains("premature end")) {
                return true;
            }
        }
        return false;
    }

    /** The file truncated, in words, with the reader's warnings (each once). */
    private static String truncation(List<String> warnings) {
        return "the file is truncated or damaged (" + String.join("; ", new java.util
                .LinkedHashSet<>(warnings)) + ")";
    }

    /**
     * An image whose pixels do not fit in the heap, as an {@link IOException} of that image: the
     * next image may well fit, and the message should not blame the model, as an
     * {@link OutOfMemoryError} reaching the CLI would ("Caught exception during read" was all the
     * PNG reader's wrapper said).
     */
    private static IOException outOfMemory(String name, long width, long height, Throwable e) {
        return new IOException(String.format(Locale.ROOT, "cannot decode image %s: its %dx%d"
                + " pixels (%,d MiB as RGB) do not fit in the Java heap (at most %,d MiB); raise"
                + " it with -Xmx", name, width, height, width * height * 3 >> 20,
                Runtime.getRuntime().maxMemory() >> 20), e);
    }

    /** An image of {@code width} x {@code height} pixels, more than {@link #MAX_PIXELS}. */
    static String tooLarge(long width, long height) {
        return String.format(Locale.ROOT, "too large: %dx%d is %,d pixels, more than the %,d"
                + " accepted", width, height, width * height, MAX_PIXELS);
    }

    /**
     * Converts any {@link BufferedImage} to 8-bit RGB (see the class comment for the rules).
     *
     * @param img the image
     * @return the image in 8-bit RGB
     * @throws NullPointerException     if {@code img} is null
     * @throws IllegalArgumentException if the image has more than {@link #MAX_PIXELS} pixels, or
     *                                  is CMYK other than four 8-bit inks without alpha (what a
     *                                  CMYK JPEG decodes to)
     */
    public static RgbImage toRgb(BufferedImage img) {
        java.util.Objects.requireNonNull(img, "image is null");
        int w = img.getWidth(), h = img.getHeight();
        if ((long) w * h > MAX_PIXELS) {
            throw new IllegalArgumentException("image " + tooLarge(w, h));
        }
        byte[] px = new byte[w * h * 3];
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        int csType = cm.getColorSpace().getType();
        boolean indexed = cm instanceof IndexColorModel;
        if (!indexed && csType == ColorSpace.TYPE_GRAY && bands <= 2) {
            // Wider samples keep their high byte; narrower ones scale to 0 to 255, as Pillow's
            // L;2 and L;4 unpackers do (they were taken as levels: 4-bit white was 15).
            int bits = cm.getComponentSize(0), shift = Math.max(0, bits - 8);
            int max = bits < 8 ? (1 << bits) - 1 : 255;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    byte v = (byte) Math.min(255, (row[x] >>> shift) * 255 / max);
                    int o = (y * w + x) * 3;
                    px[o] = v;
                    px[o + 1] = v;
                    px[o + 2] = v;
                }
            }
        } else if (!indexed && csType == ColorSpace.TYPE_RGB && bands >= 3
                && !cm.isAlphaPremultiplied() && pillowSamples(cm)) {
            // Raw samples: getRGB would colour-convert images that carry an ICC profile, and
            // rounds the 5- and 6-bit samples of a 16-bit BMP and the 16-bit ones of a PNG to
            // the nearest level, where Pillow's unpackers round v * 255 / 31 (or / 63) down
            // and take a 16-bit sample's high byte.
            int[] row = new int[w];
            for (int c = 0; c < 3; c++) {
                int bits = cm.getComponentSize(c), max = (1 << bits) - 1;
                for (int y = 0; y < h; y++) {
                    r.getSamples(0, y, w, 1, c, row);
                    for (int x = 0; x < w; x++) {
                        px[(y * w + x) * 3 + c] = (byte) (bits == 8 ? row[x] : bits == 16
                                ? row[x] >>> 8 : Math.min(255, row[x] * 255 / max));
                    }
                }
            }
        } else if (!indexed && csType == ColorSpace.TYPE_CMYK) {
            cmykToRgb(cm, r, px);
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    px[o] = (byte) (row[x] >> 16);
                    px[o + 1] = (byte) (row[x] >> 8);
                    px[o + 2] = (byte) row[x];
                }
            }
        }
        return new RgbImage(w, h, px);
    }

    /** Whether red, green and blue have 8 bits or fewer, or 16: those Pillow reads. */
    private static boolean pillowSamples(ColorModel cm) {
        for (int c = 0; c < 3; c++) {
            int bits = cm.getComponentSize(c);
            if (bits > 8 && bits != 16) {
                return false;
            }
        }
        return true;
    }

    /**
     * Pillow's CMYK to RGB: each of red, green and blue is {@code (255 - C) * (255 - K) / 255}
     * for its ink C (cyan, magenta, yellow), rounded to the nearest level, and no colour profile.
     * getRGB would apply the JDK's CMYK profile instead (about 54 levels lighter on average).
     * The JDK's JPEG reader gives the inks as Pillow has them: a four-channel JPEG's samples
     * inverted (Adobe's convention, which Pillow assumes for every CMYK JPEG), YCCK converted
     * to CMYK first, as libjpeg does for both.
     */
    private static void cmykToRgb(ColorModel cm, Raster r, byte[] px) {
        boolean eightBit = r.getNumBands() == 4 && cm.getNumComponents() == 4 && !cm.hasAlpha();
        for (int c = 0; eightBit && c < 4; c++) {
            eightBit = cm.getComponentSize(c) == 8;
        }
        if (!eightBit) {
            // Not what a JPEG decodes to, and Pillow has no such mode to match.
            throw new IllegalArgumentException(String.format(Locale.ROOT, "a CMYK image of %d"
                    + " bands and %d bits per pixel%s; expected four 8-bit inks without alpha",
                    r.getNumBands(), cm.getPixelSize(), cm.hasAlpha() ? " with alpha" : ""));
        }
        int w = r.getWidth();
        int[] row = new int[4 * w];
        for (int y = 0; y < r.getHeight(); y++) {
            r.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int white = 255 - row[4 * x + 3];
                for (int c = 0; c < 3; c++) {
                    // never exactly half a level: 255 is odd
                    px[(y * w + x) * 3 + c] = (byte) (((255 - row[4 * x + c]) * white + 127)
                            / 255);
                }
            }
        }
    }
}
