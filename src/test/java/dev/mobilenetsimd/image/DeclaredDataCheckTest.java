package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ChildJvm;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PNG or BMP of a few hundred bytes whose header declares 10000 x 10000 pixels: the JDK's
 * readers allocated the whole raster (0.1 to 0.4 GB) before finding the data missing. Such files
 * are refused from their header and the file size, before decoding.
 */
class DeclaredDataCheckTest {
    private static final int BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_JPEG = 4,
            BI_PNG = 5;

    @TempDir
    Path dir;

    /**
     * A complete, well-formed PNG (valid CRCs, IEND) whose IDAT holds one scanline of a
     * 10000 x 10000 RGB image: it cannot inflate to 300 MB of scanlines.
     */
    @Test
    void pngWhoseDataCannotInflateToItsSizeIsRefused() throws IOException {
        byte[] png = ImageDecoderTest.pngFile(2, 8, 10000, 10000, null, new byte[30001],
                Deflater.BEST_COMPRESSION);
        int idat = png.length - 8 - 25 - 12 - 12;   // signature, IHDR, IDAT's framing, IEND
        assertTrue(idat < 1000, idat + " bytes");
        refused(png, "bomb.png", "the file is truncated or damaged (its IDAT chunks hold " + idat
                + " bytes of compressed data; the 10000x10000 image's 300,010,000 bytes of"
                + " scanlines need at least 290,708 even at deflate's best ratio of 1032:1)");
        // Interlaced 16-bit RGBA, its IDAT split in two chunks: the bound counts both.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Arrays.copyOf(png, 8));
        ImageDecoderTest.chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(6000).putInt(6000)
                .put((byte) 16).put((byte) 6).put(new byte[] {0, 0, 1}).array());
        ImageDecoderTest.chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 3, 0});
        ImageDecoderTest.chunk(out, "IDAT", new byte[] {0, 0, 0, 0, 1});
        ImageDecoderTest.chunk(out, "IEND", new byte[0]);
        long raw = DeclaredDataCheck.scanlineBytes(6000, 6000, 64, true);
        refused(out.toByteArray(), "interlaced.png", String.format(java.util.Locale.ROOT,
                "hold 9 bytes of compressed data; the 6000x6000 image's %,d bytes", raw));
    }

    /**
     * The bound is deflate's best ratio, which zlib nearly reaches on a black image: such a
     * PNG, legitimate, still decodes. Its data cut by a third is refused before decoding.
     */
    @Test
    void pngCompressedNearlyAsWellAsDeflateCanStillDecodes() throws IOException {
        int width = 4000, height = 1000;
        byte[] png = ImageDecoderTest.pngFile(0, 8, width, height, null,
                new byte[height * (width + 1)], Deflater.BEST_COMPRESSION);
        int idat = png.length - 8 - 25 - 12 - 12;
        assertTrue((double) height * (width + 1) / idat > 1000, "ratio " + (height * (width + 1)
                / idat) + ":1, too far from the bound to test it");
        Path f = dir.resolve("black.png");
        Files.write(f, png);
        RgbImage img = ImageDecoder.read(f);
        assertEquals(width, img.width());
        assertEquals(0, img.get(width - 1, height - 1, 2));

        // The same image declared three times as tall: the data falls short of the bound.
        ByteBuffer.wrap(png).putInt(20, height * 3);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
        refused(png, "tall.png", String.format(java.util.Locale.ROOT, "its IDAT chunks hold %,d"
                + " bytes of compressed data; the 4000x3000 image's 12,003,000 bytes of scanlines"
                + " need at least 11,631", idat));
    }

    /**
     * A PNG cut inside its IDAT, too short for its size, is named by the chunk it cuts, as
     * before the check: the chunk structure's damage comes first.
     */
    @Test
    void truncatedPngsAreNamedByTheChunkCut() throws IOException {
        byte[] rows = new byte[200 * 601];
        new java.util.Random(3).nextBytes(rows);
        for (int y = 0; y < 200; y++) {
            rows[y * 601] = 0;   // filter type None
        }
        byte[] png = ImageDecoderTest.pngFile(2, 8, 200, 200, null, rows,
                Deflater.DEFAULT_COMPRESSION);
        int idatLength = ByteBuffer.wrap(png).getInt(33);
        refused(Arrays.copyOf(png, 33 + 8 + 50), "cut.png", String.format(java.util.Locale.ROOT,
                "the file is truncated or damaged (PNG chunk IDAT at byte 33 declares %,d bytes"
                + " of data, the file ends after 50)", idatLength));
        // Past the bound (117 bytes), the check has nothing to say; the chunk walk does.
        refused(Arrays.copyOf(png, 33 + 8 + 500), "cut500.png", "declares");
    }

    /** The scanline bytes, with filter bytes and Adam7 passes, are those a PNG writer deflates. */
    @Test
    void scanlineBytesAreThoseOfRealPngs() throws IOException {
        for (int[] size : new int[][] {{1, 1}, {3, 5}, {9, 17}, {8, 8}, {13, 2}}) {
            for (int type : new int[] {BufferedImage.TYPE_BYTE_BINARY, BufferedImage.TYPE_BYTE_GRAY,
                    BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR}) {
                BufferedImage img = new BufferedImage(size[0], size[1], type);
                int bits = img.getColorModel().getPixelSize();
                for (boolean interlaced : new boolean[] {false, true}) {
                    byte[] png = writePng(img, interlaced);
                    assertEquals(interlaced ? 1 : 0, png[28], "interlace method");
                    assertEquals(inflatedIdat(png), DeclaredDataCheck.scanlineBytes(size[0],
                            size[1], png[24] * channels(png[25]), interlaced),
                            size[0] + "x" + size[1] + ", " + bits + " bits, interlaced "
                            + interlaced);
                }
            }
        }
    }

    /**
     * Uncompressed BMPs declaring 10000 x 10000 pixels (or 13000 x 13000) with 8 bytes of pixel
     * data, in each header layout; the file size in the header is a lie, where the JDK's reader
     * checks it.
     */
    @Test
    void bmpShorterThanItsPixelRowsIsRefused() throws IOException {
        byte[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
        refused(bmp(10000, 10000, 24, BI_RGB, new byte[0], eight, 300_000_054), "bomb.bmp",
                "the file is truncated (the 10000x10000 BMP declares 300,000,000 bytes of 24-bit"
                + " pixel rows from byte 54, 300,000,054 bytes in all; the file has 62)");
        refused(bmp(10000, -10000, 24, BI_RGB, new byte[0], eight, 300_000_054), "topdown.bmp",
                "the 10000x10000 BMP declares 300,000,000 bytes");
        // 8-bit with a palette: the JDK's reader does not even check the header's file size.
        refused(bmp(13000, 13000, 8, BI_RGB, new byte[8], eight, 0), "palette.bmp",
                "the 13000x13000 BMP declares 169,000,000 bytes of 8-bit pixel rows from byte 62,"
                + " 169,000,062 bytes in all; the file has 70)");
        byte[] masks = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(0xFF0000)
                .putInt(0xFF00).putInt(0xFF).array();
        refused(bmp(5000, 5000, 32, BI_BITFIELDS, masks, eight, 0), "bitfields.bmp",
                "the 5000x5000 BMP declares 100,000,000 bytes of 32-bit pixel rows from byte 66");
        // one pixel, and its byte missing: "1 byte", not "1 bytes"
        refused(bmp(1, 1, 8, BI_RGB, new byte[8], new byte[0], 0), "one.bmp",
                "the 1x1 BMP declares 1 byte of 8-bit pixel rows from byte 62, 63 bytes in all;"
                + " the file has 62)");
        // More pixels than accepted, named as such: the reader's check of a 24-bit file's size
        // field failed first ("Invalid width/height for BI_RGB image data.")
        refused(bmp(234_881_061, 23, 24, BI_RGB, new byte[0], eight, 0), "wide.bmp",
                "too large: 234881061x23 is 5,402,264,403 pixels, more than the 178,956,970"
                + " accepted");
        // A gap of 10 bytes before the pixels is a palette of two whole entries, as the JDK's
        // reader reads it: the file ending in the gap's last, partial entry lacks the pixels
        refused(Arrays.copyOf(bmp(1, 1, 8, BI_RGB, new byte[10], new byte[0], 0), 62),
                "gap.bmp", "the 1x1 BMP declares 1 byte of 8-bit pixel rows from byte 64, 65"
                + " bytes in all; the file has 62)");
        // Exactly as many pixels as accepted is not too large: refused as truncated (rows of
        // 268,435,455 bytes padded to 268,435,456, the last one unpadded)
        refused(bmp(89_478_485, 2, 24, BI_RGB, new byte[0], eight, 0), "most.bmp",
                "the 89478485x2 BMP declares 536,870,911 bytes of 24-bit pixel rows from byte 54");
        // and with a palette, whose size the reader's header check does not test first
        refused(bmp(89_478_485, 2, 8, BI_RGB, new byte[8], eight, 0), "most8.bmp",
                "the 89478485x2 BMP declares 178,956,973 bytes of 8-bit pixel rows from byte 62");
        // OS/2 1.x: a 12-byte header with 16-bit sizes.
        ByteBuffer os2 = ByteBuffer.allocate(26 + 8).order(ByteOrder.LITTLE_ENDIAN);
        os2.put((byte) 'B').put((byte) 'M').putInt(300_000_026).putInt(0).putInt(26).putInt(12)
                .putShort((short) 10000).putShort((short) 10000).putShort((short) 1)
                .putShort((short) 24).put(eight);
        refused(os2.array(), "os2.bmp", "the 10000x10000 BMP declares 300,000,000 bytes of 24-bit"
                + " pixel rows from byte 26, 300,000,026 bytes in all; the file has 34)");
    }

    /**
     * A BMP holding an embedded PNG or JPEG, which Pillow refuses: the JDK's reader decoded the
     * embedded image into a raster of the BMP header's size, not its own, so an 11x9 PNG in a
     * BMP declaring 100x100 decoded as 100x100, mostly black, and one declaring 5x4 cropped (and
     * a few hundred bytes declaring 10000x10000 took 0.3 GB); one declaring more data than it
     * holds is refused all the same.
     */
    @Test
    void bmpOfAnEmbeddedImageIsRefused() throws IOException {
        BufferedImage img = new BufferedImage(11, 9, BufferedImage.TYPE_3BYTE_BGR);
        img.setRGB(3, 4, 0x123456);
        byte[] png = writePng(img, false);
        int[][] sizes = {{11, 9}, {100, 100}, {5, 4}, {10000, 10000}};
        for (int[] size : sizes) {
            refused(bmp(size[0], size[1], 0, BI_PNG, new byte[0], png, 0, png.length),
                    "png" + size[0] + ".bmp", "a BMP of embedded PNG data (compression 5);"
                    + " expected a BMP of pixel rows (uncompressed, RLE or bit fields)");
        }
        refused(bmp(11, 9, 0, BI_JPEG, new byte[0], new byte[8], 0, 8), "jpeg.bmp",
                "a BMP of embedded JPEG data (compression 4); expected a BMP of pixel rows");
        refused(bmp(1, 1, 0, BI_PNG, new byte[0], new byte[8], 0, 2_000_000_000), "short.bmp",
                "a BMP of embedded PNG data");
    }

    /**
     * A BMP info header of a size the JDK's reader does not read is named by its size: the
     * reader said "New BMP version not implemented yet." of an OS/2 2.x header (64 bytes, which
     * Pillow reads) and of a damaged size field alike.
     */
    @Test
    void bmpInfoHeaderOfAnUnreadSizeIsNamed() throws IOException {
        for (int size : new int[] {64, 16, 0, 41}) {
            byte[] file = bmp(2, 2, 24, BI_RGB, new byte[0], new byte[16], 0);
            ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(14, size);
            refused(file, "header" + size + ".bmp", "a BMP info header of " + size + " bytes"
                    + (size == 64 ? " (OS/2 2.x)" : "") + ", which the JDK's reader does not"
                    + " read; expected 12 (OS/2 1.x), 40, 52, 56, 108 or 124");
        }
    }

    /**
     * Header fields the JDK's reader turns into an array size, as an int, before reading: a
     * negative one failed as a NegativeArraySizeException, its message the number alone
     * ("damaged or unsupported (-4)"). The palette is what lies between the headers and the
     * pixel data (for BI_BITFIELDS, the colours it says it uses). (RLE data, which the reader
     * read whole at the size its header gave, is decoded as Pillow decodes it: see
     * {@link #rleBmpSizeFieldsAreIgnoredAsPillowIgnoresThem}.)
     */
    @Test
    void bmpHeaderSizesTheReaderAllocatesAreChecked() throws IOException {
        byte[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
        // A BITMAPV4HEADER (108 bytes) whose data offset, 118, is inside it.
        ByteBuffer v4 = ByteBuffer.allocate(14 + 108 + 8).order(ByteOrder.LITTLE_ENDIAN);
        v4.put((byte) 'B').put((byte) 'M').putInt(130).putInt(0).putInt(118).putInt(108)
                .putInt(2).putInt(1).putShort((short) 1).putShort((short) 24);
        refused(v4.array(), "v4.bmp", "the file is damaged (its pixel data offset, 118, is inside"
                + " its headers, which end at byte 122)");
        // An offset past 2^31: the palette before it overflowed the reader's int.
        byte[] far = bmp(2, 1, 24, BI_RGB, new byte[0], eight, 0);
        ByteBuffer.wrap(far).order(ByteOrder.LITTLE_ENDIAN).putInt(10, 0x84000036);
        refused(far, "far.bmp", "the file is truncated (the BMP declares a palette of"
                + " 2,214,592,512 bytes from byte 54; the file has 62)");
        // BI_BITFIELDS using 2^30 colours: 2^32 bytes, 0 as an int, and 2^31 more.
        byte[] masks = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(0xF800)
                .putInt(0x7E0).putInt(0x1F).array();
        byte[] colours = bmp(2, 1, 16, BI_BITFIELDS, masks, new byte[4], 0);
        ByteBuffer.wrap(colours).order(ByteOrder.LITTLE_ENDIAN).putInt(46, 0x60000000);
        refused(colours, "colours.bmp", "the file is truncated (the BMP declares a palette of"
                + " 6,442,450,944 bytes from byte 66; the file has 70)");
    }

    /**
     * Bit fields are read in the layouts Pillow reads (it maps each to an unpacker) and no
     * others: 16 bits 5-6-5 or 5-5-5 (any alpha mask), 24 bits BGR, and for 32 bits the byte
     * orders of its table, all masks 0 among them (read as BGRA). The JDK's reader read any
     * contiguous masks (red and blue swapped, 4-4-4, 10-10-10), refused 24-bit bit fields in a
     * 40-byte header, and read 32-bit masks of 0 as a black image.
     */
    @Test
    void bmpBitFieldsAreReadInTheLayoutsPillowReads() throws IOException {
        // 32 bits: {red, green, blue, alpha} masks; one pixel of red 1, green 2, blue 3, alpha 4
        int[][] layouts = {{0xFF0000, 0xFF00, 0xFF, 0}, {0xFF000000, 0xFF0000, 0xFF00, 0},
                {0xFF000000, 0xFF00, 0xFF, 0}, {0xFF000000, 0xFF0000, 0xFF00, 0xFF},
                {0xFF, 0xFF00, 0xFF0000, 0xFF000000}, {0xFF0000, 0xFF00, 0xFF, 0xFF000000},
                {0xFF000000, 0xFF00, 0xFF, 0xFF0000}};
        for (int[] m : layouts) {
            int pixel = place(1, m[0]) | place(2, m[1]) | place(3, m[2]) | place(4, m[3]);
            byte[] row = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(pixel)
                    .array();
            for (int header : m[3] == 0 ? new int[] {40, 52, 124} : new int[] {56, 108, 124}) {
                String name = String.format("%08x-%d", m[0], header);
                RgbImage img = decode(bitFieldsBmp(header, 32, m, row), name + ".bmp");
                assertEquals(List.of(1, 2, 3), List.of(img.get(0, 0, 0), img.get(0, 0, 1),
                        img.get(0, 0, 2)), name);
            }
        }
        // 32 bits, every mask 0: BGRA (alpha dropped)
        for (int header : new int[] {40, 124}) {
            RgbImage img = decode(bitFieldsBmp(header, 32, new int[4], new byte[] {3, 2, 1, 4}),
                    "zero.bmp");
            assertEquals(List.of(1, 2, 3), List.of(img.get(0, 0, 0), img.get(0, 0, 1),
                    img.get(0, 0, 2)), "masks 0, header " + header);
        }
        // 24 bits BGR, in a 40-byte header and a V5 one
        for (int header : new int[] {40, 124}) {
            RgbImage img = decode(bitFieldsBmp(header, 24, new int[] {0xFF0000, 0xFF00, 0xFF, 0},
                    new byte[] {3, 2, 1, 0}), "bgr24.bmp");
            assertEquals(List.of(1, 2, 3), List.of(img.get(0, 0, 0), img.get(0, 0, 1),
                    img.get(0, 0, 2)), "24-bit, header " + header);
        }
        // 16 bits 5-5-5 with a 1-bit alpha mask: Pillow compares red, green and blue only
        RgbImage img = decode(bitFieldsBmp(108, 16, new int[] {0x7C00, 0x3E0, 0x1F, 0x8000},
                new byte[] {(byte) 0xE7, (byte) 0x83, 0, 0}), "argb1555.bmp");   // 0, 31, 7; 1
        assertEquals(List.of(0, 255, 57), List.of(img.get(0, 0, 0), img.get(0, 0, 1),
                img.get(0, 0, 2)));

        String expected32 = "expected for 32 bits one of (0xff0000, 0xff00, 0xff, 0),"
                + " (0xff000000, 0xff0000, 0xff00, 0), (0xff000000, 0xff00, 0xff, 0),"
                + " (0xff000000, 0xff0000, 0xff00, 0xff), (0xff, 0xff00, 0xff0000, 0xff000000),"
                + " (0xff0000, 0xff00, 0xff, 0xff000000), (0xff000000, 0xff00, 0xff, 0xff0000)"
                + " or (0, 0, 0, 0), as Pillow reads";
        refused(bitFieldsBmp(40, 32, new int[] {0xFF, 0xFF00, 0xFF0000, 0}, new byte[4]),
                "rgbx.bmp", "a 32-bit BMP of bit fields (red, green, blue, alpha) (0xff, 0xff00,"
                + " 0xff0000, 0), a layout Pillow does not read; " + expected32);
        refused(bitFieldsBmp(124, 32, new int[] {0x3FF00000, 0xFFC00, 0x3FF, 0xC0000000},
                new byte[4]), "ten.bmp", "(0x3ff00000, 0xffc00, 0x3ff, 0xc0000000)");
        // the alpha mask of a V5 header counts for 32 bits
        refused(bitFieldsBmp(124, 32, new int[] {0xFF0000, 0xFF00, 0xFF, 0xFF}, new byte[4]),
                "overlap.bmp", "(0xff0000, 0xff00, 0xff, 0xff), a layout Pillow does not read");
        String expected16 = "expected for 16 bits one of (0xf800, 0x7e0, 0x1f) or (0x7c00, 0x3e0,"
                + " 0x1f), as Pillow reads";
        refused(bitFieldsBmp(40, 16, new int[] {0xF00, 0xF0, 0xF, 0}, new byte[4]), "rgb444.bmp",
                "a 16-bit BMP of bit fields (red, green, blue) (0xf00, 0xf0, 0xf), a layout"
                + " Pillow does not read; " + expected16);
        refused(bitFieldsBmp(124, 16, new int[4], new byte[4]), "zero16.bmp",
                "(0, 0, 0), a layout Pillow does not read; " + expected16);
        refused(bitFieldsBmp(124, 24, new int[] {0xFF, 0xFF00, 0xFF0000, 0}, new byte[4]),
                "rgb24.bmp", "a 24-bit BMP of bit fields (red, green, blue) (0xff, 0xff00,"
                + " 0xff0000), a layout Pillow does not read; expected for 24 bits (0xff0000,"
                + " 0xff00, 0xff), as Pillow reads");
        refused(bitFieldsBmp(40, 8, new int[] {0xE0, 0x1C, 0x3, 0}, new byte[4]), "eight.bmp",
                "an 8-bit BMP of bit fields; expected bit fields of 16, 24 or 32 bits, as Pillow"
                + " reads");
        // BI_ALPHABITFIELDS, and a compression value of no meaning, Pillow refuses
        for (int compression : new int[] {6, 7, 0x7FFFFFFF}) {
            for (int header : new int[] {40, 124}) {
                byte[] file = bitFieldsBmp(header, 32, new int[] {0xFF0000, 0xFF00, 0xFF, 0},
                        new byte[4]);
                ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(30, compression);
                refused(file, "compression" + compression + ".bmp", "a BMP of compression "
                        + compression + (compression == 6 ? " (BI_ALPHABITFIELDS)" : "")
                        + "; expected 0 (uncompressed), 1 (RLE8), 2 (RLE4) or 3 (bit fields),"
                        + " as Pillow reads");
            }
        }
    }

    /** {@code value} in the bits of {@code mask} (8 of them, or none). */
    private static int place(int value, int mask) {
        return mask == 0 ? 0 : value << Integer.numberOfTrailingZeros(mask);
    }

    /**
     * A one-pixel BI_BITFIELDS BMP: an info header of {@code header} bytes, the masks (red,
     * green, blue, alpha) after a 40-byte header (three) or in a longer one (three in 52 bytes,
     * four from 56), then {@code row}.
     */
    private static byte[] bitFieldsBmp(int header, int bits, int[] masks, byte[] row) {
        int offset = 14 + header + (header == 40 ? 12 : 0);
        ByteBuffer b = ByteBuffer.allocate(offset + row.length).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 'B').put((byte) 'M').putInt(offset + row.length).putInt(0)
                .putInt(offset).putInt(header).putInt(1).putInt(1).putShort((short) 1)
                .putShort((short) bits).putInt(BI_BITFIELDS).putInt(row.length).putInt(2835)
                .putInt(2835).putInt(0).putInt(0);
        for (int i = 0; i < (header == 40 || header == 52 ? 3 : 4); i++) {
            b.putInt(masks[i]);
        }
        if (header >= 108) {
            b.putInt(70, 0x73524742);   // LCS_sRGB: no profile
        }
        return b.put(offset, row).array();
    }

    /**
     * A 1- or 4-bit BMP with more palette entries between its headers and its pixel data than
     * its bits index (here a valid file with bytes inserted before its pixels, its data offset
     * moved): the JDK's reader sized its palette from that gap and failed ("Raster
     * BytePackedRaster ... is incompatible with ColorModel IndexColorModel ..."). It decodes as
     * Pillow does: the colours used (2^bits if 0) from the end of the headers, the pixels from
     * the data offset, an index past the colours used black; more than 256 colours is refused.
     */
    @Test
    void bmpWithMorePaletteEntriesThanItsBitsIndexDecodesAsPillowDoes() throws IOException {
        byte[] palette = {10, 20, 30, 0, (byte) 200, 100, 50, 0};   // BGR and reserved, twice
        for (int width : new int[] {13, 40}) {
            int stride = (width + 31) / 32 * 4, height = 3;
            byte[] rows = new byte[stride * height];
            new java.util.Random(width).nextBytes(rows);
            for (int gap : new int[] {4, 8, 1020}) {
                byte[] extra = Arrays.copyOf(palette, palette.length + gap);
                Arrays.fill(extra, palette.length, extra.length, (byte) 0x77);
                for (int used : new int[] {0, 2, 1}) {
                    for (int h : new int[] {height, -height}) {   // bottom-up, top-down
                        String name = width + "x" + h + "-gap" + gap + "-used" + used + ".bmp";
                        // without the gap: the palette of the colours used
                        byte[] plain = bmp(width, h, 1, BI_RGB, Arrays.copyOf(palette,
                                used == 1 ? 4 : 8), rows, 0);
                        byte[] gapped = bmp(width, h, 1, BI_RGB, extra, rows, 0);
                        ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN).putInt(46, used);
                        ByteBuffer.wrap(gapped).order(ByteOrder.LITTLE_ENDIAN).putInt(46, used);
                        RgbImage img = decode(gapped, name);
                        assertArrayEquals(decode(plain, name).pixels(), img.pixels(), name);
                        for (int y = 0; y < height; y++) {
                            for (int x = 0; x < width; x++) {
                                int row = h > 0 ? height - 1 - y : y;
                                int i = rows[row * stride + x / 8] >> (7 - x % 8) & 1;
                                for (int c = 0; c < 3; c++) {
                                    int expected = i < (used == 1 ? 1 : 2)
                                            ? palette[4 * i + 2 - c] & 0xFF : 0;
                                    assertEquals(expected, img.get(x, y, c), name + " at " + x
                                            + "," + y);
                                }
                            }
                        }
                    }
                }
            }
        }
        // OS/2 1.x: 3-byte entries, no colours used field.
        byte[] rows = {(byte) 0b1010_0000, 0, 0, 0};   // one row of 3 pixels, padded
        ByteBuffer os2 = ByteBuffer.allocate(14 + 12 + 6 + 9 + 4).order(ByteOrder.LITTLE_ENDIAN);
        os2.put((byte) 'B').put((byte) 'M').putInt(os2.capacity()).putInt(0).putInt(14 + 12 + 15)
                .putInt(12).putShort((short) 3).putShort((short) 1).putShort((short) 1)
                .putShort((short) 1).put(new byte[] {1, 2, 3, 4, 5, 6}).put(new byte[9]).put(rows);
        RgbImage img = decode(os2.array(), "os2.bmp");
        assertEquals(List.of(6, 5, 4, 3, 2, 1, 6, 5, 4), List.of(img.get(0, 0, 0),
                img.get(0, 0, 1), img.get(0, 0, 2), img.get(1, 0, 0), img.get(1, 0, 1),
                img.get(1, 0, 2), img.get(2, 0, 0), img.get(2, 0, 1), img.get(2, 0, 2)));
        // 4-bit: 16 entries, then 8 bytes; index 15 is the 16th entry.
        byte[] sixteen = new byte[64 + 8];
        sixteen[60] = 9;
        byte[] four = bmp(2, 1, 4, BI_RGB, sixteen, new byte[] {(byte) 0xF0, 0, 0, 0}, 0);
        assertEquals(9, decode(four, "four.bmp").get(0, 0, 2));
        // Pillow reads 300 colours and refuses the palette ("invalid palette size").
        byte[] many = bmp(13, 3, 1, BI_RGB, new byte[1016], new byte[12], 0);
        ByteBuffer.wrap(many).order(ByteOrder.LITTLE_ENDIAN).putInt(46, 300);
        refused(many, "many.bmp", "a 1-bit BMP whose header says it uses 300 colours, the file"
                + " holding more than 256 entries, not a grey ramp; expected at most 256, as"
                + " Pillow reads");
    }

    /**
     * A palette BMP whose gap between headers and pixel data holds more entries than the colours
     * it says it uses (no more than its bits index): the JDK's reader coloured the indices past
     * the colours used with the gap's entries; Pillow's palette is the colours used, the indices
     * past them black.
     */
    @Test
    void bmpPaletteGapWiderThanItsColoursUsedDecodesAsPillowDoes() throws IOException {
        java.util.Random random = new java.util.Random(30);
        for (int bits : new int[] {1, 4, 8}) {
            for (int used = 1; used < Math.min(4, 1 << bits); used++) {
                for (int gap : new int[] {used + 1, 1 << bits}) {
                    for (int height : new int[] {3, -3}) {
                        byte[] file = paletteBmp(random, 13, height, bits, used, gap * 4, 0);
                        assertPillowPixels(file, bits + "-bit-used" + used + "-gap" + gap
                                + "-h" + height + ".bmp");
                    }
                }
            }
        }
    }

    /**
     * A palette BMP whose gap between headers and pixel data holds fewer entries than Pillow's
     * palette (the colours used, 2^bits if 0): Pillow reads its entries from the end of the
     * headers on, into the pixel data (whole entries, up to the end of the file), and with no gap
     * at all reads the pixels after them; the JDK's reader's palette was the gap only (the
     * indices past it black), and with no gap it failed ("Unable to read the image header").
     */
    @Test
    void bmpPaletteGapShorterThanPillowsPaletteDecodesAsPillowDoes() throws IOException {
        java.util.Random random = new java.util.Random(31);
        for (int bits : new int[] {1, 4, 8}) {
            for (int used : new int[] {0, 2, 3}) {
                int colours = used == 0 ? 1 << bits : used;
                for (int gap : new int[] {0, 1, 2, 3, 4, 8, 4 * colours - 4}) {
                    for (int width : new int[] {1, 13, 70}) {
                        for (int tail : new int[] {0, 4 * colours}) {
                            if (gap >= 4 * colours || gap == 0 && tail == 0) {
                                continue;
                            }
                            byte[] file = paletteBmp(random, width, 3, bits, used, gap, tail);
                            assertPillowPixels(file, bits + "-bit-used" + used + "-gap" + gap
                                    + "-w" + width + "-tail" + tail + ".bmp");
                        }
                    }
                }
            }
        }
        // OS/2 1.x, no gap: two 3-byte entries, then the pixels.
        byte[] os2 = ByteBuffer.allocate(14 + 12 + 6 + 4).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 'B').put((byte) 'M').putInt(36).putInt(0).putInt(26).putInt(12)
                .putShort((short) 3).putShort((short) 1).putShort((short) 1).putShort((short) 1)
                .put(new byte[] {1, 2, 3, 4, 5, 6, (byte) 0b0110_0000, 0, 0, 0}).array();
        RgbImage img = decode(os2, "os2.bmp");
        assertEquals(List.of(3, 2, 1, 6, 5, 4, 6, 5, 4), List.of(img.get(0, 0, 0),
                img.get(0, 0, 1), img.get(0, 0, 2), img.get(1, 0, 0), img.get(1, 0, 1),
                img.get(1, 0, 2), img.get(2, 0, 0), img.get(2, 0, 1), img.get(2, 0, 2)));
    }

    /**
     * An 8-bit BMP whose palette, as Pillow reads it, is the grey ramp (i, i, i) for each index i
     * it uses: Pillow decodes its pixels as grey levels, an index past the colours used its own
     * grey, not black. Pillow refuses more than 256 colours used only if it reads more than 256
     * entries: a file ending first decodes with the entries it holds.
     */
    @Test
    void eightBitBmpOfAGreyRampPaletteDecodesAsGreyLevels() throws IOException {
        byte[] ramp = {0, 0, 0, 0, 1, 1, 1, 0, 2, 2, 2, 0, 9, 9, 9, 0};
        byte[] rows = {1, 2, (byte) 200, 3, (byte) 255, 0, 0, 0};
        for (int used : new int[] {3, 4}) {
            byte[] file = bmp(5, 1, 8, BI_RGB, ramp, rows, 0);
            ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(46, used);
            RgbImage img = decode(file, "ramp" + used + ".bmp");
            int[] expected = used == 3 ? new int[] {1, 2, 200, 3, 255} : new int[] {1, 2, 0, 9, 0};
            for (int x = 0; x < 5; x++) {
                assertEquals(expected[x], img.get(x, 0, 1), "used " + used + " at " + x);
            }
        }
        byte[] many = bmp(13, 3, 1, BI_RGB, new byte[1012], new byte[12], 0);
        ByteBuffer.wrap(many).order(ByteOrder.LITTLE_ENDIAN).putInt(46, 300);
        assertPillowPixels(many, "many.bmp");
    }

    /**
     * An 8-bit BMP whose header says it uses more than 256 colours (up to Pillow's 65,536), all
     * of them in the file: Pillow reads them all and compares entry i with grey level i mod 256
     * (it keeps a byte of i). A ramp that wraps so is grey ("L"), its pixels grey levels, from
     * rows or RLE, after the palette or at a data offset inside it (the 257th entry then the
     * first pixels); any other palette of more than 256 entries is refused ("invalid palette
     * size"), and so are more than 65,536 colours, a grey ramp or not. The outcomes are those of
     * Pillow 9.4 for these files.
     */
    @Test
    void eightBitBmpOfMoreThan256ColoursIsReadOnlyAsAWrappingGreyRamp() throws IOException {
        byte[] rows = {1, 2, (byte) 200, (byte) 255};
        List<Integer> levels = List.of(1, 2, 200, 255);
        byte[] gapped = bmp(4, 1, 8, BI_RGB, greyRamp(300, 4), rows, 0);
        assertEquals(levels, greens(decode(gapped, "gapped.bmp")));
        byte[] after = gapped.clone();   // data offset 54: the pixels after the 300 entries
        ByteBuffer.wrap(after).order(ByteOrder.LITTLE_ENDIAN).putInt(10, 54);
        assertEquals(levels, greens(decode(after, "after.bmp")));
        byte[] rle8 = bmp(4, 1, 8, BI_RLE8, greyRamp(300, 4), new byte[] {4, 7, 0, 1}, 0);
        assertEquals(List.of(7, 7, 7, 7), greens(decode(rle8, "rle8.bmp")));
        byte[] rle4 = bmp(4, 1, 4, BI_RLE4, greyRamp(300, 4), new byte[] {4, 0x37, 0, 1}, 0);
        assertEquals(List.of(3, 7, 3, 7), greens(decode(rle4, "rle4.bmp")));
        // 257 colours, 256 in the gap: the 257th is the first pixels, grey 0 here
        byte[] zeros = bmp(4, 1, 8, BI_RGB, greyRamp(256, 4), new byte[] {0, 0, 0, 9}, 0);
        ByteBuffer.wrap(zeros).order(ByteOrder.LITTLE_ENDIAN).putInt(46, 257);
        assertEquals(List.of(0, 0, 0, 9), greens(decode(zeros, "zeros.bmp")));

        String notGrey = "a 8-bit BMP whose header says it uses %s colours, the file holding"
                + " more than 256 entries, not a grey ramp; expected at most 256, or up to 65,536"
                + " in a grey ramp (entry i grey level i mod 256), as Pillow reads";
        byte[] unwrapped = gapped.clone();   // entry 299 red 255, not 299 mod 256
        unwrapped[54 + 4 * 299 + 2] = (byte) 255;
        refused(unwrapped, "unwrapped.bmp", String.format(notGrey, 300));
        byte[] rleUnwrapped = rle8.clone();
        rleUnwrapped[54 + 4 * 256] = 1;
        refused(rleUnwrapped, "rleunwrapped.bmp", String.format(notGrey, 300));
        byte[] pixels = zeros.clone();   // the 257th entry (1, 2, 200): not grey 0
        System.arraycopy(rows, 0, pixels, 54 + 1024, 4);
        refused(pixels, "pixels.bmp", String.format(notGrey, 257));
        // 300 colours, the file ending after 256 entries and a row: 257 entries, not all 300
        byte[] ended = bmp(4, 1, 8, BI_RGB, greyRamp(256, 4), rows, 0);
        ByteBuffer.wrap(ended).order(ByteOrder.LITTLE_ENDIAN).putInt(46, 300);
        refused(ended, "ended.bmp", String.format(notGrey, 300));
        byte[] tooMany = bmp(4, 1, 8, BI_RGB, greyRamp(65537, 4), rows, 0);
        refused(tooMany, "toomany.bmp", "a 8-bit BMP whose header says it uses 65,537 colours;"
                + " expected at most 256, or up to 65,536 in a grey ramp");
        byte[] ramp65536 = bmp(4, 1, 8, BI_RGB, greyRamp(65536, 4), rows, 0);
        assertEquals(levels, greens(decode(ramp65536, "ramp65536.bmp")));
        // 4-bit rows: Pillow unpacks them as 8-bit grey, as for a ramp of 16 entries
        refused(bmp(4, 1, 4, BI_RGB, greyRamp(300, 4), rows, 0), "four.bmp", "a 4-bit BMP with"
                + " a grey-ramp palette (300 entries, entry i grey level i mod 256), which Pillow"
                + " reads differently");
    }

    /** The green of each pixel of the first row. */
    private static List<Integer> greens(RgbImage img) {
        List<Integer> greens = new ArrayList<>();
        for (int x = 0; x < img.width(); x++) {
            greens.add(img.get(x, 0, 1));
        }
        return greens;
    }

    /**
     * A 1- or 4-bit BMP of uncompressed rows whose palette Pillow reads as a grey ramp: the
     * colours it uses (2^bits if 0), other than two, are (i, i, i) for each index i. Pillow then
     * unpacks its rows as 8-bit grey ("L") at the 1- or 4-bit rows' stride: it fails on a row
     * wider than that (21 pixels) and reads each byte of indices as a level otherwise (3
     * pixels). Refused, from a 40-byte header and an OS/2 1.x one (16 colours for 4 bits).
     */
    @Test
    void oneAndFourBitBmpsOfAGreyRampPaletteAreRefused() throws IOException {
        java.util.Random random = new java.util.Random(11);
        for (int[] bitsUsed : new int[][] {{1, 1}, {1, 3}, {1, 16}, {4, 0}, {4, 5}, {4, 16}}) {
            int bits = bitsUsed[0], used = bitsUsed[1], colours = used == 0 ? 1 << bits : used;
            for (int width : new int[] {3, 21}) {
                byte[] rows = new byte[(width * bits + 31) / 32 * 4 * 2];
                random.nextBytes(rows);
                byte[] file = bmp(width, 2, bits, BI_RGB, greyRamp(colours, 4), rows, 0);
                ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(46, used);
                refused(file, "ramp" + bits + "-" + used + "-" + width + ".bmp", String.format(
                        "a %d-bit BMP with a grey-ramp palette (%d entries, entry i grey level"
                        + " i), which Pillow reads differently: as 8-bit grey rows", bits,
                        colours));
            }
        }
        byte[] rows = {0x12, 0x34, 0, 0};
        byte[] ramp = greyRamp(16, 3);
        ByteBuffer os2 = ByteBuffer.allocate(14 + 12 + ramp.length + rows.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        os2.put((byte) 'B').put((byte) 'M').putInt(os2.capacity()).putInt(0)
                .putInt(14 + 12 + ramp.length).putInt(12).putShort((short) 4).putShort((short) 1)
                .putShort((short) 1).putShort((short) 4).put(ramp).put(rows);
        refused(os2.array(), "os2ramp.bmp", "a 4-bit BMP with a grey-ramp palette (16 entries,");
    }

    /** The grey ramp (i, i, i) of {@code colours} entries of {@code entry} bytes. */
    private static byte[] greyRamp(int colours, int entry) {
        byte[] ramp = new byte[colours * entry];
        for (int i = 0; i < colours; i++) {
            Arrays.fill(ramp, i * entry, i * entry + 3, (byte) i);
        }
        return ramp;
    }

    /**
     * 1- and 4-bit palettes near a grey ramp that Pillow reads as palettes, decoded with their
     * entries: two colours (0, 0, 0), (1, 1, 1), which Pillow compares with black then white;
     * the ramp with one entry off by one in blue; the ramp scaled to the full range
     * (17 i for 4 bits), which is not Pillow's. And a 1-bit palette of black then white, which
     * Pillow reads as "1", as a palette decode does.
     */
    @Test
    void oneAndFourBitBmpsOfOtherPalettesStillDecode() throws IOException {
        java.util.Random random = new java.util.Random(12);
        byte[] offByOne = greyRamp(16, 4);
        offByOne[4 * 7] = 8;   // blue of entry 7
        byte[] scaled = new byte[64];
        for (int i = 0; i < 16; i++) {
            Arrays.fill(scaled, 4 * i, 4 * i + 3, (byte) (17 * i));
        }
        byte[] blackWhite = {0, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, 0};
        Object[][] cases = {{1, greyRamp(2, 4), "ramp2"}, {4, greyRamp(2, 4), "ramp2-4"},
            {4, offByOne, "offbyone"}, {4, scaled, "scaled"}, {1, blackWhite, "bw"}};
        for (Object[] c : cases) {
            int bits = (Integer) c[0];
            for (int width : new int[] {3, 21}) {
                byte[] rows = new byte[(width * bits + 31) / 32 * 4 * 2];
                random.nextBytes(rows);
                byte[] file = bmp(width, 2, bits, BI_RGB, (byte[]) c[1], rows, 0);
                assertPillowPixels(file, c[2] + "-" + width + ".bmp");
            }
        }
    }

    /**
     * A 4- or 8-bit BMP whose palette is two colours, black then white: Pillow reads it as 1-bit
     * ("1"), each row's pixels the bits of its first (width + 7) / 8 bytes. The JDK's reader
     * read its indices (0 black, 1 white, any other black).
     */
    @Test
    void bmpOfABlackAndWhitePaletteDecodesAsPillowsOneBitImage() throws IOException {
        byte[] blackWhite = {0, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, 0};
        java.util.Random random = new java.util.Random(7);
        for (int bits : new int[] {4, 8}) {
            for (int height : new int[] {3, -3}) {
                int width = 21, stride = (width * bits + 31) / 32 * 4;
                byte[] rows = new byte[stride * 3];
                random.nextBytes(rows);
                String name = bits + "-bit, height " + height;
                RgbImage img = decode(bmp(width, height, bits, BI_RGB, blackWhite, rows, 0),
                        "bw.bmp");
                for (int y = 0; y < 3; y++) {
                    int row = height > 0 ? 2 - y : y;
                    for (int x = 0; x < width; x++) {
                        int bit = rows[row * stride + x / 8] >> (7 - x % 8) & 1;
                        assertEquals(255 * bit, img.get(x, y, 0), name + " at " + x + "," + y);
                        assertEquals(255 * bit, img.get(x, y, 2), name + " at " + x + "," + y);
                    }
                }
            }
        }
        // white then black is a palette like any other: index 0 white
        byte[] whiteBlack = {(byte) 255, (byte) 255, (byte) 255, 0, 0, 0, 0, 0};
        RgbImage img = decode(bmp(2, 1, 8, BI_RGB, whiteBlack, new byte[] {0, 1, 0, 0}, 0),
                "wb.bmp");
        assertEquals(List.of(255, 0), List.of(img.get(0, 0, 0), img.get(1, 0, 0)));
    }

    /**
     * A BI_RGB BMP with a 40-byte header, {@code gap} bytes between it and its pixel data (0:
     * Pillow's palette, the colours {@code used}, there instead, the data offset 54), random
     * entries and pixels, and {@code tail} bytes after the rows.
     */
    private static byte[] paletteBmp(java.util.Random random, int width, int height, int bits,
                                     int used, int gap, int tail) {
        int colours = used == 0 ? 1 << bits : used;
        byte[] rows = new byte[(width * bits + 31) / 32 * 4 * Math.abs(height) + tail];
        random.nextBytes(rows);
        byte[] extra = new byte[gap == 0 ? 4 * colours : gap];
        random.nextBytes(extra);
        byte[] file = bmp(width, height, bits, BI_RGB, extra, rows, 0);
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(10, 54 + gap).putInt(46, used);
        return file;
    }

    /**
     * Asserts the file decodes to the pixels Pillow reads from a 1-, 4- or 8-bit BI_RGB BMP with
     * a 40-byte header (whose palette is not a grey ramp): the colours used (2^bits if 0) from
     * byte 54, whole entries up to the end of the file, an index past them black; the rows from
     * the data offset, or after those entries if it is 54.
     */
    private static void assertPillowPixels(byte[] file, String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int offset = b.getInt(10), width = b.getInt(18), height = b.getInt(22);
        int bits = b.getShort(28), used = b.getInt(46), rows = Math.abs(height);
        int colours = used == 0 ? 1 << bits : used;
        int entries = Math.min(colours, (file.length - 54) / 4);
        int pixels = offset == 54 ? 54 + 4 * colours : offset;
        int stride = (width * bits + 31) / 32 * 4;
        RgbImage img = decode(file, name);
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < width; x++) {
                int row = height > 0 ? rows - 1 - y : y;
                int v = file[pixels + row * stride + x * bits / 8] & 0xFF;
                int i = v >> (8 - bits - x * bits % 8) & (1 << bits) - 1;
                for (int c = 0; c < 3; c++) {
                    int expected = i < entries ? file[54 + 4 * i + 2 - c] & 0xFF : 0;
                    assertEquals(expected, img.get(x, y, c), name + " at " + x + "," + y);
                }
            }
        }
    }

    private static RgbImage decode(byte[] file, String name) throws IOException {
        return ImageDecoder.decode(new java.io.ByteArrayInputStream(file), name);
    }

    /**
     * Truncated BMPs written by ImageIO are refused as before, now by the check; the last row's
     * padding may be missing, as the JDK's reader (and Pillow's) accept.
     */
    @Test
    void bmpMissingItsLastRowsPaddingStillDecodes() throws IOException {
        BufferedImage img = new BufferedImage(5, 3, BufferedImage.TYPE_3BYTE_BGR);
        img.setRGB(4, 0, 0x123456);
        Path full = dir.resolve("full.bmp");
        assertTrue(ImageIO.write(img, "bmp", full.toFile()));
        byte[] bytes = Files.readAllBytes(full);
        assertEquals(54 + 3 * 16, bytes.length);   // rows of 15 bytes padded to 16
        Path cut = dir.resolve("unpadded.bmp");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 1));
        RgbImage rgb = ImageDecoder.read(cut);
        assertEquals(0x56, rgb.get(4, 0, 2));
        refused(Arrays.copyOf(bytes, bytes.length - 2), "short.bmp", "the file is truncated"
                + " (the 5x3 BMP declares 47 bytes of 24-bit pixel rows from byte 54, 101 bytes in"
                + " all; the file has 100)");
    }

    /**
     * RLE has no bound (see {@link DeclaredDataCheck}): a delta escape skips 199 rows, their
     * pixels left at index 0, and 10 bytes are a whole 300 x 200 image.
     */
    @Test
    void rleBmpsAreLeftToThePixelLimit() throws IOException {
        byte[] palette = {10, 20, 30, 0, 0, 0, 0, 0};   // blue, green, red, reserved
        byte[] rle = {0, 2, 0, (byte) 199,              // delta: 0 right, 199 rows on
                (byte) 255, 0, 45, 0,                    // runs of index 0 to the end of the row
                0, 1};                                   // end of bitmap
        Path f = dir.resolve("rle.bmp");
        Files.write(f, bmp(300, 200, 8, BI_RLE8, palette, rle, 0, rle.length));
        RgbImage img = ImageDecoder.read(f);
        assertEquals(300, img.width());
        assertEquals(30, img.get(299, 199, 0));
        assertEquals(10, img.get(299, 199, 2));
    }

    /** Palette entry {@code i} of {@link #PALETTE}: red {@code 10 i + 1}, green + 1, blue + 2. */
    private static final byte[] PALETTE = {3, 2, 1, 0, 13, 12, 11, 0, 23, 22, 21, 0, 33, 32, 31, 0};

    /** The red of each pixel, row by row: {@code 10 i + 1} for index i of {@link #PALETTE}. */
    private static List<List<Integer>> reds(RgbImage img) {
        List<List<Integer>> rows = new ArrayList<>();
        for (int y = 0; y < img.height(); y++) {
            List<Integer> row = new ArrayList<>();
            for (int x = 0; x < img.width(); x++) {
                row.add(img.get(x, y, 0));
            }
            rows.add(row);
        }
        return rows;
    }

    /**
     * Pillow reads RLE data from the data offset until the image is full, an end-of-bitmap code
     * or the end of the file, whatever the image size and file size fields say. The JDK's reader
     * read the image size field's bytes (the file size field's less the offset if 0): too few
     * left the last rows black, and 0 in both fields, or more bytes than the file holds, failed.
     */
    @Test
    void rleBmpSizeFieldsAreIgnoredAsPillowIgnoresThem() throws IOException {
        // 3 x 2, bottom row first: three of index 1, end of line, 2 2 3, end of bitmap
        byte[] rle = {3, 1, 0, 0, 2, 2, 1, 3, 0, 1};
        List<List<Integer>> expected = List.of(List.of(21, 21, 31), List.of(11, 11, 11));
        int[][] fields = {{0, 0}, {0, 2}, {0, 1_000_000}, {0, -1}, {5, 0}, {-1, 0}};
        for (int[] f : fields) {   // file size (0: the true one), image size
            byte[] file = bmp(3, 2, 8, BI_RLE8, PALETTE, rle, 0, f[1]);
            if (f[0] != 0) {
                ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(2, f[0]);
            } else if (f[1] == 0) {
                ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(2, 0);
            }
            String name = "rle-" + f[0] + "-" + f[1] + ".bmp";
            assertEquals(expected, reds(decode(file, name)), name);
        }
        // RLE4: 1 2 1, end of line, 3 3 3, end of bitmap; the image size 2 bytes
        byte[] rle4 = {3, 0x12, 0, 0, 3, 0x33, 0, 1};
        assertEquals(List.of(List.of(31, 31, 31), List.of(11, 21, 11)), reds(decode(
                bmp(3, 2, 4, 2, PALETTE, rle4, 0, 2), "rle4.bmp")));
    }

    /**
     * RLE decodes as Pillow's decoder decodes it, where the JDK's reader differed: an absolute
     * run past the end of its row goes on in the next one, a delta past the end of its row
     * moves into the next one, a 4-bit absolute run of an odd count loses its last pixel, the
     * compression says how the data is coded whatever the bits per pixel (the reader refused
     * 4-bit BI_RLE8 and 8-bit BI_RLE4), and 16 grey entries (i, i, i) read as grey levels.
     */
    @Test
    void rleBmpDecodesAsPillowDecodes() throws IOException {
        // 4 x 2: an absolute run of 6 (1 2 3 1 | 2 3), a run of 2 past the row (nothing), end of
        // line (0 0), end of bitmap
        byte[] spill = {0, 6, 1, 2, 3, 1, 2, 3, 2, 1, 0, 0, 0, 1};
        assertEquals(List.of(List.of(21, 31, 1, 1), List.of(11, 21, 31, 11)),
                reds(decode(bmp(4, 2, 8, BI_RLE8, PALETTE, spill, 0), "spill.bmp")));
        // 3 x 2: 1 1, a delta of 2 right (0 | 0), 2 2, end of bitmap
        byte[] delta = {2, 1, 0, 2, 2, 0, 2, 2, 0, 1};
        assertEquals(List.of(List.of(1, 21, 21), List.of(11, 11, 1)),
                reds(decode(bmp(3, 2, 8, BI_RLE8, PALETTE, delta, 0), "delta.bmp")));
        // top-down
        byte[] rle = {3, 1, 0, 0, 2, 2, 1, 3, 0, 1};
        assertEquals(List.of(List.of(11, 11, 11), List.of(21, 21, 31)),
                reds(decode(bmp(3, -2, 8, BI_RLE8, PALETTE, rle, 0), "topdown.bmp")));
        // RLE4, 4 x 1: an absolute run of 3 (1 2, and 3 lost), a run of one 3, end of line
        byte[] odd = {0, 3, 0x12, 0x30, 1, 0x30, 0, 0, 0, 1};
        assertEquals(List.of(List.of(11, 21, 31, 1)),
                reds(decode(bmp(4, 1, 4, 2, PALETTE, odd, 0), "odd.bmp")));
        // 4-bit pixels coded as RLE8, 8-bit ones as RLE4
        assertEquals(List.of(List.of(31, 31)), reds(decode(bmp(2, 1, 4, BI_RLE8, PALETTE,
                new byte[] {2, 3, 0, 1}, 0), "rle8-4bit.bmp")));
        assertEquals(List.of(List.of(11, 21, 11)), reds(decode(bmp(3, 1, 8, 2, PALETTE,
                new byte[] {3, 0x12, 0, 1}, 0), "rle4-8bit.bmp")));
        // 4 colours used, 2 entries before the data offset: Pillow reads entries 2 and 3 from
        // the RLE data, (2, 3, 0) and (2, 2, 0) as BGR; 2 x 2: 3 3, end of line, 2 2
        byte[] into = bmp(2, 2, 8, BI_RLE8, Arrays.copyOf(PALETTE, 8),
                new byte[] {2, 3, 0, 0, 2, 2, 0, 1}, 0);
        ByteBuffer.wrap(into).order(ByteOrder.LITTLE_ENDIAN).putInt(46, 4);
        RgbImage img = decode(into, "into.bmp");
        assertEquals(List.of(0, 3, 2, 0, 2, 2), List.of(img.get(0, 0, 0), img.get(0, 0, 1),
                img.get(0, 0, 2), img.get(1, 1, 0), img.get(1, 1, 1), img.get(1, 1, 2)));
        // 16 grey entries: Pillow's mode L, index 5 grey level 5
        byte[] greys = new byte[64];
        for (int i = 0; i < 16; i++) {
            Arrays.fill(greys, 4 * i, 4 * i + 3, (byte) i);
        }
        RgbImage grey = decode(bmp(2, 1, 4, 2, greys, new byte[] {2, 0x5F, 0, 1}, 0), "grey.bmp");
        assertEquals(List.of(5, 5, 5, 15), List.of(grey.get(0, 0, 0), grey.get(0, 0, 1),
                grey.get(0, 0, 2), grey.get(1, 0, 0)));
    }

    /**
     * Pillow refuses RLE data that ends before the image is full ("not enough image data"), at
     * an end-of-bitmap code or the end of the file: the JDK's reader left the rest black. It
     * cannot decode RLE of 16, 24 or 32 bits (the reader read them as uncompressed rows), nor
     * RLE whose palette is black and white, which it reads as 1-bit ("unknown raw mode").
     */
    @Test
    void rleBmpsPillowRefusesAreRefused() throws IOException {
        refused(bmp(3, 2, 8, BI_RLE8, PALETTE, new byte[] {3, 1, 0, 1}, 0), "early.bmp",
                "the RLE pixel data ends (an end-of-bitmap code at byte 72) after 3 of the 3x2"
                + " image's 6 pixels; expected codes for them all, as Pillow reads");
        refused(bmp(3, 2, 8, BI_RLE8, PALETTE, new byte[] {3, 1, 0, 0, 2, 2}, 0), "cut.bmp",
                "the file is truncated (its RLE pixel data ends with the file, at byte 76, after"
                + " 5 of the 3x2 image's 6 pixels)");
        for (int bits : new int[] {16, 24, 32}) {
            refused(bmp(2, 1, bits, BI_RLE8, new byte[0], new byte[] {2, 1, 0, 1}, 0),
                    "rle" + bits + ".bmp", "a " + bits + "-bit BMP compressed as RLE8"
                    + " (compression 1), which Pillow does not decode; expected RLE of 1-, 4- or"
                    + " 8-bit pixels");
        }
        // a width the reader refuses: by name (the rows were allocated first, failing as a
        // NegativeArraySizeException)
        refused(bmp(-3, 1, 8, BI_RLE8, PALETTE, new byte[] {3, 1, 0, 1}, 0), "width.bmp",
                "Width (-3) and height (1) must be > 0");
        byte[] blackWhite = {0, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, 0};
        refused(bmp(2, 1, 8, BI_RLE8, blackWhite, new byte[] {2, 1, 0, 1}, 0), "bw.bmp",
                "an RLE BMP of a black and white palette, which Pillow reads as 1-bit and then"
                + " fails to decode");
    }

    /**
     * The JDK's reader decoded RLE only for 8-bit pixels with BI_RLE8 and 4-bit with BI_RLE4,
     * and read a 1-, 16-, 24- or 32-bit BMP as uncompressed rows whatever its compression field
     * said (BI_RLE8 or BI_RLE4 in a 40-byte header, any value in a V4 or V5 one), 8 bytes of
     * it costing the raster. Pillow decodes 1-bit RLE as RLE, and refuses the others by their
     * header, as they are now refused.
     */
    @Test
    void bmpReadAsUncompressedWhateverItsCompressionFieldIsReadAsPillowReadsIt()
            throws IOException {
        byte[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
        for (int[] c : new int[][] {{24, BI_RLE8}, {24, 2}, {32, BI_RLE8}, {16, 2}}) {
            refused(bmp(3000, 3000, c[0], c[1], new byte[0], eight, 0), "rle" + c[1] + ".bmp",
                    String.format(java.util.Locale.ROOT, "a %d-bit BMP compressed as RLE%d"
                            + " (compression %d), which Pillow does not decode", c[0],
                            c[1] == BI_RLE8 ? 8 : 4, c[1]));
        }
        // A V4 header (108 bytes) with a compression value of no meaning, which the reader read
        // as 24-bit rows, is refused by name, as Pillow refuses it.
        byte[] v4 = ByteBuffer.allocate(14 + 108 + 8).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 'B').put((byte) 'M').putInt(Integer.MAX_VALUE).putInt(0)
                .putInt(14 + 108).putInt(108).putInt(3000).putInt(3000).putShort((short) 1)
                .putShort((short) 24).putInt(7).array();
        refused(v4, "v4.bmp", "a BMP of compression 7; expected 0 (uncompressed)");
        // 8-bit BI_BITFIELDS in a V4 header: the reader allocated the raster, then refused the
        // compression. Refused from the header, as Pillow refuses it.
        byte[] v4Palette = ByteBuffer.allocate(14 + 108 + 8 + 8).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 'B').put((byte) 'M').putInt(Integer.MAX_VALUE).putInt(0)
                .putInt(14 + 108 + 8).putInt(108).putInt(3000).putInt(3000).putShort((short) 1)
                .putShort((short) 8).putInt(BI_BITFIELDS).array();   // 2 palette entries
        refused(v4Palette, "v4-8bit.bmp", "an 8-bit BMP of bit fields; expected bit fields of 16,"
                + " 24 or 32 bits");

        // Whole, a 24-bit one is refused all the same; a 1-bit one decodes as RLE: 3 3.
        byte[] rows = {1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0};   // 2 x 2, padded
        refused(bmp(2, 2, 24, BI_RLE8, new byte[0], rows, 0), "whole.bmp", "a 24-bit BMP"
                + " compressed as RLE8");
        assertEquals(List.of(List.of(31, 31)), reds(decode(bmp(2, 1, 1, BI_RLE8, PALETTE,
                new byte[] {2, 3, 0, 1}, 0), "rle1bit.bmp")));
    }

    /**
     * The file size field of a BMP's file header is ignored, as Pillow ignores it: the JDK's
     * reader refused a 16-, 24- or 32-bit BI_RGB BMP whose field (0, or one byte short) was less
     * than its data offset plus its pixels ("Invalid width/height for BI_RGB image data.", of a
     * width and height that were fine).
     */
    @Test
    void bmpFileSizeFieldIsIgnoredAsPillowIgnoresIt() throws IOException {
        byte[] rows = {1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0};   // 2 x 2 BGR, padded
        byte[] rows32 = {1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 10, 11, 12, 0};
        byte[] rows16 = {1, 2, 3, 4, 5, 6, 7, 8};                              // 2 x 2 x 16 bits
        for (int fileSize : new int[] {0, 14, 54 + 15}) {
            for (byte[] file : new byte[][] {bmp(2, 2, 24, BI_RGB, new byte[0], rows, 0),
                    bmp(2, 2, 32, BI_RGB, new byte[0], rows32, 0),
                    bmp(2, 2, 16, BI_RGB, new byte[0], rows16, 0)}) {
                int bits = file[28];
                RgbImage whole = decode(file, "whole.bmp");
                ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(2, fileSize);
                RgbImage img = decode(file, "size" + fileSize + ".bmp");
                assertArrayEquals(whole.pixels(), img.pixels(), bits + "-bit, file size "
                        + fileSize);
                if (bits == 24) {
                    assertEquals(3, img.get(0, 1, 0));   // the bottom row first, BGR
                    assertEquals(10, img.get(1, 0, 2));
                }
            }
        }
    }

    /**
     * The point of the check, measured: in a JVM of 64 MB, every crafted file is refused rather
     * than running out of memory, from a file and from a stream cached in memory
     * ({@code ImageIO.setUseCache(false)}) alike.
     */
    @Test
    void craftedFilesAreRefusedWithoutTheirRaster() throws Exception {
        List<String> files = new ArrayList<>();
        byte[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
        files.add(write("bomb.png", ImageDecoderTest.pngFile(2, 8, 10000, 10000, null,
                new byte[30001], Deflater.BEST_COMPRESSION)));
        files.add(write("bomb.bmp", bmp(10000, 10000, 24, BI_RGB, new byte[0], eight,
                300_000_054)));
        files.add(write("palette.bmp", bmp(13000, 13000, 8, BI_RGB, new byte[8], eight, 0)));
        for (String mode : new String[] {"file", "memory"}) {
            List<String> args = new ArrayList<>(List.of(mode));
            args.addAll(files);
            ChildJvm.Result r = ChildJvm.run(List.of("-Xmx64m", "-Djava.awt.headless=true"),
                    Decode.class, args.toArray(String[]::new));
            assertEquals(0, r.status(), r.output());
            assertFalse(r.output().contains("OutOfMemoryError"), r.output());
            for (String file : files) {
                assertTrue(r.output().contains("refused: cannot decode image " + file
                        + ": the file is truncated"), mode + ": " + r.output());
            }
        }
    }

    /**
     * A whole, valid image too large for the heap is an I/O error of that image, with the heap's
     * size and -Xmx in its message: the PNG reader wrapped the OutOfMemoryError as "damaged or
     * unsupported (Caught exception during read: )", and other readers let it reach the CLI,
     * which blamed the model.
     */
    @Test
    void anImageTooLargeForTheHeapIsNamedAsSuch() throws Exception {
        int side = 5000; // 75 MB of RGB pixels, from a flat image of ~75 KB
        String png = write("large.png", ImageDecoderTest.pngFile(2, 8, side, side, null,
                new byte[side * (3 * side + 1)], Deflater.BEST_COMPRESSION));
        // An RLE BMP one row of 100,000,000 pixels wide, in runs of 255: the row its view
        // decodes into, allocated before the reader had the size, made it "0x0 pixels".
        int wide = 100_000_000;
        ByteArrayOutputStream runs = new ByteArrayOutputStream();
        for (int x = 0; x < wide; x += 255) {
            runs.write(Math.min(255, wide - x));
            runs.write(1);
        }
        String rle = write("wide.bmp", bmp(wide, 1, 8, BI_RLE8, new byte[8],
                runs.toByteArray(), 0));
        for (String mode : new String[] {"file", "memory"}) {
            ChildJvm.Result r = ChildJvm.run(List.of("-Xmx64m", "-Djava.awt.headless=true"),
                    Decode.class, mode, png, rle);
            assertEquals(0, r.status(), r.output());
            assertTrue(r.output().contains("refused: cannot decode image " + png + ": its"
                    + " 5000x5000 pixels (71 MiB as RGB) do not fit in the Java heap (at most "),
                    mode + ": " + r.output());
            assertTrue(r.output().contains("refused: cannot decode image " + rle + ": its"
                    + " 100000000x1 pixels (286 MiB as RGB) do not fit in the Java heap"),
                    mode + ": " + r.output());
            assertTrue(r.output().contains("raise it with -Xmx"), r.output());
        }
    }

    /**
     * Decodes each file after the first argument ({@code file}: {@link ImageDecoder#read};
     * {@code memory}: {@link ImageDecoder#decode} with ImageIO caching in memory) and prints
     * what became of it.
     */
    public static final class Decode {
        public static void main(String[] args) throws IOException {
            boolean memory = args[0].equals("memory");
            ImageIO.setUseCache(!memory);
            for (String name : Arrays.copyOfRange(args, 1, args.length)) {
                try {
                    RgbImage img;
                    if (memory) {
                        try (InputStream in = Files.newInputStream(Path.of(name))) {
                            img = ImageDecoder.decode(in, name);
                        }
                    } else {
                        img = ImageDecoder.read(Path.of(name));
                    }
                    System.out.println("decoded " + name + ": " + img.width() + "x"
                            + img.height());
                } catch (IOException e) {
                    System.out.println("refused: " + e.getMessage());
                } catch (Throwable e) {
                    System.out.println("failed: " + name + ": " + e);
                }
            }
        }
    }

    private String write(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f.toString();
    }

    /** Refused from a file and from a stream, with a message containing {@code expected}. */
    private void refused(byte[] file, String name, String expected) throws IOException {
        ImageDecoderTest.refused(dir, file, name, expected);
    }

    private static byte[] bmp(int width, int height, int bits, int compression, byte[] extra,
                              byte[] data, int fileSize) {
        return bmp(width, height, bits, compression, extra, data, fileSize, 0);
    }

    /**
     * A BMP with a 40-byte header: {@code extra} (palette or masks) between header and
     * {@code data}; {@code fileSize} is the header's (0: the true one).
     */
    private static byte[] bmp(int width, int height, int bits, int compression, byte[] extra,
                              byte[] data, int fileSize, int imageSize) {
        int offset = 54 + extra.length, length = offset + data.length;
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 'B').put((byte) 'M').putInt(fileSize != 0 ? fileSize : length)
                .putInt(0).putInt(offset).putInt(40).putInt(width).putInt(height)
                .putShort((short) 1).putShort((short) bits).putInt(compression).putInt(imageSize)
                .putInt(2835).putInt(2835).putInt(extra.length / 4 * (bits <= 8 ? 1 : 0))
                .putInt(0).put(extra).put(data).array();
    }

    private static byte[] writePng(BufferedImage img, boolean interlaced) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(interlaced ? ImageWriteParam.MODE_DEFAULT
                : ImageWriteParam.MODE_DISABLED);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static int channels(int colourType) {
        return new int[] {1, 0, 3, 1, 2, 0, 4}[colourType];
    }

    /** The length of a PNG's IDAT data, inflated. */
    private static long inflatedIdat(byte[] png) {
        ByteBuffer b = ByteBuffer.wrap(png);
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        for (int at = 8; at < png.length; at += 12 + b.getInt(at)) {
            if (b.getInt(at + 4) == 0x49444154) {
                z.write(png, at + 8, b.getInt(at));
            }
        }
        Inflater inflater = new Inflater();
        inflater.setInput(z.toByteArray());
        long total = 0;
        byte[] buf = new byte[4096];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                assertTrue(n > 0 || inflater.finished(), "a truncated zlib stream");
                total += n;
            }
        } catch (java.util.zip.DataFormatException e) {
            throw new AssertionError(e);
        } finally {
            inflater.end();
        }
        return total;
    }
}
