package dev.mobilenetsimd.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The channel-range kernels ({@code pointwiseChannels}, {@code pointwiseRowsChannels},
 * {@code depthwiseRowChannels}, {@code depthwiseRowPairChannels}), which a session's threads use
 * to split a layer by channels. For both backends, at this JVM's vector width: a range writes
 * exactly (bitwise) what the whole call writes for its channels and nothing else, ranges that
 * tile the channels rebuild the whole call, and ranges off the allowed boundaries are refused.
 */
class ChannelRangeTest {
    private static final float SENTINEL = KernelTestSupport.SENTINEL;

    static List<KernelSet> backends() {
        return List.of(KernelSets.vector(), KernelSets.scalar());
    }

    private static float[] random(SplittableRandom r, int n) {
        return KernelTestSupport.random(r, n, -1f, 1f);
    }

    private static float[] filled(int n) {
        float[] a = new float[n];
        Arrays.fill(a, SENTINEL);
        return a;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void channelBlocksRunFromZeroToCoutOnDepthwiseBoundaries(KernelSet k) {
        SplittableRandom r = new SplittableRandom(1);
        for (int cout : new int[] {1, 8, 16, 17, 24, 80, 96, 100, 160, 320, 576, 960, 1280}) {
            PackedWeights w = k.packPointwise(random(r, 3 * cout), null, 3, cout);
            int[] b = k.pointwiseChannelBlocks(w);
            assertEquals(0, b[0], k.name() + " cout " + cout);
            assertEquals(cout, b[b.length - 1], k.name() + " cout " + cout);
            for (int i = 1; i < b.length; i++) {
                assertTrue(b[i] > b[i - 1], k.name() + " cout " + cout + ": " + Arrays.toString(b));
                assertTrue(b[i] == cout || b[i] % k.depthwiseChannelAlign() == 0,
                        k.name() + " cout " + cout + ": " + Arrays.toString(b));
            }
            if (cout >= 160) { // enough channels for two threads
                assertTrue(b.length > 2, k.name() + " cout " + cout + ": " + Arrays.toString(b));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void pointwiseRangesWriteTheirChannelsExactlyAndNothingElse(KernelSet k) {
        SplittableRandom r = new SplittableRandom(2);
        int[][] shapes = {{3, 17}, {17, 100}, {64, 160}, {160, 960}, {320, 1280}, {96, 24},
            {16, 8}, {5, 1}};
        for (int[] shape : shapes) {
            int cin = shape[0], cout = shape[1];
            PackedWeights w = k.packPointwise(random(r, cin * cout), random(r, cout), cin, cout);
            int[] b = k.pointwiseChannelBlocks(w);
            for (int pixels : new int[] {1, 7, 49}) {
                float[] in = random(r, pixels * cin);
                float[] res = random(r, pixels * cout);
                for (Activation act : Activation.values()) {
                    for (boolean withResidual : new boolean[] {false, true}) {
                        if (withResidual && act == Activation.RELU6) {
                            continue; // MobileNetV2 adds the residual to linear layers only
                        }
                        float[] whole = filled(pixels * cout);
                        k.pointwise(in, 0, pixels, w, act, withResidual ? res : null, 0, whole, 0);
                        float[] tiled = filled(pixels * cout);
                        for (int i = 0; i + 1 < b.length; i++) {
                            float[] part = filled(pixels * cout);
                            // the residual outside the range is NaN: it must not be read
                            float[] partRes = withResidual ? maskOutside(res, pixels, cout, b[i],
                                    b[i + 1]) : null;
                            k.pointwiseChannels(in, 0, pixels, w, b[i], b[i + 1], act, partRes,
                                    0, part, 0);
                            String what = k.name() + " " + cin + "->" + cout + " x" + pixels
                                    + " " + act + (withResidual ? " +res" : "") + " channels ["
                                    + b[i] + ", " + b[i + 1] + ")";
                            checkRange(whole, part, pixels, cout, b[i], b[i + 1], what);
                            k.pointwiseChannels(in, 0, pixels, w, b[i], b[i + 1], act,
                                    withResidual ? res : null, 0, tiled, 0);
                        }
                        assertArrayEquals(whole, tiled, k.name() + " " + cin + "->" + cout
                                + ": the blocks one by one differ from the whole call");
                    }
                }
            }
            // a range over several blocks, and the empty range
            if (b.length > 3) {
                float[] in = random(r, 11 * cin);
                float[] whole = filled(11 * cout);
                k.pointwise(in, 0, 11, w, Activation.RELU6, null, 0, whole, 0);
                float[] part = filled(11 * cout);
                k.pointwiseChannels(in, 0, 11, w, b[1], b[3], Activation.RELU6, null, 0, part, 0);
                checkRange(whole, part, 11, cout, b[1], b[3], k.name() + " blocks 1-2");
            }
            float[] untouched = filled(4 * cout);
            k.pointwiseChannels(random(r, 4 * cin), 0, 4, w, b[1], b[1], Activation.LINEAR, null,
                    0, untouched, 0);
            assertArrayEquals(filled(4 * cout), untouched, k.name() + ": an empty range wrote");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void pointwiseRowsRangesKeepTheGapsBetweenRows(KernelSet k) {
        SplittableRandom r = new SplittableRandom(3);
        int cin = 24, cout = 192, rows = 3, rowPixels = 7, gap = 2 * cout + 5;
        int stride = rowPixels * cout + gap;
        PackedWeights w = k.packPointwise(random(r, cin * cout), random(r, cout), cin, cout);
        int[] b = k.pointwiseChannelBlocks(w);
        float[] in = random(r, rows * rowPixels * cin);
        float[] whole = filled(rows * stride);
        k.pointwiseRows(in, 0, rows, rowPixels, w, Activation.RELU6, whole, 3, stride);
        float[] tiled = filled(rows * stride);
        for (int i = 0; i + 1 < b.length; i++) {
            float[] part = filled(rows * stride);
            k.pointwiseRowsChannels(in, 0, rows, rowPixels, w, b[i], b[i + 1], Activation.RELU6,
                    part, 3, stride);
            for (int j = 0; j < part.length; j++) {
                int rel = j - 3;
                int inRow = rel < 0 ? -1 : rel % stride;
                boolean inRange = inRow >= 0 && inRow < rowPixels * cout
                        && inRow % cout >= b[i] && inRow % cout < b[i + 1];
                float expected = inRange ? whole[j] : SENTINEL;
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(part[j]),
                        k.name() + " rows, channels [" + b[i] + ", " + b[i + 1] + ") at " + j);
            }
            k.pointwiseRowsChannels(in, 0, rows, rowPixels, w, b[i], b[i + 1], Activation.RELU6,
                    tiled, 3, stride);
        }
        assertArrayEquals(whole, tiled, k.name() + ": rows block by block differ");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void pointwiseRangesOffTheBlocksAreRefused(KernelSet k) {
        SplittableRandom r = new SplittableRandom(4);
        PackedWeights w = k.packPointwise(random(r, 8 * 160), null, 8, 160);
        int[] b = k.pointwiseChannelBlocks(w);
        float[] in = random(r, 8), out = new float[160];
        int[][] bad = {{b[1], b[0]}, {-16, b[1]}, {0, 161}, {1, b[1]}, {0, b[1] - 1}};
        for (int[] range : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.pointwiseChannels(in, 0, 1, w, range[0], range[1], Activation.LINEAR,
                            null, 0, out, 0), k.name() + " " + Arrays.toString(range));
            assertTrue(e.getMessage().contains("pointwiseChannelBlocks"), e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void depthwiseRangesWriteTheirChannelsExactlyAndNothingElse(KernelSet k) {
        SplittableRandom r = new SplittableRandom(5);
        int align = k.depthwiseChannelAlign();
        for (int c : new int[] {3 * align, 3 * align + 5, 960}) {
            PackedWeights w = k.packDepthwise(random(r, 9 * c), random(r, c), c);
            int[] cuts = {0, align, 2 * align, c};
            for (int stride = 1; stride <= 2; stride++) {
                int inW = 9, padLeft = 1, outW = (inW + 2 - 3) / stride + 1;
                float[] src = random(r, 5 * inW * c + 7);
                int[] rows = {7, 7 + inW * c, 7 + 2 * inW * c, 7 + 3 * inW * c, 7 + 4 * inW * c};
                float[] whole = filled(2 * outW * c);
                k.depthwiseRowPair(src, rows[0], rows[1], rows[2], rows[3], rows[4], inW, stride,
                        padLeft, w, Activation.RELU6, whole, 0, outW * c, outW);
                float[] single = filled(outW * c);
                k.depthwiseRow(src, rows[0], rows[1], rows[2], inW, stride, padLeft, w,
                        Activation.LINEAR, single, 0, outW);
                for (int i = 0; i + 1 < cuts.length; i++) {
                    String what = k.name() + " c " + c + " stride " + stride + " channels ["
                            + cuts[i] + ", " + cuts[i + 1] + ")";
                    float[] pair = filled(2 * outW * c);
                    k.depthwiseRowPairChannels(src, rows[0], rows[1], rows[2], rows[3], rows[4],
                            inW, stride, padLeft, w, cuts[i], cuts[i + 1], Activation.RELU6, pair,
                            0, outW * c, outW);
                    checkRange(whole, pair, 2 * outW, c, cuts[i], cuts[i + 1], what + " pair");
                    float[] one = filled(outW * c);
                    k.depthwiseRowChannels(src, rows[0], rows[1], rows[2], inW, stride, padLeft,
                            w, cuts[i], cuts[i + 1], Activation.LINEAR, one, 0, outW);
                    checkRange(single, one, outW, c, cuts[i], cuts[i + 1], what + " row");
                }
            }
            float[] out = new float[9 * c];
            float[] src = random(r, 9 * c);
            for (int[] range : new int[][] {{align, 0}, {-align, align}, {0, c + 1}}) {
                assertThrows(IllegalArgumentException.class, () -> k.depthwiseRowChannels(src, 0,
                        0, 0, 9, 1, 1, w, range[0], range[1], Activation.RELU6, out, 0, 9),
                        k.name() + " " + Arrays.toString(range));
            }
            if (align > 1) {
                assertThrows(IllegalArgumentException.class, () -> k.depthwiseRowChannels(src, 0,
                        0, 0, 9, 1, 1, w, 1, align, Activation.RELU6, out, 0, 9), k.name());
            }
        }
    }

    /** {@code res} with NaN in every channel outside {@code [c0, c1)}. */
    private static float[] maskOutside(float[] res, int pixels, int c, int c0, int c1) {
        float[] m = res.clone();
        for (int p = 0; p < pixels; p++) {
            for (int ch = 0; ch < c; ch++) {
                if (ch < c0 || ch >= c1) {
                    m[p * c + ch] = Float.NaN;
                }
            }
        }
        return m;
    }

    /** Channels {@code [c0, c1)} of each pixel bitwise as in {@code whole}; the rest untouched. */
    private static void checkRange(float[] whole, float[] part, int pixels, int c, int c0, int c1,
                                   String what) {
        for (int p = 0; p < pixels; p++) {
            for (int ch = 0; ch < c; ch++) {
                int i = p * c + ch;
                float expected = ch >= c0 && ch < c1 ? whole[i] : SENTINEL;
                if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(part[i])) {
                    throw new AssertionError(what + ": pixel " + p + " channel " + ch
                            + " expected " + expected + ", got " + part[i]);
                }
            }
        }
    }
}
