package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.testdata.RealData;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our decode + resize against Pillow 9.4's {@code convert("RGB").resize((224, 224), BILINEAR)}. */
class ImagePillowResizeTest {

    @ParameterizedTest
    @ValueSource(strings = {"cat.bmp", "grace_hopper.bmp", "bird.bmp", "parrot.jpg"})
    void photosMatchPillowWithinOneLevel(String photo) throws IOException {
        RgbImage img = ImageDecoder.read(RealData.file(photo));
        RgbImage ours = PillowResize.bilinear(img, 224, 224);
        byte[] ref = Files.readAllBytes(RealData.file("reference/"
                + photo.substring(0, photo.indexOf('.')) + ".rgb224.u8"));
        assertEquals(ref.length, ours.pixels().length);
        int maxDiff = 0, exact = 0;
        for (int i = 0; i < ref.length; i++) {
            int d = Math.abs((ref[i] & 0xFF) - (ours.pixels()[i] & 0xFF));
            maxDiff = Math.max(maxDiff, d);
            exact += d == 0 ? 1 : 0;
        }
        System.out.printf(Locale.ROOT,
                "%-16s %dx%d -> 224x224: max difference %d, %.3f%% of bytes exact%n", photo,
                img.width(), img.height(), maxDiff, 100.0 * exact / ref.length);
        assertTrue(maxDiff <= 1, photo + ": a byte differs from Pillow by " + maxDiff);
    }

    /**
     * The coefficients are worked out a batch of outputs at a time, to bound their memory; the
     * batches change no byte, in either pass, whether a window spans one batch or many.
     */
    @Test
    void coefficientBatchesChangeNoByte() {
        java.util.Random rnd = new java.util.Random(5);
        int[][] cases = {{301, 7, 37, 5}, {7, 301, 5, 37}, {1000, 3, 224, 2}, {40, 30, 224, 224},
                {97, 89, 96, 90}};
        for (int[] c : cases) {
            byte[] px = new byte[c[0] * c[1] * 3];
            rnd.nextBytes(px);
            RgbImage src = new RgbImage(c[0], c[1], px);
            byte[] whole = PillowResize.bilinear(src, c[2], c[3], Integer.MAX_VALUE).pixels();
            assertArrayEquals(whole, PillowResize.bilinear(src, c[2], c[3]).pixels());
            for (int limit : new int[] {0, 1, 40, 200}) {
                assertArrayEquals(whole, PillowResize.bilinear(src, c[2], c[3], limit).pixels(),
                        c[0] + "x" + c[1] + " -> " + c[2] + "x" + c[3] + ", limit " + limit);
            }
        }
    }

    /**
     * Shrinking a 24,000,000 x 1 image (72 MB) to 224 x 224 in a JVM of 128 MB: all of the
     * horizontal pass's coefficients at once took 192 MB more.
     */
    @Test
    void shrinkingAVeryWideImageNeedsLittleMoreThanTheImage() throws Exception {
        dev.mobilenetsimd.ChildJvm.Result r = dev.mobilenetsimd.ChildJvm.run(
                java.util.List.of("-Xmx128m"), WideResize.class);
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("resized to 224x224, pixel (100, 100) = 128"), r.output());
    }

    /** Resizes a 24,000,000 x 1 image of grey 128 to 224 x 224. */
    public static final class WideResize {
        public static void main(String[] args) {
            byte[] px = new byte[24_000_000 * 3];
            java.util.Arrays.fill(px, (byte) 128);
            RgbImage out = PillowResize.bilinear(new RgbImage(24_000_000, 1, px), 224, 224);
            System.out.println("resized to " + out.width() + "x" + out.height() + ", pixel (100,"
                    + " 100) = " + out.get(100, 100, 1));
        }
    }

    @Test
    void sameSizeIsACopy() {
        byte[] px = {1, 2, 3, 4, 5, 6};
        RgbImage img = new RgbImage(2, 1, px);
        RgbImage out = PillowResize.bilinear(img, 2, 1);
        assertArrayEquals(px, out.pixels());
    }

    @Test
    void constantImageStaysConstant() {
        byte[] px = new byte[37 * 23 * 3];
        java.util.Arrays.fill(px, (byte) 200);
        for (int[] size : new int[][] {{5, 7}, {224, 224}, {37, 1}, {1, 23}}) {
            RgbImage out = PillowResize.bilinear(new RgbImage(37, 23, px), size[0], size[1]);
            for (byte b : out.pixels()) {
                assertEquals(200, b & 0xFF);
            }
        }
    }

    /**
     * Values worked out by hand from Pillow's algorithm:
     * 4 -> 2 pixels averages pairs with weights 1/4, 3/4.
     */
    @Test
    void downscaleByTwoUsesTheWidenedTriangle() {
        // Output pixel 0 has centre 1.0 and support 2: inputs
        // 0..2 with weights 0.75, 0.75, 0.25 (normalised).
        byte[] px = new byte[4 * 3];
        int[] row = {0, 100, 200, 40};
        for (int x = 0; x < 4; x++) {
            for (int c = 0; c < 3; c++) {
                px[x * 3 + c] = (byte) row[x];
            }
        }
        RgbImage out = PillowResize.bilinear(new RgbImage(4, 1, px), 2, 1);
        // x0: (0*.75 + 100*.75 + 200*.25) / 1.75 = 71.43 -> 71;
        // x1: (100*.25 + 200*.75 + 40*.75) / 1.75 = 117.14 -> 117
        assertEquals(71, out.get(0, 0, 0));
        assertEquals(117, out.get(1, 0, 0));
    }
}
