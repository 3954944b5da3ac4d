package dev.mobilenetsimd.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The documented NaN / ±Inf semantics ({@link KernelSet}, {@link Activation}) in both backends.
 *
 * <p>Every kernel computes plain IEEE float arithmetic, so a NaN input makes NaN of every output
 * it feeds, an infinite input makes ±Inf (or NaN where {@code +Inf} meets {@code -Inf}, or
 * {@code 0 * Inf}); then the store epilogue applies the activation with {@link Math#max} /
 * {@link Math#min} rules: ReLU6 of NaN is NaN, of {@code +Inf} 6, of {@code -Inf} 0; LINEAR,
 * pool, dense and add pass NaN and ±Inf through. The residual is added after the activation, so a
 * non-finite residual reaches the output unchanged (plus the finite activation).
 *
 * <p>Two parts: explicit examples of each rule for every kernel and both backends, over channel
 * and pixel counts that reach every tile, panel and masked-tail path; and fuzzing (same shapes as
 * {@link KernelFuzzTest}, with NaN and ±Inf sprinkled into inputs, weights, biases and residuals)
 * asserting that scalar and vector put bit-identical NaN / ±Inf at the same positions as a double
 * oracle, and agree within tolerance everywhere else.
 */
class NonFiniteTest {
    private static final KernelSet VEC = KernelSets.vector();
    private static final KernelSet SCA = KernelSets.scalar();
    private static final List<KernelSet> BOTH = List.of(SCA, VEC);
    private static final int L = VEC.vectorBitSize() / Float.SIZE;
    private static final float[] SPECIAL =
            {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    private static final String FLAGS = FuzzSupport.vectorBitsFlag();

    private static int[] channelCounts() {
        return new int[] {1, 2, L - 1, L, L + 1, 2 * L + 3, 3 * L, 3 * L + 1, 4 * L + 5, 7 * L + 3};
    }

    private static float expected(Activation act, float x) {
        return act.apply(x);
    }

    private static void assertSame(float want, float got, String what) {
        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got),
                () -> what + ": got " + got + ", expected " + want);
    }

    @Test
    void activationRules() {
        assertTrue(Float.isNaN(Activation.RELU6.apply(Float.NaN)));
        assertEquals(6f, Activation.RELU6.apply(Float.POSITIVE_INFINITY));
        assertEquals(0f, Activation.RELU6.apply(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Activation.LINEAR.apply(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Activation.LINEAR.apply(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, Activation.LINEAR.apply(Float.NEGATIVE_INFINITY));
    }

    /** Pointwise with cin = 1 and unit weights: output = act(x[p]) (+ residual). */
    @Test
    void pointwiseEpilogue() {
        for (KernelSet k : BOTH) {
            for (int cout : channelCounts()) {
                float[] w = new float[cout];
                Arrays.fill(w, 1f);
                PackedWeights pw = k.packPointwise(w, null, 1, cout);
                for (int pixels : new int[] {1, 6, 7, 13, 14, 15, 29}) {
                    float[] in = new float[pixels];
                    for (int p = 0; p < pixels; p++) {
                        in[p] = p % 4 == 3 ? 2.5f : SPECIAL[p % 4];
                    }
                    for (Activation act : Activation.values()) {
                        for (int resMode = 0; resMode < 3; resMode++) {
                            // residual: none, finite 1.5, or the special values themselves
                            float[] res = resMode == 0 ? null : new float[pixels * cout];
                            if (res != null) {
                                for (int i = 0; i < res.length; i++) {
                                    res[i] = resMode == 1 ? 1.5f : SPECIAL[(i / cout + 1) % 3];
                                }
                            }
                            float[] out = new float[pixels * cout];
                            k.pointwise(in, 0, pixels, pw, act, res, 0, out, 0);
                            for (int p = 0; p < pixels; p++) {
                                for (int co = 0; co < cout; co++) {
                                    float want = expected(act, in[p]);
                                    if (res != null) {
                                        want += res[p * cout + co];
                                    }
                                    assertSame(want, out[p * cout + co],
                                            k.name() + " pointwise cout=" + cout + " pixels="
                                            + pixels + " " + act + " residual mode " + resMode
                                            + " pixel " + p + " channel " + co + " input " + in[p]);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Depthwise with all-one taps over zeros and one special column: act(special) where it reaches.
     */
    @Test
    void depthwiseEpilogue() {
        for (KernelSet k : BOTH) {
            for (int c : channelCounts()) {
                float[] w = new float[9 * c];
                Arrays.fill(w, 1f);
                PackedWeights pw = k.packDepthwise(w, null, c);
                for (int stride = 1; stride <= 2; stride++) {
                    int inW = 13;
                    int outW = (inW + 2 - 3) / stride + 1;
                    for (float s : SPECIAL) {
                        for (int x0 = 0; x0 < inW; x0 += 3) {
                            float[] src = new float[4 * inW * c]; // rows 0..2, then the zero row
                            int row = x0 % 3; // the special sits in top, mid or bottom row
                            Arrays.fill(src, row * inW * c + x0 * c,
                                    row * inW * c + (x0 + 1) * c, s);
                            for (Activation act : Activation.values()) {
                                float[] out = new float[outW * c];
                                k.depthwiseRow(src, 0, inW * c, 2 * inW * c, inW, stride, 1, pw,
                                        act, out, 0, outW);
                                for (int x = 0; x < outW; x++) {
                                    int first = x * stride - 1;
                                    boolean hit = x0 >= first && x0 <= first + 2;
                                    for (int ch = 0; ch < c; ch++) {
                                        assertSame(hit ? expected(act, s) : 0f, out[x * c + ch],
                                                k.name() + " depthwise c=" + c + " stride=" + stride
                                                        + " special " + s + " at column " + x0 + " "
                                                        + act + " output " + x + " channel " + ch);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The stem: all-one weights, one special input pixel; act(special) in every output it reaches.
     */
    @Test
    void conv3x3Epilogue() {
        for (KernelSet k : BOTH) {
            for (int cout : channelCounts()) {
                int cin = 3, inH = 6, inW = 11, stride = 2, outH = 3, outW = 6;
                float[] w = new float[9 * cin * cout];
                Arrays.fill(w, 1f);
                PackedWeights pw = k.packConv3x3(w, null, cin, cout);
                for (float s : SPECIAL) {
                    for (int y0 = 0; y0 < inH; y0 += 2) {
                        for (int x0 = 0; x0 < inW; x0 += 3) {
                            float[] in = new float[inH * inW * cin];
                            in[(y0 * inW + x0) * cin + y0 % cin] = s;
                            for (Activation act : Activation.values()) {
                                float[] out = new float[outH * outW * cout];
                                k.conv3x3(in, 0, inH, inW, stride, 0, 1, pw, act, out, 0, outH,
                                        outW, 0, outH);
                                for (int y = 0; y < outH; y++) {
                                    for (int x = 0; x < outW; x++) {
                                        boolean hit = y0 >= y * stride && y0 <= y * stride + 2
                                                && x0 >= x * stride - 1 && x0 <= x * stride + 1;
                                        for (int co = 0; co < cout; co++) {
                                            assertSame(hit ? expected(act, s) : 0f,
                                                    out[(y * outW + x) * cout + co],
                                                    k.name() + " conv3x3 cout="
                                                            + cout + " special " + s + " at " + y0
                                                            + "," + x0 + " " + act + " output " + y
                                                            + "," + x + "," + co);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Pool and dense have no activation: NaN and ±Inf pass; +Inf and -Inf together make NaN. */
    @Test
    void poolAndDensePropagate() {
        for (KernelSet k : BOTH) {
            for (int c : channelCounts()) {
                int pixels = 5;
                float[] in = new float[pixels * c];
                for (int ch = 0; ch < c; ch++) {
                    in[(ch % pixels) * c + ch] = SPECIAL[ch % 3];
                    if (ch % 4 == 3) {
                        in[((ch + 1) % pixels) * c + ch] = -SPECIAL[ch % 3]; // +Inf with -Inf
                    }
                }
                float[] mean = new float[c];
                k.globalAveragePool(in, 0, pixels, c, mean, 0);
                for (int ch = 0; ch < c; ch++) {
                    float want = ch % 4 == 3 && ch % 3 != 0 ? Float.NaN : SPECIAL[ch % 3];
                    assertSame(want, mean[ch], k.name() + " pool c=" + c + " channel " + ch);
                }
                // dense: unit weights, one special input -> every output is that special
                int outF = c + 3;
                float[] w = new float[c * outF];
                Arrays.fill(w, 1f);
                PackedWeights pw = k.packDense(w, null, c, outF);
                for (float s : SPECIAL) {
                    float[] x = new float[c];
                    x[c / 2] = s;
                    float[] out = new float[outF];
                    k.dense(x, 0, pw, out, 0);
                    for (int o = 0; o < outF; o++) {
                        assertSame(s, out[o],
                                k.name() + " dense in=" + c + " special " + s + " output " + o);
                    }
                }
            }
        }
    }

    // ---- fuzz: positions of NaN / ±Inf agree across backends and with the oracle ----------------

    @Test
    void pointwiseFuzz() {
        assertTrue(FuzzSupport.run("NonFiniteTest#pointwiseFuzz", 120, FLAGS,
                r -> KernelFuzzTest.pointwiseCase(r, true)) > 0);
    }

    @Test
    void depthwiseFuzz() {
        assertTrue(FuzzSupport.run("NonFiniteTest#depthwiseFuzz", 200, FLAGS,
                r -> KernelFuzzTest.depthwiseCase(r, true)) > 0);
    }

    @Test
    void conv3x3Fuzz() {
        assertTrue(FuzzSupport.run("NonFiniteTest#conv3x3Fuzz", 150, FLAGS,
                r -> KernelFuzzTest.conv3x3Case(r, true)) > 0);
    }

    @Test
    void denseFuzz() {
        assertTrue(FuzzSupport.run("NonFiniteTest#denseFuzz", 120, FLAGS,
                r -> KernelFuzzTest.denseCase(r, true)) > 0);
    }
}
