package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoding to RGB the way Pillow's convert("RGB") does, and clear errors for unreadable files. */
class ImageDecoderTest {
    @TempDir
    Path dir;

    private RgbImage roundTrip(BufferedImage img, String format) throws IOException {
        Path f = dir.resolve("img." + format);
        assertTrue(ImageIO.write(img, format, f.toFile()), "no writer for " + format);
        return ImageDecoder.read(f);
    }

    @Test
    void grayscalePngCopiesTheGreyLevel() throws IOException {
        BufferedImage g = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(1, 1, 0, 77);
        g.getRaster().setSample(2, 0, 0, 200);
        RgbImage rgb = roundTrip(g, "png");
        for (int c = 0; c < 3; c++) {
            assertEquals(77, rgb.get(1, 1, c));
            assertEquals(200, rgb.get(2, 0, c));
            assertEquals(0, rgb.get(0, 0, c));
        }
    }

    @Test
    void sixteenBitGreyPngKeepsTheHighByte() throws IOException {
        // The class comment's rule for 16-bit grey: the high byte (not Pillow's clip at 255,
        // which would make every level from 255 up white).
        int[] levels = {0x0000, 0x00FF, 0x1234, 0x80FF, 0xFF00, 0xFFFF};
        BufferedImage g = new BufferedImage(levels.length, 1, BufferedImage.TYPE_USHORT_GRAY);
        for (int x = 0; x < levels.length; x++) {
            g.getRaster().setSample(x, 0, 0, levels[x]);
        }
        RgbImage rgb = roundTrip(g, "png");
        for (int x = 0; x < levels.length; x++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(levels[x] >>> 8, rgb.get(x, 0, c), "level " + levels[x] + " ch " + c);
            }
        }
    }

    /**
     * Grey of fewer than 8 bits scales to 0 to 255, as Pillow's {@code L;2} and {@code L;4}
     * unpackers do (level {@code v} of 4 bits is {@code 17 v}): white of a 4-bit grey image was
     * 15, nearly black.
     */
    @Test
    void greyOfFewerThanEightBitsScalesToTheFullRange() {
        for (int bits : new int[] {1, 2, 4}) {
            java.awt.image.ColorModel cm = new java.awt.image.ComponentColorModel(
                    java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_GRAY),
                    new int[] {bits}, false, false, java.awt.Transparency.OPAQUE,
                    java.awt.image.DataBuffer.TYPE_BYTE);
            int max = (1 << bits) - 1;
            java.awt.image.WritableRaster r = cm.createCompatibleWritableRaster(max + 1, 1);
            for (int v = 0; v <= max; v++) {
                r.setSample(v, 0, 0, v);
            }
            RgbImage rgb = ImageDecoder.toRgb(new BufferedImage(cm, r, false, null));
            for (int v = 0; v <= max; v++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(v * 255 / max, rgb.get(v, 0, c), bits + "-bit level " + v);
                }
            }
        }
    }

    /**
     * A 16-bit colour PNG keeps each sample's high byte, as Pillow's {@code RGB;16B} and
     * {@code RGBA;16B} unpackers do: the JDK's colour model rounded to the nearest level
     * (0x12FF became 0x13), and getRGB would colour-convert an image with a profile.
     */
    @Test
    void sixteenBitColourPngKeepsTheHighByte() throws IOException {
        int[] samples = {0x0000, 0x00FF, 0x1280, 0x12FF, 0x40FF, 0x7F80, 0xFE80, 0xFFFF, 0x8000};
        for (int colourType : new int[] {2, 6}) {   // RGB, RGBA
            int channels = colourType == 2 ? 3 : 4, width = samples.length / 3;
            java.nio.ByteBuffer rows = java.nio.ByteBuffer.allocate(1 + width * channels * 2);
            rows.put((byte) 0);   // filter: none
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) {
                    rows.putShort((short) samples[3 * x + c]);
                }
                if (channels == 4) {
                    rows.putShort((short) 0x1234);
                }
            }
            Path f = dir.resolve("rgb16-" + colourType + ".png");
            Files.write(f, pngFile(colourType, 16, width, 1, null, rows.array(), 9));
            RgbImage rgb = ImageDecoder.read(f);
            for (int i = 0; i < samples.length; i++) {
                assertEquals(samples[i] >>> 8, rgb.get(i / 3, 0, i % 3), String.format(
                        "colour type %d, sample %04x", colourType, samples[i]));
            }
        }
    }

    /**
     * A 16-bit BMP's 5- and 6-bit samples scale as Pillow's unpackers scale them,
     * {@code v * 255 / 31} (or {@code / 63}) rounded down: the JDK's colour model rounds to the
     * nearest level, one above Pillow's for 16 of the 32 five-bit values.
     */
    @Test
    void sixteenBitBmpSamplesScaleAsPillowsDo() throws IOException {
        // BI_RGB: 5 bits each (x1rrrrrgggggbbbbb), red 0 to 31 along the row
        java.nio.ByteBuffer rgb555 = java.nio.ByteBuffer.allocate(64)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int v = 0; v < 32; v++) {
            rgb555.putShort((short) (v << 10 | (31 - v) << 5 | v));
        }
        RgbImage img = decodeBmp(bmp16(32, 0, new int[0], rgb555.array()), "rgb555.bmp");
        for (int v = 0; v < 32; v++) {
            assertEquals(v * 255 / 31, img.get(v, 0, 0), "red " + v);
            assertEquals((31 - v) * 255 / 31, img.get(v, 0, 1), "green " + (31 - v));
            assertEquals(v * 255 / 31, img.get(v, 0, 2), "blue " + v);
        }
        // BI_BITFIELDS 5-6-5, green 0 to 63 along the row
        java.nio.ByteBuffer rgb565 = java.nio.ByteBuffer.allocate(128)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int v = 0; v < 64; v++) {
            rgb565.putShort((short) ((v & 31) << 11 | v << 5 | (31 - (v & 31))));
        }
        img = decodeBmp(bmp16(64, 3, new int[] {0xF800, 0x07E0, 0x001F}, rgb565.array()),
                "rgb565.bmp");
        for (int v = 0; v < 64; v++) {
            assertEquals((v & 31) * 255 / 31, img.get(v, 0, 0), "red " + (v & 31));
            assertEquals(v * 255 / 63, img.get(v, 0, 1), "green " + v);
            assertEquals((31 - (v & 31)) * 255 / 31, img.get(v, 0, 2), "blue " + (31 - (v & 31)));
        }
    }

    private RgbImage decodeBmp(byte[] file, String name) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, file);
        return ImageDecoder.read(f);
    }

    /** A 16-bit BMP one row tall: 40-byte header, {@code masks} after it, then the row. */
    private static byte[] bmp16(int width, int compression, int[] masks, byte[] row) {
        int offset = 54 + 4 * masks.length;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(offset + row.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).put((byte) 'B').put((byte) 'M')
                .putInt(offset + row.length).putInt(0).putInt(offset).putInt(40).putInt(width)
                .putInt(1).putShort((short) 1).putShort((short) 16).putInt(compression)
                .putInt(row.length).putInt(2835).putInt(2835).putInt(0).putInt(0);
        for (int m : masks) {
            b.putInt(m);
        }
        return b.put(row).array();
    }

    @Test
    void alphaIsDroppedNotComposited() throws IOException {
        BufferedImage a = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x00_10_20_30);   // fully transparent: colour kept as stored
        a.setRGB(1, 1, 0x80_FF_80_01);
        RgbImage rgb = roundTrip(a, "png");
        assertEquals(0x10, rgb.get(0, 0, 0));
        assertEquals(0x20, rgb.get(0, 0, 1));
        assertEquals(0x30, rgb.get(0, 0, 2));
        assertEquals(0xFF, rgb.get(1, 1, 0));
        assertEquals(0x80, rgb.get(1, 1, 1));
        assertEquals(0x01, rgb.get(1, 1, 2));
    }

    @Test
    void palettesAreLookedUp() throws IOException {
        byte[] r = {0, (byte) 250}, g = {0, 100}, b = {0, 5};
        BufferedImage p = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(1, 2, r, g, b));
        p.getRaster().setSample(1, 0, 0, 1);
        RgbImage rgb = roundTrip(p, "png");
        assertEquals(250, rgb.get(1, 0, 0));
        assertEquals(100, rgb.get(1, 0, 1));
        assertEquals(5, rgb.get(1, 0, 2));
    }

    @Test
    void bmpAndJpegDecode() throws IOException {
        BufferedImage img = new BufferedImage(16, 8, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, 0x204060);
            }
        }
        RgbImage bmp = roundTrip(img, "bmp");
        assertEquals(0x20, bmp.get(3, 3, 0));
        assertEquals(0x60, bmp.get(3, 3, 2));
        RgbImage jpg = roundTrip(img, "jpg");
        assertEquals(16, jpg.width());
        assertEquals(8, jpg.height());
        assertTrue(Math.abs(jpg.get(3, 3, 1) - 0x40) <= 3);
    }

    /**
     * CMYK and YCCK JPEGs give Pillow's {@code convert("RGB")} exactly: getRGB applied the JDK's
     * CMYK profile, about 54 levels lighter on average. The fixtures (src/test/resources) were
     * made with Pillow 12.3.0 from a 16 x 16 CMYK image of gradients and noise: cmyk.jpg by
     * {@code im.save("cmyk.jpg")} (an Adobe marker with transform 0: inverted CMYK, every channel
     * full size), cmyk420.jpg by {@code im.save("cmyk420.jpg", subsampling=2)} (cyan at 2 x 2,
     * the others upsampled by the decoder). Each {@code .rgb} is Pillow's reference, {@code
     * Image.open(f).convert("RGB").tobytes()}; cmyk420_ycck.rgb is that of cmyk420.jpg with its
     * Adobe transform byte set to 2 (YCCK), made as below. Pillow reads both files with the Adobe
     * marker removed as it reads them with it (libjpeg takes four channels as CMYK without one).
     */
    @Test
    void cmykAndYcckJpegsDecodeAsPillowDoes() throws IOException {
        byte[] cmyk = resource("cmyk.jpg");
        byte[] cmyk420 = resource("cmyk420.jpg");
        assertPillowsRgb(cmyk, "cmyk.jpg", "cmyk.rgb");
        assertPillowsRgb(cmyk420, "cmyk420.jpg", "cmyk420.rgb");
        // Pillow writes APP14 first, at byte 2: length (2), "Adobe", version, two flag words,
        // then the transform byte.
        assertEquals("Adobe", new String(cmyk420, 6, 5,
                java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0, cmyk420[17]);
        byte[] ycck = cmyk420.clone();
        ycck[17] = 2;
        assertPillowsRgb(ycck, "ycck.jpg", "cmyk420_ycck.rgb");
        assertPillowsRgb(withoutApp14(cmyk), "nomarker.jpg", "cmyk.rgb");
        assertPillowsRgb(withoutApp14(cmyk420), "nomarker420.jpg", "cmyk420.rgb");
    }

    /**
     * A JPEG's embedded colour profile is not applied, as Pillow applies none: the JDK's reader
     * converted a YCbCr JPEG with a profile from it to sRGB (a linear-RGB profile made the
     * pixels some 60 levels lighter), and refused one whose profile is grey ("Numbers of source
     * Raster bands and source color space components do not match"). A CMYK JPEG's inks are
     * read as without a profile too.
     */
    @Test
    void jpegColourProfilesAreNotApplied() throws IOException {
        BufferedImage img = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        java.util.Random rnd = new java.util.Random(2);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 24; x++) {
                img.setRGB(x, y, rnd.nextInt());
            }
        }
        Path plain = dir.resolve("plain.jpg");
        assertTrue(ImageIO.write(img, "jpg", plain.toFile()));
        byte[] jpeg = Files.readAllBytes(plain);
        RgbImage expected = ImageDecoder.read(plain);
        for (int space : new int[] {java.awt.color.ColorSpace.CS_LINEAR_RGB,
                java.awt.color.ColorSpace.CS_GRAY, java.awt.color.ColorSpace.CS_sRGB}) {
            byte[] profiled = withIccProfile(jpeg, java.awt.color.ICC_Profile.getInstance(space)
                    .getData());
            RgbImage rgb = ImageDecoder.decode(new java.io.ByteArrayInputStream(profiled),
                    "profiled.jpg");
            assertTrue(java.util.Arrays.equals(expected.pixels(), rgb.pixels()),
                    "colour space " + space);
        }
        byte[] cmyk = resource("cmyk.jpg");
        byte[] cmykProfiled = withIccProfile(cmyk, java.awt.color.ICC_Profile.getInstance(
                java.awt.color.ColorSpace.CS_LINEAR_RGB).getData());
        assertTrue(java.util.Arrays.equals(ImageDecoder.decode(new java.io.ByteArrayInputStream(
                cmyk), "cmyk.jpg").pixels(), ImageDecoder.decode(new java.io
                .ByteArrayInputStream(cmykProfiled), "profiled-cmyk.jpg").pixels()));
    }

    /** {@code jpeg} with an APP2 ICC_PROFILE segment of {@code profile} after its SOI marker. */
    private static byte[] withIccProfile(byte[] jpeg, byte[] profile) {
        byte[] id = "ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int length = 2 + id.length + 2 + profile.length;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xE2, (byte) (length >> 8),
                (byte) length});
        out.writeBytes(id);
        out.writeBytes(new byte[] {1, 1});   // segment 1 of 1
        out.writeBytes(profile);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /**
     * A CMYK {@link BufferedImage} (the JDK's, as its JPEG reader makes them) converts by Pillow's
     * formula; other CMYK forms, which no decoded file has, are refused rather than handed to
     * getRGB's colour management.
     */
    @Test
    void cmykImagesConvertByPillowsFormula() throws IOException {
        java.awt.image.ColorModel cm = ImageIO.read(new java.io.ByteArrayInputStream(
                resource("cmyk.jpg"))).getColorModel();
        assertEquals(java.awt.color.ColorSpace.TYPE_CMYK, cm.getColorSpace().getType());
        int[][] cmyk = {{0, 0, 0, 0}, {255, 255, 255, 255}, {0, 128, 255, 0}, {1, 2, 3, 254},
            {100, 150, 200, 50}, {37, 201, 90, 128}, {255, 0, 77, 1}, {128, 128, 128, 127},
            {254, 1, 127, 255}, {64, 192, 32, 200}};
        // Pillow 12.3.0: Image.new("CMYK", (10, 1)), putdata(cmyk), convert("RGB")
        int[][] pillow = {{255, 255, 255}, {0, 0, 0}, {255, 127, 0}, {1, 1, 1}, {125, 84, 44},
            {109, 27, 82}, {0, 254, 177}, {64, 64, 64}, {0, 0, 0}, {41, 14, 48}};
        BufferedImage img = new BufferedImage(cm, cm.createCompatibleWritableRaster(cmyk.length,
                1), false, null);
        for (int x = 0; x < cmyk.length; x++) {
            img.getRaster().setPixel(x, 0, cmyk[x]);
        }
        RgbImage rgb = ImageDecoder.toRgb(img);
        for (int x = 0; x < cmyk.length; x++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(pillow[x][c], rgb.get(x, 0, c), "pixel " + x + " channel " + c);
            }
        }
        java.awt.image.ColorModel wide = new java.awt.image.ComponentColorModel(
                cm.getColorSpace(), false, false, java.awt.Transparency.OPAQUE,
                java.awt.image.DataBuffer.TYPE_USHORT);
        BufferedImage sixteen = new BufferedImage(wide, wide.createCompatibleWritableRaster(2, 2),
                false, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.toRgb(sixteen));
        assertTrue(e.getMessage().contains("CMYK"), e.getMessage());
    }

    private void assertPillowsRgb(byte[] jpeg, String name, String reference) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, jpeg);
        RgbImage rgb = ImageDecoder.read(f);
        byte[] expected = resource(reference);
        assertEquals(16, rgb.width());
        assertEquals(16, rgb.height());
        int differing = 0, first = -1;
        for (int i = 0; i < expected.length; i++) {
            if (rgb.get(i / 3 % 16, i / 48, i % 3) != (expected[i] & 0xFF)) {
                differing++;
                first = first < 0 ? i : first;
            }
        }
        assertEquals(0, differing, name + ": samples unlike Pillow's, the first at byte " + first);
    }

    private static byte[] resource(String name) throws IOException {
        try (java.io.InputStream in = ImageDecoderTest.class.getResourceAsStream(name)) {
            assertTrue(in != null, "missing test resource " + name);
            return in.readAllBytes();
        }
    }

    /** The JPEG without the APP14 (Adobe) segment that Pillow writes right after SOI. */
    private static byte[] withoutApp14(byte[] jpeg) {
        assertEquals((byte) 0xEE, jpeg[3]);
        int end = 4 + ((jpeg[4] & 0xFF) << 8 | jpeg[5] & 0xFF);
        byte[] out = new byte[jpeg.length - (end - 2)];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(jpeg, end, out, 2, jpeg.length - end);
        return out;
    }

    /**
     * Formats that ImageIO reads besides the three documented ones were decoded by rules never
     * checked against Pillow's; they are refused by name.
     */
    @Test
    void otherImageIoFormatsAreRefusedByName() throws IOException {
        BufferedImage img = new BufferedImage(8, 4, BufferedImage.TYPE_BYTE_BINARY);
        for (String format : new String[] {"gif", "tiff", "wbmp"}) {
            Path f = dir.resolve("image." + format);
            assertTrue(ImageIO.write(img, format, f.toFile()), "no ImageIO writer for " + format);
            IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(f));
            assertTrue(e.getMessage().contains("expected JPEG, PNG or BMP")
                    && e.getMessage().contains(f.toString()), e.getMessage());
        }
        for (String format : new String[] {"png", "bmp"}) {
            Path f = dir.resolve("image." + format);
            assertTrue(ImageIO.write(img, format, f.toFile()));
            assertEquals(8, ImageDecoder.read(f).width());
        }
    }

    @Test
    void unreadableFilesGetClearErrors() throws IOException {
        Path text = dir.resolve("notes.jpg");
        Files.writeString(text, "this is not an image");
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(text));
        assertTrue(e.getMessage().contains("not a JPEG, PNG or BMP file"), e.getMessage());

        Path empty = Files.createFile(dir.resolve("empty.jpg")); // was "not a JPEG, PNG or BMP"
        e = assertThrows(IOException.class, () -> ImageDecoder.read(empty));
        assertEquals("cannot decode image " + empty + ": the file is empty (0 bytes)",
                e.getMessage());


        // A PNG cut short: the header is recognised, the data is not there.
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Path png = dir.resolve("full.png");
        ImageIO.write(img, "png", png.toFile());
        byte[] bytes = Files.readAllBytes(png);
        Path cut = dir.resolve("cut.png");
        Files.write(cut, java.util.Arrays.copyOf(bytes, 40));
        e = assertThrows(IOException.class, () -> ImageDecoder.read(cut));
        assertTrue(e.getMessage().contains("cut.png"), e.getMessage());
    }

    /**
     * A path that is not a file to read is named in the one form of an unreadable image,
     * "cannot read image FILE: " and why, as a FileNotFoundException: it said "no such image
     * file: FILE", "a directory, not an image file: FILE" and so on.
     */
    @Test
    void aMissingImageFileIsNamedInTheOneForm() {
        Path missing = dir.resolve("missing.png");
        FileNotFoundException e = assertThrows(FileNotFoundException.class,
                () -> ImageDecoder.read(missing));
        assertEquals("cannot read image " + missing + ": no such file or directory",
                e.getMessage());
        Path inMissingDir = dir.resolve("nodir").resolve("cat.jpg");
        e = assertThrows(FileNotFoundException.class, () -> ImageDecoder.read(inMissingDir));
        assertEquals("cannot read image " + inMissingDir + ": no such file or directory",
                e.getMessage());
        // Gone between the check and the open: the same exception and words.
        IOException gone = ImageDecoder.cannotOpen(missing,
                new java.nio.file.NoSuchFileException(missing.toString()));
        assertEquals(FileNotFoundException.class, gone.getClass());
        assertEquals("cannot read image " + missing + ": no such file or directory",
                gone.getMessage());
    }

    @Test
    void aDirectoryAsAnImageIsNamedInTheOneForm() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("photos.jpg"));
        FileNotFoundException e = assertThrows(FileNotFoundException.class,
                () -> ImageDecoder.read(folder));
        assertEquals("cannot read image " + folder + ": a directory, expected a JPEG, PNG or BMP"
                + " file", e.getMessage());
    }

    /** A device exists, so "no such file" would mislead; it is refused before it is read. */
    @Test
    void aDeviceAsAnImageIsNamedInTheOneForm() {
        Path device = Path.of("/dev/null");
        assumeTrue(Files.exists(device) && !Files.isRegularFile(device), "no /dev/null here");
        FileNotFoundException e = assertThrows(FileNotFoundException.class,
                () -> ImageDecoder.read(device));
        assertEquals("cannot read image /dev/null: not a regular file, expected a JPEG, PNG or"
                + " BMP file", e.getMessage());
    }

    /**
     * An image file that cannot be opened says why, as an unreadable model or labels file does:
     * the JDK's exception for it (AccessDeniedException) carries only the path, which was all
     * the error said ("error: noread.bmp").
     */
    @Test
    void unopenableImagesSayWhy() throws IOException {
        Path noread = Path.of("noread.bmp");
        assertEquals("cannot read image noread.bmp: permission denied", ImageDecoder.cannotOpen(
                noread, new java.nio.file.AccessDeniedException("noread.bmp")).getMessage());
        assertEquals("cannot read image noread.bmp: no such file or directory",
                ImageDecoder.cannotOpen(noread, new java.nio.file.NoSuchFileException(
                        "noread.bmp")).getMessage());
        assertEquals("cannot read image noread.bmp: Input/output error", ImageDecoder.cannotOpen(
                noread, new java.nio.file.FileSystemException("noread.bmp", null,
                        "Input/output error")).getMessage());
        assertEquals("cannot read image noread.bmp: IOException", ImageDecoder.cannotOpen(
                noread, new IOException()).getMessage());
    }

    /**
     * An image file that fails as it is closed (a network file system reporting a write-back
     * error, say) is a read failure like one part way through, "cannot read image FILE: " and
     * why, with the close's exception as the cause: it came out bare, without the file's name.
     * When the decoding failed first, that failure is thrown and the close's is suppressed in
     * it. The stream is closed once either way.
     */
    @Test
    void anImageFileFailingToCloseIsAReadError() throws IOException {
        Path file = Path.of("closing.bmp");
        byte[] bytes = noise("bmp");
        ClosingStream fine = new ClosingStream(bytes, null);
        assertEquals(160, ImageDecoder.decodeAndClose(fine, file).width());
        assertEquals(1, fine.closes);

        IOException eio = new IOException("Input/output error");
        ClosingStream failing = new ClosingStream(bytes, eio);
        IOException e = assertThrows(IOException.class,
                () -> ImageDecoder.decodeAndClose(failing, file));
        assertEquals("cannot read image closing.bmp: Input/output error", e.getMessage());
        assertSame(eio, e.getCause());
        assertEquals(1, failing.closes);
        IOException fs = new java.nio.file.FileSystemException("closing.bmp", null,
                "Stale file handle");
        e = assertThrows(IOException.class, () -> ImageDecoder.decodeAndClose(
                new ClosingStream(bytes, fs), file));
        assertEquals("cannot read image closing.bmp: Stale file handle", e.getMessage());
        assertSame(fs, e.getCause());

        ClosingStream damaged = new ClosingStream(java.util.Arrays.copyOf(bytes, 40), eio);
        e = assertThrows(IOException.class, () -> ImageDecoder.decodeAndClose(damaged, file));
        assertTrue(e.getMessage().startsWith("cannot decode image closing.bmp: "),
                e.getMessage());
        assertEquals(java.util.List.of(eio), java.util.List.of(e.getSuppressed()));
        assertEquals(1, damaged.closes);
    }

    /** The bytes given, whose close throws {@code failure} (if not null) and is counted. */
    private static final class ClosingStream extends java.io.ByteArrayInputStream {
        private final IOException failure;
        int closes;

        ClosingStream(byte[] data, IOException failure) {
            super(data);
            this.failure = failure;
        }

        @Override
        public void close() throws IOException {
            closes++;
            if (failure != null) {
                throw failure;
            }
        }
    }

    /**
     * End to end where a regular file is unreadable: our own without permissions (root reads it
     * all the same) or a write-only sysctl, which root may not read either. Where neither is
     * unreadable (root on a kernel without compaction, or no POSIX permissions) the test is
     * reported as skipped: it passed there without reading anything.
     */
    @Test
    void anUnreadableImageFileSaysPermissionDenied() throws IOException {
        Path own = Files.createFile(dir.resolve("noread.bmp"));
        if (Files.getFileStore(own).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(own, java.util.Set.of());
        }
        int checked = 0;
        for (Path p : new Path[] {own, Path.of("/proc/sys/vm/compact_memory")}) {
            if (Files.isRegularFile(p) && !Files.isReadable(p)) {
                IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(p));
                assertEquals("cannot read image " + p + ": permission denied", e.getMessage());
                checked++;
            }
        }
        assumeTrue(checked > 0, "no unreadable regular file here (root, and no"
                + " /proc/sys/vm/compact_memory?)");
    }

    /**
     * The JDK's JPEG reader decodes a file cut short with its missing rows grey and only warns;
     * classifying that would be a silent wrong answer, so it is an error (as it is for Pillow).
     */
    @Test
    void truncatedJpegsAreErrorsNotGreyImages() throws IOException {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        java.util.Random rnd = new java.util.Random(1);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, rnd.nextInt());
            }
        }
        Path full = dir.resolve("full.jpg");
        assertTrue(ImageIO.write(img, "jpg", full.toFile()));
        assertEquals(64, ImageDecoder.read(full).width());
        byte[] bytes = Files.readAllBytes(full);
        for (int percent : new int[] {30, 60, 90}) {
            Path cut = dir.resolve("cut" + percent + ".jpg");
            Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length * percent / 100));
            IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(cut));
            assertTrue(e.getMessage().contains("cut" + percent + ".jpg")
                    && e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    /**
     * A JPEG cut short before its image data (in its tables, or just after its start marker) is
     * called truncated too: the reader fails on the end-of-image marker libjpeg puts where the
     * data ended, and its error ("Bogus Huffman table definition", "Image format error") was
     * given as "damaged or unsupported".
     */
    @Test
    void jpegsCutBeforeTheirImageDataAreCalledTruncated() throws IOException {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        Path full = dir.resolve("full.jpg");
        assertTrue(ImageIO.write(img, "jpg", full.toFile()));
        byte[] bytes = Files.readAllBytes(full);
        int sos = 2;
        while ((bytes[sos + 1] & 0xFF) != 0xDA) {   // marker segments up to start of scan
            sos += 2 + ((bytes[sos + 2] & 0xFF) << 8 | bytes[sos + 3] & 0xFF);
        }
        for (int length : new int[] {2, 3, 20, sos - 30, sos - 3, sos}) {
            byte[] cut = java.util.Arrays.copyOf(bytes, length);
            IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(
                    new java.io.ByteArrayInputStream(cut), "cut.jpg"));
            assertTrue(e.getMessage().startsWith("cannot decode image cut.jpg: the file is"
                    + " truncated or damaged ("), length + " bytes: " + e.getMessage());
        }
    }

    /** A BMP cut short is called truncated: the reader's EOFException has no message ("null"). */
    @Test
    void truncatedBmpsAreCalledTruncated() throws IOException {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR);
        Path full = dir.resolve("full.bmp");
        assertTrue(ImageIO.write(img, "bmp", full.toFile()));
        byte[] bytes = Files.readAllBytes(full);
        for (int length : new int[] {14, 40, 100, bytes.length - 1}) {
            Path cut = dir.resolve("cut" + length + ".bmp");
            Files.write(cut, java.util.Arrays.copyOf(bytes, length));
            IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(cut));
            assertTrue(e.getMessage().contains("cut" + length + ".bmp: the file is truncated")
                    && !e.getMessage().contains("null"), e.getMessage());
        }
    }

    /**
     * An I/O error part way through the input (a failing disk's EIO, a caller's stream that
     * throws) is a read failure, "cannot read image NAME: " and why in the words the CLI gives
     * an unreadable model or labels file, with the exception as its cause: it was reported as
     * damage ("cannot decode image NAME: damaged or unsupported (Input/output error)"), or as
     * no image at all when it came before the format was known. It is checked in the header,
     * in the pixel data and at the end (the PNG walker reads to IEND after the reader), with
     * one read that fails and with every read after it failing, as a failing disk goes on.
     */
    @Test
    void anIoErrorPartWayIsAReadErrorNotDamage() throws IOException {
        for (String format : new String[] {"jpg", "png", "bmp"}) {
            byte[] bytes = noise(format);
            assertEquals(160, ImageDecoder.decode(new FailingStream(bytes, bytes.length, false),
                    "stream").width(), format);
            for (int at : failurePoints(bytes)) {
                for (boolean once : new boolean[] {false, true}) {
                    IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(
                            new FailingStream(bytes, at, once), "stream"));
                    String where = format + " failing at byte " + at + " of " + bytes.length
                            + (once ? " once" : "");
                    assertEquals("cannot read image stream: Input/output error",
                            e.getMessage(), where);
                    assertEquals(IOException.class, e.getClass(), where);
                    assertEquals(FailingStream.MESSAGE, e.getCause().getMessage(), where);
                    assertTrue(e.getCause() instanceof FailingStream.Failure, where);
                }
            }
        }
    }

    /**
     * End to end, a file whose reading fails with EIO: /proc/self/mem, a regular file whose
     * first page (address 0) is not mapped. Where it cannot be opened or fails otherwise (not
     * Linux, a kernel that refuses it) the test is reported as skipped.
     */
    @Test
    void anImageFileFailingWithEioIsAReadError() throws IOException {
        Path mem = Path.of("/proc/self/mem");
        assumeTrue(Files.isRegularFile(mem), "no /proc/self/mem here");
        IOException direct = null;
        try (java.io.InputStream in = Files.newInputStream(mem)) {
            in.read();
        } catch (IOException e) {
            direct = e;
        }
        assumeTrue(direct != null && "Input/output error".equals(direct.getMessage()),
                "reading /proc/self/mem from 0 does not fail with EIO here: " + direct);
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(mem));
        assertEquals("cannot read image /proc/self/mem: Input/output error", e.getMessage());
        assertEquals("Input/output error", e.getCause().getMessage());
    }

    /** A stream that only ends early, without an I/O error, is still refused as damaged data. */
    @Test
    void aStreamThatEndsEarlyIsStillADecodeError() throws IOException {
        for (String format : new String[] {"jpg", "png", "bmp"}) {
            byte[] bytes = noise(format);
            for (int at : failurePoints(bytes)) {
                byte[] cut = java.util.Arrays.copyOf(bytes, at);
                IOException e = assertThrows(IOException.class, () -> ImageDecoder.decode(
                        new java.io.ByteArrayInputStream(cut), "stream"));
                assertTrue(e.getMessage().startsWith("cannot decode image stream: "), format
                        + " cut at byte " + at + ": " + e.getMessage());
            }
        }
    }

    /** A 160 x 120 image of noise in {@code format}, more than the cache's 8 KiB read long. */
    private static byte[] noise(String format) throws IOException {
        BufferedImage img = new BufferedImage(160, 120, BufferedImage.TYPE_3BYTE_BGR);
        java.util.Random rnd = new java.util.Random(7);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, rnd.nextInt());
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        assertTrue(out.size() > 8193, format + " of " + out.size() + " bytes");
        return out.toByteArray();
    }

    /**
     * Offsets from the first byte through the header and the pixel data (at and after the
     * cache's first 8 KiB read) to the last byte.
     */
    private static int[] failurePoints(byte[] bytes) {
        int n = bytes.length;
        return new int[] {0, 1, 2, 10, 30, 60, 200, n / 3, n / 2, 8192, 8193, n - 100, n - 1};
    }

    /**
     * Gives {@code data} up to byte {@code failAt}, then throws {@link Failure}: on every read
     * after that or, if {@code once}, on the first alone (the rest then read as the end).
     */
    private static final class FailingStream extends java.io.InputStream {
        static final String MESSAGE = "Input/output error";

        /** The failure, of its own class, to tell it from any the decoder makes. */
        static final class Failure extends IOException {
            Failure() {
                super(MESSAGE);
            }
        }

        private final byte[] data;
        private final int failAt;
        private final boolean once;
        private int pos;
        private boolean failed;

        FailingStream(byte[] data, int failAt, boolean once) {
            assertTrue(failAt <= data.length, failAt + " past the data");
            this.data = data;
            this.failAt = failAt;
            this.once = once;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos >= failAt && failAt < data.length) {
                if (!failed || !once) {
                    failed = true;
                    throw new Failure();
                }
                return -1;
            }
            int n = Math.min(len, (pos < failAt ? failAt : data.length) - pos);
            if (n <= 0) {
                return -1;
            }
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /**
     * A PNG of a few bytes may declare a raster larger than the heap (or than an int can count):
     * the size from its header is refused before anything is allocated for the pixels.
     */
    @Test
    void hugeDeclaredSizesAreRefusedBeforeDecoding() throws IOException {
        for (int[] size : new int[][] {{20000, 20000}, {30000, 30000}, {Integer.MAX_VALUE, 1}}) {
            Path png = dir.resolve("bomb.png");
            Files.write(png, pngHeader(size[0], size[1]));
            IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(png));
            String m = e.getMessage();
            assertTrue(m.contains("bomb.png") && m.contains("too large: " + size[0] + "x" + size[1])
                    && m.contains("178,956,970"), m);
        }
        // The BufferedImage entry point: 30000 x 30000 x 3 bytes overflowed an int.
        BufferedImage huge = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY) {
            @Override
            public int getWidth() { return 30000; }

            @Override
            public int getHeight() { return 30000; }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.toRgb(huge));
        assertTrue(e.getMessage().contains("too large: 30000x30000"), e.getMessage());
    }

    /**
     * The JDK's PNG reader checks no chunk CRC: a flipped bit decoded as a changed image, or
     * failed as "Error reading PNG image data". Every chunk's CRC-32 must match, ancillary
     * chunks' too, and the message names the chunk.
     */
    @Test
    void pngChunksWithAWrongCrcAreRefused() throws IOException {
        BufferedImage img = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        java.util.Random rnd = new java.util.Random(2);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 24; x++) {
                img.setRGB(x, y, rnd.nextInt());
            }
        }
        Path good = dir.resolve("good.png");
        assertTrue(ImageIO.write(img, "png", good.toFile()));
        byte[] bytes = Files.readAllBytes(good);
        assertEquals(img.getRGB(5, 7) & 0xFFFFFF, rgbAt(ImageDecoder.read(good), 5, 7));
        int idat = chunkAt(bytes, "IDAT");
        int idatLength = java.nio.ByteBuffer.wrap(bytes, idat, 4).getInt();

        byte[] data = bytes.clone();  // a byte of the compressed pixels
        data[idat + 8 + idatLength / 2] ^= 0x10;
        refused(data, "data.png", "the file is damaged (PNG chunk IDAT at byte " + idat
                + ": CRC-32");
        byte[] crc = bytes.clone();   // the pixels intact, the stored CRC wrong
        crc[idat + 8 + idatLength + 3] ^= 1;
        refused(crc, "crc.png", "the file is damaged (PNG chunk IDAT at byte " + idat + ": CRC-32");
        // An ancillary chunk after the pixels, which the JDK's reader does not even read.
        byte[] text = insertBeforeIend(bytes, "tEXt", "Comment\0hello".getBytes(
                java.nio.charset.StandardCharsets.ISO_8859_1));
        text[text.length - 12 - 1] ^= 1;
        refused(text, "text.png", "the file is damaged (PNG chunk tEXt at byte " + (bytes.length
                - 12) + ": CRC-32");
        // A stored (uncompressed) IDAT: a flipped pixel byte cannot break the zlib stream.
        byte[] stored = pngFile(2, 8, 2, 1, null, new byte[] {0, 10, 20, 30, 40, 50, 60},
                java.util.zip.Deflater.NO_COMPRESSION);
        assertEquals(0x28323C, rgbAt(decode(stored, "stored.png"), 1, 0));
        stored[chunkAt(stored, "IDAT") + 8 + 2 + 5 + 4] ^= 0x40;
        refused(stored, "stored.png", "PNG chunk IDAT at byte 33: CRC-32");
    }

    /** A PNG cut short or with a chunk longer than the file, even once its pixels are all read. */
    @Test
    void pngChunkStructureMustReachIend() throws IOException {
        byte[] rgb = pngFile(2, 8, 3, 2, null, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                0, 9, 8, 7, 6, 5, 4, 3, 2, 1}, java.util.zip.Deflater.DEFAULT_COMPRESSION);
        assertEquals(0x040506, rgbAt(decode(rgb, "ok.png"), 1, 0));
        // Bytes after IEND are ignored, as Pillow and libpng do.
        byte[] trailing = java.util.Arrays.copyOf(rgb, rgb.length + 5);
        assertEquals(0x040506, rgbAt(decode(trailing, "trailing.png"), 1, 0));

        byte[] noEnd = java.util.Arrays.copyOf(rgb, rgb.length - 12);
        refused(noEnd, "noend.png", "the file is truncated or damaged (PNG ends at byte "
                + noEnd.length + " without an IEND chunk)");
        // The IEND replaced by a chunk declaring 1000 bytes of which the file holds 10.
        byte[] overrun = java.util.Arrays.copyOf(rgb, rgb.length - 12 + 18);
        java.nio.ByteBuffer.wrap(overrun, rgb.length - 12, 8).putInt(1000).put(
                "tEXt".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        refused(overrun, "overrun.png", "the file is truncated or damaged (PNG chunk tEXt at byte "
                + (rgb.length - 12) + " declares 1,000 bytes of data, the file ends after 10)");
        byte[] huge = overrun.clone();
        java.nio.ByteBuffer.wrap(huge, rgb.length - 12, 4).putInt(-1);
        refused(huge, "huge.png", "declares a length of 4,294,967,295, more than the"
                + " 2,147,483,647");
    }

    /**
     * Palette indices past the PLTE chunk's entries, an error by the PNG specification: the JDK
     * pads its colour model to 2^depth entries and decoded them (as black).
     */
    @Test
    void paletteIndicesPastThePlteAreRefused() throws IOException {
        byte[] plte = {(byte) 250, 100, 5, 0, 64, (byte) 128};   // two entries
        // Valid files: indices 0 and 1, at depths 8 and 2 (four pixels in one byte).
        RgbImage ok8 = decode(pngFile(3, 8, 3, 1, plte, new byte[] {0, 0, 1, 0},
                java.util.zip.Deflater.DEFAULT_COMPRESSION), "ok8.png");
        assertEquals(0xFA6405, rgbAt(ok8, 0, 0));
        assertEquals(0x004080, rgbAt(ok8, 1, 0));
        RgbImage ok2 = decode(pngFile(3, 2, 4, 1, plte, new byte[] {0, 0b00_01_01_00},
                java.util.zip.Deflater.DEFAULT_COMPRESSION), "ok2.png");
        assertEquals(0xFA6405, rgbAt(ok2, 0, 0));
        assertEquals(0x004080, rgbAt(ok2, 2, 0));

        byte[] bad8 = pngFile(3, 8, 3, 2, plte, new byte[] {0, 1, 0, 1, 0, 0, 3, 0},
                java.util.zip.Deflater.DEFAULT_COMPRESSION);
        refused(bad8, "bad8.png", "the file is damaged (palette index 3 at pixel (1, 1), past the"
                + " 2 entries of its PLTE chunk)");
        byte[] bad2 = pngFile(3, 2, 4, 1, plte, new byte[] {0, 0b00_01_10_00},
                java.util.zip.Deflater.DEFAULT_COMPRESSION);
        refused(bad2, "bad2.png", "palette index 2 at pixel (2, 0), past the 2 entries");
    }

    private RgbImage decode(byte[] png, String name) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, png);
        return ImageDecoder.read(f);
    }

    /**
     * A PNG whose chunks are whole (CRCs right) but whose zlib stream is damaged or ends early:
     * the JDK's reader says only "Error reading PNG image data"; its cause says what failed.
     */
    @Test
    void pngWithDamagedCompressedDataSaysWhat() throws IOException {
        byte[] rows = new byte[8 * (1 + 8 * 3)];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i % 25 == 0 ? 0 : (byte) (i * 37);
        }
        byte[] good = pngFile(2, 8, 8, 8, null, rows, 6);
        assertEquals(8, ImageDecoder.decode(new java.io.ByteArrayInputStream(good), "ok").height());
        int idat = chunkAt(good, "IDAT");
        int length = java.nio.ByteBuffer.wrap(good).getInt(idat);
        byte[] z = java.util.Arrays.copyOfRange(good, idat + 8, idat + 8 + length);
        byte[] bad = z.clone();
        bad[2] = (byte) 0xFF; // the first deflate block: final, of the reserved type 3
        refused(withIdat(good, bad), "badzlib.png", "Error reading PNG image data: ");
        refused(withIdat(good, java.util.Arrays.copyOf(z, z.length / 2)), "shortzlib.png",
                "the image data is truncated (its compressed stream ends before the image does)");
    }

    /** {@code png} with its one IDAT chunk's data replaced by {@code data}. */
    private static byte[] withIdat(byte[] png, byte[] data) {
        int idat = chunkAt(png, "IDAT");
        int end = idat + 12 + java.nio.ByteBuffer.wrap(png).getInt(idat);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(png, 0, idat);
        chunk(out, "IDAT", data);
        out.write(png, end, png.length - end);
        return out.toByteArray();
    }

    private void refused(byte[] png, String name, String expected) throws IOException {
        refused(dir, png, name, expected);
    }

    /**
     * {@code file}, written as {@code dir/name}, is refused from the file and from a stream
     * named "stream", each with an {@link IOException} itself (the decoder documents no
     * subclass for a file it cannot decode: a {@link FileNotFoundException} would say the file
     * is missing) whose message is "cannot decode image NAME: " (the path, or the stream's name)
     * followed by words containing {@code expected}.
     */
    static void refused(Path dir, byte[] png, String name, String expected) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, png);
        assertRefusal(assertThrows(IOException.class, () -> ImageDecoder.read(f)),
                f.toString(), expected);
        assertRefusal(assertThrows(IOException.class, () -> ImageDecoder.decode(
                new java.io.ByteArrayInputStream(png), "stream")), "stream", expected);
    }

    private static void assertRefusal(IOException e, String name, String expected) {
        assertEquals(IOException.class, e.getClass(), () -> "not a plain IOException: " + e);
        String prefix = "cannot decode image " + name + ": ";
        String m = e.getMessage();
        assertTrue(m != null && m.startsWith(prefix)
                && m.indexOf(expected, prefix.length()) >= 0, m);
    }

    private static int rgbAt(RgbImage img, int x, int y) {
        return img.get(x, y, 0) << 16 | img.get(x, y, 1) << 8 | img.get(x, y, 2);
    }

    /** Offset of the first chunk of this type (its length field). */
    private static int chunkAt(byte[] png, String type) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(png);
        for (int at = 8; at + 8 <= png.length; at += 12 + b.getInt(at)) {
            if (new String(png, at + 4, 4, java.nio.charset.StandardCharsets.US_ASCII)
                    .equals(type)) {
                return at;
            }
        }
        throw new AssertionError("no " + type + " chunk");
    }

    private static byte[] insertBeforeIend(byte[] png, String type, byte[] data) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(png, 0, png.length - 12);
        chunk(out, type, data);
        out.write(png, png.length - 12, 12);
        return out.toByteArray();
    }

    /**
     * A PNG of one IDAT: {@code rows} are the scanlines with their filter bytes, deflated at
     * {@code level}; {@code plte} (may be null) is written as a PLTE chunk.
     */
    static byte[] pngFile(int colourType, int depth, int width, int height, byte[] plte,
                                  byte[] rows, int level) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) depth).put((byte) colourType).array());
        if (plte != null) {
            chunk(out, "PLTE", plte);
        }
        java.util.zip.Deflater deflater = new java.util.zip.Deflater(level);
        deflater.setInput(rows);
        deflater.finish();
        byte[] z = new byte[rows.length + 64];
        int n = deflater.deflate(z);
        assertTrue(deflater.finished());
        deflater.end();
        chunk(out, "IDAT", java.util.Arrays.copyOf(z, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** The signature and IHDR chunk of an 8-bit RGB PNG, then an empty IDAT and IEND. */
    private static byte[] pngHeader(int width, int height) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 3, 0, 0, 0, 0, 1});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        crc.update(t);
        crc.update(data);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + data.length).putInt(data.length)
                .put(t).put(data).putInt((int) crc.getValue());
        out.writeBytes(b.array());
    }

    @Test
    void normalisationMapsTheQuantizedRange() {
        InputNormalization n = new InputNormalization(1 / 128.0, 128);
        float[] f = n.apply(new byte[] {0, (byte) 128, (byte) 255});
        assertEquals(-1f, f[0]);
        assertEquals(0f, f[1]);
        assertEquals(127 / 128f, f[2]);
    }

    @Test
    void minusOneToOneIsCentredOnHalfAGreyLevel() {
        // Float-input models (MobileNet's [-1, 1]) get (p - 127.5) / 127.5: both ends exact and
        // 127 and 128 equally far from 0. An offset of 128 would shift every input by 1/255.
        float[] f = InputNormalization.minusOneToOne().apply(new byte[] {0, (byte) 255, 127,
                (byte) 128});
        assertEquals(-1f, f[0], 1e-7f);
        assertEquals(1f, f[1], 1e-7f);
        assertEquals(-f[2], f[3], 1e-7f);
    }

    @Test
    void softmaxAndTopK() {
        float[] p = Classification.softmax(new float[] {1, 3, 2, 3});
        double sum = 0;
        for (float v : p) {
            sum += v;
        }
        assertEquals(1, sum, 1e-6);
        assertEquals(java.util.List.of(1, 3, 2),
                java.util.Arrays.stream(Classification.topK(p, 3)).boxed().toList());
    }

    @Test
    void softmaxIsTheNormalisedExponentialEvenForLargeLogits() {
        // Summing to 1 and ranking alone do not pin the values: each is exp(x_i) / sum exp(x_j).
        float[] x = {1, 3, 2, 3, -4};
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v);
        }
        float[] p = Classification.softmax(x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Math.exp(x[i]) / sum, p[i], 1e-7, "p[" + i + "]");
        }
        // Shifting every logit leaves softmax unchanged; exp(1000) overflows unless the largest
        // logit is subtracted first, which a NaN here would show.
        float[] shifted = Classification.softmax(new float[] {1001, 1003, 1002, 1003, 996});
        for (int i = 0; i < x.length; i++) {
            assertEquals(p[i], shifted[i], 1e-7, "shifted p[" + i + "]");
        }
    }
}
