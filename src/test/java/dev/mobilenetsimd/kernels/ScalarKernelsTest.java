package dev.mobilenetsimd.kernels;

import static dev.mobilenetsimd.kernels.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mobilenetsimd.Padding;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The scalar oracle against independent formulations: hand-worked examples, and naive
 * double-precision versions written differently (explicitly zero-padded input tensors instead of
 * bounds tests, whole layers instead of rows). Tolerance against the double result:
 * {@code (terms + 1) * eps * sum|a*w|} (float summation error bound).
 */
class ScalarKernelsTest {
    private final KernelSet s = KernelSets.scalar();

    @Test
    void depthwiseHandWorked() {
        // One channel, input 1..9 in a 3x3 image, all taps 1, bias 0.5.
        float[] in = new float[12]; // 9 pixels + a 3-pixel zero row
        for (int i = 0; i < 9; i++) {
            in[i] = i + 1;
        }
        PackedWeights w = s.packDepthwise(filled(9, 1f), new float[] {0.5f}, 1);
        float[] out = new float[3];
        // Middle output row, symmetric padding 1: sums of 2x3, 3x3, 2x3 windows.
        s.depthwiseRow(in, 0, 3, 6, 3, 1, 1, w, Activation.LINEAR, out, 0, 3);
        assertArrayEquals(new float[] {27.5f, 45.5f, 33.5f}, out);
        // Top output row: top padding row is the zero row at offset 9.
        s.depthwiseRow(in, 9, 0, 3, 3, 1, 1, w, Activation.LINEAR, out, 0, 3);
        assertArrayEquals(new float[] {12.5f, 21.5f, 16.5f}, out);
        // Stride 2, padLeft 0 (TF-SAME on even input: 0 left, 1 right), 2 outputs: columns
        // {0,1,2} and {2,3(out),4(out)} of the bottom two rows + zero row.
        s.depthwiseRow(in, 3, 6, 9, 3, 2, 0, w, Activation.RELU6, out, 0, 2);
        assertEquals(6f, out[0]);
        assertEquals(6f, out[1]);
        s.depthwiseRow(in, 3, 6, 9, 3, 2, 0, w, Activation.LINEAR, out, 0, 2);
        assertEquals(4 + 5 + 6 + 7 + 8 + 9 + 0.5f, out[0]);
        assertEquals(6 + 9 + 0.5f, out[1]);
    }

    @Test
    void depthwiseMatchesNaivePaddedDouble() {
        SplittableRandom r = new SplittableRandom(31);
        for (int c : new int[] {1, 3, 8}) {
            for (int h : new int[] {1, 2, 5, 8}) {
                for (int w : new int[] {1, 2, 5, 8}) {
                    for (int stride = 1; stride <= 2; stride++) {
                        for (int pad = 0; pad <= 1; pad++) {
                            int outH = (h + stride - 1) / stride, outW = (w + stride - 1) / stride;
                            float[] in = depthwiseInput(r, 0, h, w, c);
                            float[] wt = random(r, 9 * c, -1f, 1f);
                            float[] bias = random(r, c, -1f, 1f);
                            float[] got = depthwiseLayer(s, in, 0, h, w, c, stride, pad, pad,
                                    outH, outW, s.packDepthwise(wt, bias, c), Activation.LINEAR);
                            double[][] want = naiveConv(in, h, w, c, 1, true, wt, bias, stride,
                                    pad, pad, outH, outW);
                            assertNear(want, got, 10, "depthwise c=" + c + " " + h + "x" + w
                                    + " s" + stride + " p" + pad);
                        }
                    }
                }
            }
        }
    }

    @Test
    void conv3x3MatchesNaivePaddedDouble() {
        SplittableRandom r = new SplittableRandom(32);
        for (int cout : new int[] {1, 5, 8}) {
            for (int h : new int[] {1, 3, 6}) {
                for (int w : new int[] {1, 4, 7}) {
                    for (int stride = 1; stride <= 2; stride++) {
                        for (int pads = 0; pads < 4; pads++) {
                            int padTop = pads >> 1, padLeft = pads & 1, cin = 3;
                            int outH = (h + stride - 1) / stride, outW = (w + stride - 1) / stride;
                            float[] in = random(r, h * w * cin, -4f, 4f);
                            float[] wt = random(r, 9 * cin * cout, -1f, 1f);
                            float[] bias = random(r, cout, -1f, 1f);
                            float[] got = new float[outH * outW * cout];
                            s.conv3x3(in, 0, h, w, stride, padTop, padLeft,
                                    s.packConv3x3(wt, bias, cin, cout), Activation.LINEAR, got, 0,
                                    outH, outW, 0, outH);
                            double[][] want = naiveConv(in, h, w, cin, cout, false, wt, bias,
                                    stride, padTop, padLeft, outH, outW);
                            assertNear(want, got, 28, "conv cout=" + cout + " " + h + "x" + w
                                    + " s" + stride + " pads " + padTop + "," + padLeft);
                        }
                    }
                }
            }
        }
    }

    @Test
    void conv3x3HandWorkedCorner() {
        // 2x2x1 input {1,2;3,4}, one output channel, tap (ky,kx) weight = ky*3+kx+1, stride 2,
        // pad 1: the only output sees input (0,0) under tap (1,1)=5, (0,1) under (1,2)=6,
        // (1,0) under (2,1)=8, (1,1) under (2,2)=9: 5 + 12 + 24 + 36 = 77.
        float[] wt = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] out = new float[1];
        s.conv3x3(new float[] {1, 2, 3, 4}, 0, 2, 2, 2, 1, 1, s.packConv3x3(wt, null, 1, 1),
                Activation.LINEAR, out, 0, 1, 1, 0, 1);
        assertEquals(77f, out[0]);
        s.conv3x3(new float[] {1, 2, 3, 4}, 0, 2, 2, 2, 1, 1, s.packConv3x3(wt, null, 1, 1),
                Activation.RELU6, out, 0, 1, 1, 0, 1);
        assertEquals(6f, out[0]);
    }

    /**
     * The 1x1 convolution against a naive double-precision sum: bias, activation, then the
     * residual, for odd channel counts and pixel counts, whole and by channel ranges. Until
     * now the scalar pointwise was checked only against the vector kernels and real models.
     */
    @Test
    void pointwiseMatchesNaiveDouble() {
        SplittableRandom r = new SplittableRandom(44);
        for (int pixels : new int[] {1, 5, 13}) {
            for (int cin : new int[] {1, 3, 16, 17}) {
                for (int cout : new int[] {1, 4, 9, 24}) {
                    for (Activation act : Activation.values()) {
                        for (boolean residual : new boolean[] {false, true}) {
                            float[] in = random(r, pixels * cin, -3f, 3f);
                            float[] w = random(r, cin * cout, -1f, 1f);
                            float[] b = random(r, cout, -1f, 1f);
                            float[] res = residual ? random(r, pixels * cout, -2f, 2f) : null;
                            double[][] want = new double[2][pixels * cout];
                            for (int p = 0; p < pixels; p++) {
                                for (int co = 0; co < cout; co++) {
                                    double acc = b[co], mag = Math.abs(b[co]);
                                    for (int ci = 0; ci < cin; ci++) {
                                        double t = (double) in[p * cin + ci] * w[ci * cout + co];
                                        acc += t;
                                        mag += Math.abs(t);
                                    }
                                    if (act == Activation.RELU6) {
                                        acc = Math.min(Math.max(acc, 0), 6);
                                    }
                                    int i = p * cout + co;
                                    want[0][i] = acc + (residual ? res[i] : 0);
                                    want[1][i] = mag + (residual ? Math.abs(res[i]) : 0);
                                }
                            }
                            String what = pixels + "x" + cin + "x" + cout + " " + act
                                    + (residual ? " +r" : "");
                            PackedWeights pw = s.packPointwise(w, b, cin, cout);
                            float[] got = new float[pixels * cout];
                            s.pointwise(in, 0, pixels, pw, act, res, 0, got, 0);
                            assertNear(want, got, cin + 2, what);
                            int[] blocks = s.pointwiseChannelBlocks(pw);
                            float[] byRange = new float[pixels * cout];
                            for (int k = 0; k + 1 < blocks.length; k++) {
                                s.pointwiseChannels(in, 0, pixels, pw, blocks[k], blocks[k + 1],
                                        act, res, 0, byRange, 0);
                            }
                            assertArrayEquals(got, byRange, what + " by channel ranges");
                        }
                    }
                }
            }
        }
    }

    @Test
    void poolAndDenseMatchNaiveDouble() {
        SplittableRandom r = new SplittableRandom(33);
        int pixels = 7, c = 5;
        float[] in = random(r, pixels * c, -3f, 3f);
        float[] pooled = new float[c];
        s.globalAveragePool(in, 0, pixels, c, pooled, 0);
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int p = pixels - 1; p >= 0; p--) {
                sum += in[p * c + ch];
            }
            assertEquals(sum / pixels, pooled[ch], 1e-5, "pool ch " + ch);
        }
        assertArrayEquals(new float[] {2.5f}, poolOf(new float[] {1, 2, 3, 4}, 4, 1));

        int n = 6, k = 7; // a block of four outputs and three alone
        float[] x = random(r, n, -2f, 2f), w = random(r, n * k, -1f, 1f), b = random(r, k, -1f, 1f);
        float[] got = new float[k];
        s.dense(x, 0, s.packDense(w, b, n, k), got, 0);
        for (int o = 0; o < k; o++) {
            double acc = b[o];
            for (int i = n - 1; i >= 0; i--) {
                acc += (double) x[i] * w[i * k + o];
            }
            assertEquals(acc, got[o], 1e-5, "dense o " + o);
        }
        // Hand-worked: [1, 2] x [[1, 10], [100, 1000]] + [0.5, 0] = [201.5, 2010].
        float[] hand = new float[2];
        s.dense(new float[] {1, 2}, 0, s.packDense(new float[] {1, 10, 100, 1000},
                new float[] {0.5f, 0f}, 2, 2), hand, 0);
        assertArrayEquals(new float[] {201.5f, 2010f}, hand);
    }

    /**
     * The stem and the classifier sum four output channels at a time; each channel's sum must
     * keep the order of a one-channel loop, so every channel is bitwise what a layer of that
     * channel alone gives (the scalar results are the oracle, and fused against layer by layer
     * on the scalar kernels is bitwise).
     */
    @Test
    void conv3x3AndDenseChannelsAreBitwiseTheirOneChannelSums() {
        SplittableRandom r = new SplittableRandom(34);
        int h = 5, w = 6, cin = 3, cout = 11, stride = 2, outH = 3, outW = 3;
        float[] in = random(r, h * w * cin, -4f, 4f);
        float[] wt = random(r, 9 * cin * cout, -1f, 1f), bias = random(r, cout, -1f, 1f);
        float[] all = new float[outH * outW * cout];
        s.conv3x3(in, 0, h, w, stride, 1, 1, s.packConv3x3(wt, bias, cin, cout),
                Activation.RELU6, all, 0, outH, outW, 0, outH);
        int n = 37;
        float[] x = random(r, n, -2f, 2f), dw = random(r, n * cout, -1f, 1f);
        float[] dense = new float[cout];
        s.dense(x, 0, s.packDense(dw, bias, n, cout), dense, 0);
        for (int co = 0; co < cout; co++) {
            float[] wtOne = new float[9 * cin], dwOne = new float[n];
            for (int t = 0; t < 9 * cin; t++) {
                wtOne[t] = wt[t * cout + co];
            }
            for (int i = 0; i < n; i++) {
                dwOne[i] = dw[i * cout + co];
            }
            float[] one = new float[outH * outW];
            s.conv3x3(in, 0, h, w, stride, 1, 1,
                    s.packConv3x3(wtOne, new float[] {bias[co]}, cin, 1), Activation.RELU6, one,
                    0, outH, outW, 0, outH);
            for (int p = 0; p < outH * outW; p++) {
                assertEquals(Float.floatToRawIntBits(one[p]),
                        Float.floatToRawIntBits(all[p * cout + co]),
                        "conv pixel " + p + " ch " + co);
            }
            float[] denseOne = new float[1];
            s.dense(x, 0, s.packDense(dwOne, new float[] {bias[co]}, n, 1), denseOne, 0);
            assertEquals(Float.floatToRawIntBits(denseOne[0]), Float.floatToRawIntBits(dense[co]),
                    "dense output " + co);
        }
    }

    /**
     * The depthwise kernel decides which column taps exist once per output pixel and sums four
     * channels at a time; every output must still be bitwise what a plain one-channel loop gives
     * (bias, then the taps in {@code ky, kx} order, columns outside the row skipped, then the
     * activation), for whole rows and channel ranges alike: odd widths and channel counts, both
     * strides, both paddings (and a left padding wider than theirs, whose outermost pixels have
     * no column tap at all), negative inputs and weights.
     */
    @Test
    void depthwiseChannelsAreBitwiseTheirOneChannelSums() {
        SplittableRandom r = new SplittableRandom(35);
        int pre = 5, checked = 0;
        for (int w : new int[] {1, 2, 3, 7, 15}) {
            for (int c : new int[] {1, 3, 5, 16, 17}) {
                for (int stride = 1; stride <= 2; stride++) {
                    // padLeft and outW: TF_SAME's and SYMMETRIC's, then 2 and 3 columns with one
                    // and two more outputs than SYMMETRIC (pixels wholly left and right of the
                    // input)
                    int[][] pads = {
                        {Padding.TF_SAME.before(w, stride), Padding.TF_SAME.outputSize(w, stride)},
                        {Padding.SYMMETRIC.before(w, stride),
                                Padding.SYMMETRIC.outputSize(w, stride)},
                        {2, Padding.SYMMETRIC.outputSize(w, stride) + 1},
                        {3, Padding.SYMMETRIC.outputSize(w, stride) + 2}};
                    for (int[] pad : pads) {
                        for (Activation act : Activation.values()) {
                            checked += checkDepthwiseAgainstOneChannelLoop(r, pre, w, c, stride,
                                    pad[0], pad[1], act);
                        }
                    }
                }
            }
        }
        assertEquals(152_040, checked, "outputs compared (each by both entry points)");
    }

    /**
     * One layer ({@code w} rows of {@code w} pixels, padding rows as the zero row, as
     * {@code padLeft} pads columns) by {@link KernelSet#depthwiseRow} and by channel ranges of
     * {@link KernelSet#depthwiseRowChannels}, each output against {@link #oneChannelDepthwise}.
     * Returns how many outputs were compared.
     */
    private int checkDepthwiseAgainstOneChannelLoop(SplittableRandom r, int pre, int w, int c,
                                                    int stride, int padLeft, int outW,
                                                    Activation act) {
        float[] in = depthwiseInput(r, pre, w, w, c); // junk prefix, tensor in [-8, 8], zeros
        float[] wt = random(r, 9 * c, -0.5f, 0.5f), bias = random(r, c, -1f, 1f);
        PackedWeights pw = s.packDepthwise(wt, bias, c);
        int zero = pre + w * w * c, outH = outW, padTop = padLeft, rowFloats = outW * c;
        int[] cuts = {0, Math.min(1, c), Math.min(c, 6), c}; // ranges [0, 1), [1, 6), [6, c)
        int compared = 0;
        for (int y = 0; y < outH; y++) {
            int[] rows = new int[3];
            for (int ky = 0; ky < 3; ky++) {
                int iy = y * stride - padTop + ky;
                rows[ky] = iy >= 0 && iy < w ? pre + iy * w * c : zero;
            }
            float[] want = oneChannelDepthwise(in, rows, w, c, stride, padLeft, wt, bias, act,
                    outW);
            float[] whole = filled(pre + rowFloats + pre, SENTINEL);
            s.depthwiseRow(in, rows[0], rows[1], rows[2], w, stride, padLeft, pw, act, whole,
                    pre, outW);
            float[] ranges = filled(pre + rowFloats + pre, SENTINEL);
            for (int i = 0; i + 1 < cuts.length; i++) {
                s.depthwiseRowChannels(in, rows[0], rows[1], rows[2], w, stride, padLeft, pw,
                        cuts[i], cuts[i + 1], act, ranges, pre, outW);
            }
            // one range alone, from an odd channel: the ranges above cover every channel, so
            // a stray write by one could be overwritten by the next
            int from = Math.min(1, c), to = Math.min(c, 6);
            float[] one = filled(pre + rowFloats + pre, SENTINEL);
            s.depthwiseRowChannels(in, rows[0], rows[1], rows[2], w, stride, padLeft, pw, from,
                    to, act, one, pre, outW);
            String what = "w=" + w + " c=" + c + " s" + stride + " padLeft " + padLeft
                    + " outW " + outW + " " + act + " row " + y;
            for (int i = 0; i < rowFloats; i++) {
                String at = what + " pixel " + i / c + " ch " + i % c;
                int bits = Float.floatToRawIntBits(want[i]);
                assertEquals(bits, Float.floatToRawIntBits(whole[pre + i]), at + " (whole row)");
                assertEquals(bits, Float.floatToRawIntBits(ranges[pre + i]), at + " (ranges)");
                boolean inside = i % c >= from && i % c < to;
                assertEquals(inside ? bits : Float.floatToRawIntBits(SENTINEL),
                        Float.floatToRawIntBits(one[pre + i]), at + " (range [" + from + ", "
                                + to + ") alone)");
                compared++;
            }
            for (int i = 0; i < pre; i++) {
                assertEquals(SENTINEL, whole[i], what + ": wrote before the row");
                assertEquals(SENTINEL, whole[pre + rowFloats + i], what + ": wrote after it");
                assertEquals(SENTINEL, ranges[i], what + ": wrote before the row (ranges)");
                assertEquals(SENTINEL, ranges[pre + rowFloats + i], what + ": after it (ranges)");
                assertEquals(SENTINEL, one[i], what + ": wrote before the row (one range)");
                assertEquals(SENTINEL, one[pre + rowFloats + i], what + ": after it (one range)");
            }
        }
        return compared;
    }

    /**
     * The depthwise row as the plainest loop: one channel at a time, bias then the taps in
     * {@code ky, kx} order, columns outside {@code [0, inW)} skipped, then the activation.
     */
    private static float[] oneChannelDepthwise(float[] src, int[] rows, int inW, int c,
                                               int stride, int padLeft, float[] wt,
                                               float[] bias, Activation act, int outW) {
        float[] out = new float[outW * c];
        for (int x = 0; x < outW; x++) {
            for (int ch = 0; ch < c; ch++) {
                float acc = bias[ch];
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = x * stride - padLeft + kx;
                        if (ix >= 0 && ix < inW) {
                            acc += src[rows[ky] + ix * c + ch] * wt[(ky * 3 + kx) * c + ch];
                        }
                    }
                }
                out[x * c + ch] = act.apply(acc);
            }
        }
        return out;
    }

    private float[] poolOf(float[] in, int pixels, int c) {
        float[] out = new float[c];
        s.globalAveragePool(in, 0, pixels, c, out, 0);
        return out;
    }

    @Test
    void relu6AndAddEdgeCases() {
        float[] a = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -1f, 3f, 6f, 9f};
        s.relu6(a, 0, a.length);
        assertEquals(Float.NaN, a[0]);
        assertArrayEquals(new float[] {6f, 0f, 0f, 3f, 6f, 6f},
                java.util.Arrays.copyOfRange(a, 1, 7));
        float[] b = {-5f, 7f, 8f};
        s.relu6(b, 1, 1); // only the middle element
        assertArrayEquals(new float[] {-5f, 6f, 8f}, b);

        float[] out = {9f, 9f, 9f, 9f};
        s.add(new float[] {1f, 2f, 3f}, 1, new float[] {10f, 20f}, 0, out, 1, 2);
        assertArrayEquals(new float[] {9f, 12f, 23f, 9f}, out);
        float[] self = {1f, Float.POSITIVE_INFINITY};
        s.add(self, 0, new float[] {2f, Float.NEGATIVE_INFINITY}, 0, self, 0, 2);
        assertEquals(3f, self[0]);
        assertEquals(Float.NaN, self[1]);
    }

    /**
     * Naive double-precision 3x3 convolution over an explicitly zero-padded copy of the input
     * (no bounds tests). {@code depthwise}: weights {@code [t][c]}, else {@code [t][cin][cout]}.
     * Returns per output element {value, sum |terms|}.
     */
    private static double[][] naiveConv(float[] in, int h, int w, int cin, int cout,
                                        boolean depthwise, float[] wt, float[] bias, int stride,
                                        int padTop, int padLeft, int outH, int outW) {
        int ph = outH * stride + 3, pw = outW * stride + 3; // room for any window
        double[] padded = new double[ph * pw * cin];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ci = 0; ci < cin; ci++) {
                    int py = y + padTop, px = x + padLeft;
                    if (py < ph && px < pw) {
                        padded[(py * pw + px) * cin + ci] = in[(y * w + x) * cin + ci];
                    }
                }
            }
        }
        int co = depthwise ? cin : cout;
        double[][] res = new double[2][outH * outW * co];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                for (int o = 0; o < co; o++) {
                    double v = bias[o], mag = Math.abs(bias[o]);
                    for (int t = 0; t < 9; t++) {
                        int py = oy * stride + t / 3, px = ox * stride + t % 3;
                        if (depthwise) {
                            double term = padded[(py * pw + px) * cin + o] * wt[t * cin + o];
                            v += term;
                            mag += Math.abs(term);
                        } else {
                            for (int ci = 0; ci < cin; ci++) {
                                double term = padded[(py * pw + px) * cin + ci]
                                        * wt[(t * cin + ci) * cout + o];
                                v += term;
                                mag += Math.abs(term);
                            }
                        }
                    }
                    int idx = (oy * outW + ox) * co + o;
                    res[0][idx] = v;
                    res[1][idx] = mag;
                }
            }
        }
        return res;
    }

    private static void assertNear(double[][] want, float[] got, int terms, String what) {
        for (int i = 0; i < got.length; i++) {
            double tol = (terms + 1) * (double) EPS * want[1][i] + 1e-30;
            if (!(Math.abs(got[i] - want[0][i]) <= tol)) {
                fail(what + ": element " + i + " is " + got[i] + ", naive " + want[0][i]);
            }
        }
    }
}
