package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Per-channel normalisation (torchvision's mean and std) beside the uniform one. */
class InputNormalizationTest {
    /** torchvision's ImageNet values, written out here rather than read from the class. */
    private static final double[] MEAN = {0.485, 0.456, 0.406};
    private static final double[] STD = {0.229, 0.224, 0.225};

    @Test
    void imagenetIsTorchvisionsMeanAndStdOnZeroToOnePixels() {
        InputNormalization n = InputNormalization.IMAGENET;
        assertFalse(n.isUniform());
        for (int c = 0; c < 3; c++) {
            for (int p : new int[] {0, 1, 77, 127, 128, 200, 254, 255}) {
                double expected = (p / 255.0 - MEAN[c]) / STD[c];
                assertEquals(expected, n.apply(p, c), 1e-6, "channel " + c + ", pixel " + p);
            }
        }
        // a few by hand: (0 - 0.485) / 0.229, (1 - 0.485) / 0.229, -0.456 / 0.224, 0.594 / 0.225
        assertEquals(-2.1179039, n.apply(0, 0), 1e-6);
        assertEquals(2.2489083, n.apply(255, 0), 1e-6);
        assertEquals(-2.0357143, n.apply(0, 1), 1e-6);
        assertEquals(2.64, n.apply(255, 2), 1e-6);
        assertEquals(1 / (255 * 0.224), n.scale(1), 1e-15);
        assertEquals(255 * 0.406, n.offset(2), 1e-12);
        assertEquals(InputNormalization.meanStd(MEAN, STD), n);
    }

    /** Each byte of interleaved RGB (NHWC) is normalised as its own channel. */
    @Test
    void applyHonoursTheChannelOfEachInterleavedByte() {
        InputNormalization n = InputNormalization.meanStd(MEAN, STD);
        byte[] rgb = {0, 0, 0, (byte) 255, (byte) 255, (byte) 255, 10, 20, 30, (byte) 200, 100,
                50};
        float[] f = n.apply(rgb);
        assertEquals(rgb.length, f.length);
        for (int i = 0; i < rgb.length; i++) {
            int c = i % 3;
            double expected = ((rgb[i] & 0xFF) / 255.0 - MEAN[c]) / STD[c];
            assertEquals(expected, f[i], 1e-6, "byte " + i + " (channel " + c + ")");
        }
        assertThrows(IllegalArgumentException.class, () -> n.apply(new byte[4]),
                "not whole pixels");
    }

    @Test
    void perChannelScalesAndOffsets() {
        InputNormalization n = InputNormalization.perChannel(new double[] {0.5, 0.25, 2},
                new double[] {10, 20, 30});
        float[] f = n.apply(new byte[] {10, 10, 10, 30, 30, 30});
        assertEquals(0f, f[0]);
        assertEquals(-2.5f, f[1]);
        assertEquals(-40f, f[2]);
        assertEquals(10f, f[3]);
        assertEquals(2.5f, f[4]);
        assertEquals(0f, f[5]);
        assertTrue(n.toString().startsWith("R 0.50000000 * (p - 10.0), G 0.25000000"),
                n.toString());
        // the same values for every channel: the uniform normalisation, equal and answering scale()
        InputNormalization same = InputNormalization.perChannel(new double[] {0.5, 0.5, 0.5},
                new double[] {3, 3, 3});
        assertTrue(same.isUniform());
        assertEquals(new InputNormalization(0.5, 3), same);
        assertEquals(new InputNormalization(0.5, 3).hashCode(), same.hashCode());
        assertEquals(0.5, same.scale());
        assertEquals(3, same.offset());
        assertNotEquals(new InputNormalization(0.5, 3), n);
        // arrays are copied
        double[] scales = {1, 1, 1};
        InputNormalization copied = InputNormalization.perChannel(scales, new double[3]);
        scales[0] = 7;
        assertEquals(1, copied.scale(0));
    }

    /** The record's API still answers for a uniform normalisation. */
    @Test
    void uniformKeepsTheRecordsApi() {
        InputNormalization n = new InputNormalization(1 / 128.0, 128);
        assertTrue(n.isUniform());
        assertEquals(1 / 128.0, n.scale());
        assertEquals(128, n.offset());
        assertEquals(-1f, n.apply(0));
        assertEquals(n.apply(77), n.apply(77, 2));
        assertEquals(5, n.apply(new byte[5]).length, "any length when uniform");
        assertEquals("0.0078125000 * (p - 128.0)", n.toString());
        assertEquals(new InputNormalization(1 / 127.5, 127.5), InputNormalization.minusOneToOne());
    }

    /** A negative offset prints as an addition; -0.0 and 0.0 are one normalisation. */
    @Test
    void signsPrintAndCompareAsTheyMean() {
        assertEquals("0.50000000 * (p + 127.5)", new InputNormalization(0.5, -127.5).toString());
        InputNormalization minusZero = InputNormalization.perChannel(new double[] {1, 1, 1},
                new double[] {-0.0, 0, 0});
        InputNormalization zero = new InputNormalization(1, 0);
        assertTrue(minusZero.isUniform());
        assertEquals(zero, minusZero);
        assertEquals(zero.hashCode(), minusZero.hashCode());
        assertEquals(zero.toString(), minusZero.toString());
    }

    @Test
    void perChannelQuestionsOfAUniformKindAreRefused() {
        InputNormalization n = InputNormalization.IMAGENET;
        fails(IllegalStateException.class, n::scale, "channels are normalised differently",
                "scale(channel)");
        fails(IllegalStateException.class, n::offset, "offset(channel)");
        fails(IllegalStateException.class, () -> n.apply(3), "apply(pixel, channel)");
        // Were the JDK's "Index 3 out of bounds for length 3", naming no channel.
        fails(IndexOutOfBoundsException.class, () -> n.scale(3),
                "channel 3: expected 0 (red), 1 (green) or 2 (blue)");
        fails(IndexOutOfBoundsException.class, () -> n.offset(3),
                "channel 3: expected 0 (red), 1 (green) or 2 (blue)");
        fails(IndexOutOfBoundsException.class, () -> n.apply(0, -1),
                "channel -1: expected 0 (red), 1 (green) or 2 (blue)");
        fails(IndexOutOfBoundsException.class, () -> n.apply(0, 3), "channel 3: expected");
    }

    @Test
    void badMeanAndStdAreNamed() {
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(MEAN,
                new double[] {0.229, 0, 0.225}), "std [0.229, 0.0, 0.225]: the green value 0.0"
                + " is not positive and finite", "0.229, 0.224, 0.225");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(MEAN,
                new double[] {-0.2, 0.2, 0.2}), "the red value -0.2 is not positive");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(MEAN,
                new double[] {0.2, 0.2, Double.NaN}), "the blue value NaN");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(MEAN,
                new double[] {0.2, Double.POSITIVE_INFINITY, 0.2}), "the green value Infinity");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(
                new double[] {0.5, Double.NaN, 0.5}, STD), "mean [0.5, NaN, 0.5]: the green value"
                + " NaN is not finite", "0.485, 0.456, 0.406");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(
                new double[] {0.5, 0.5}, STD), "mean [0.5, 0.5] has 2 values; expected exactly 3:"
                + " red, green, blue");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(MEAN,
                new double[] {1, 1, 1, 1}), "std [1.0, 1.0, 1.0, 1.0] has 4 values");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(MEAN,
                new double[] {Double.MIN_VALUE, 1, 1}), "of the red channel: out of range");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(
                new double[] {1, 1e308, 1}, STD), "of the green channel: out of range");
        fails(NullPointerException.class, () -> InputNormalization.meanStd(null, STD), "mean");
        fails(NullPointerException.class, () -> InputNormalization.meanStd(MEAN, null), "std");
    }

    @Test
    void badScalesAndOffsetsAreNamed() {
        fails(IllegalArgumentException.class, () -> InputNormalization.perChannel(
                new double[] {1, 1, 0}, new double[3]), "scale 0.0, offset 0.0 of the blue"
                + " channel: the scale must be positive and both finite");
        fails(IllegalArgumentException.class, () -> InputNormalization.perChannel(
                new double[] {1, 1, 1}, new double[] {0, Double.NaN, 0}), "of the green channel");
        fails(IllegalArgumentException.class, () -> InputNormalization.perChannel(
                new double[] {1, 1, 1}, new double[2]), "offsets [0.0, 0.0] has 2 values");
        fails(NullPointerException.class, () -> InputNormalization.perChannel(null,
                new double[3]), "scales");
        // the uniform constructor's message is unchanged: no channel named
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new InputNormalization(-1, 0));
        assertEquals("input normalisation scale -1.0, offset 0.0: the scale must be positive and"
                + " both finite", e.getMessage());
    }

    /**
     * A finite scale or offset can still map a pixel value past float range: 1e300 was taken,
     * and apply gave infinities that made every logit NaN.
     */
    @Test
    void normalisationsBeyondFloatRangeAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new InputNormalization(1e300, 0));
        assertEquals("input normalisation scale 1.0E300, offset 0.0 maps pixel values 0 to 255"
                + " to 0.0 to Infinity: beyond float range", e.getMessage());
        fails(IllegalArgumentException.class, () -> new InputNormalization(1, -1e300),
                "maps pixel values 0 to 255 to Infinity to Infinity");
        fails(IllegalArgumentException.class, () -> InputNormalization.perChannel(
                new double[] {1, 1e37, 1}, new double[3]), "offset 0.0 of the green channel maps"
                + " pixel values 0 to 255 to 0.0 to Infinity: beyond float range");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(MEAN,
                new double[] {1e-300, 1, 1}), "mean 0.485, std 1.0E-300 of the red channel: out"
                + " of range");
        // the largest scale that keeps 255 in float range is taken
        assertEquals(255e36f, new InputNormalization(1e36, 0).apply(255));
    }

    /**
     * A scale that is 0 as a float zeroed its channel without a word: std 1e300 (CLI
     * {@code --normalization 0.5,0.5,0.5/1e300,1,1}) gives 3.9e-303, 0 as a float. A subnormal
     * one, or an offset so large that every pixel value maps to one float, lose the pixels too.
     */
    @Test
    void normalisationsThatLoseThePixelsAsFloatsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InputNormalization.meanStd(new double[] {0.5, 0.5, 0.5},
                        new double[] {1e300, 1, 1}));
        assertEquals("mean 0.5, std 1.0E300 of the red channel: out of range (scale "
                + 1 / (255 * 1e300) + ", offset 127.5: the scale is 0 as a float, the network's"
                + " input type, so every pixel value 0 to 255 would become 0; expected a scale of"
                + " at least 2^-126 (about 1.18e-38), the smallest normal float); expected values"
                + " of pixels scaled to [0, 1]", e.getMessage());
        fails(IllegalArgumentException.class, () -> InputNormalization.perChannel(
                new double[] {1, 1e-50, 1}, new double[3]), "scale 1.0E-50, offset 0.0 of the"
                + " green channel: the scale is 0 as a float");
        fails(IllegalArgumentException.class, () -> new InputNormalization(1e-40, 128),
                "input normalisation scale 1.0E-40, offset 128.0: the scale is subnormal as a"
                + " float (", "at least 2^-126");
        fails(IllegalArgumentException.class, () -> InputNormalization.perChannel(
                new double[] {1, 1, 1e-30}, new double[] {0, 0, 1e30}), "of the blue channel:"
                + " maps every pixel value 0 to 255 to -1.0 as a float", "swamps the scale");
        fails(IllegalArgumentException.class, () -> InputNormalization.meanStd(
                new double[] {0.5, 1e30, 0.5}, STD), "mean 1.0E30, std 0.224 of the green"
                + " channel: out of range", "maps every pixel value 0 to 255 to");
        // the smallest normal float is taken, and keeps the pixels apart
        InputNormalization tiny = new InputNormalization(Float.MIN_NORMAL, 0);
        assertTrue(tiny.apply(1) > 0 && tiny.apply(254) < tiny.apply(255));
        // a large offset that still tells the pixel values apart is taken
        InputNormalization far = new InputNormalization(1e-6, 1e6);
        assertTrue(far.apply(0) < far.apply(255));
        // offsets that are 0 as floats change nothing: taken
        assertEquals(new InputNormalization(1, 0).apply(7), new InputNormalization(1, 1e-50)
                .apply(7));
    }

    private static void fails(Class<? extends Throwable> type, Executable call, String... parts) {
        Throwable t = assertThrows(type, call);
        for (String part : parts) {
            assertTrue(String.valueOf(t.getMessage()).contains(part),
                    "'" + part + "' in: " + t.getMessage());
        }
    }

    /**
     * A value that is no 8-bit sample is refused: a signed byte (-1 for 255) or a 16-bit sample
     * was mapped without a word, Integer.MAX_VALUE to Infinity under a scale the constructor
     * accepts because it keeps 0 to 255 in float range.
     */
    @Test
    void applyRefusesValuesThatAreNoEightBitSample() {
        InputNormalization wide = new InputNormalization(1e30, 0);
        assertEquals(2.55e32f, wide.apply(255));
        for (int p : new int[] {-1, -128, 256, 40_000, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> wide.apply(p), "pixel " + p);
            assertTrue(e.getMessage().contains("pixel value " + p + ": expected 0 to 255"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> InputNormalization.IMAGENET.apply(p, 2), "pixel " + p);
        }
    }
}
