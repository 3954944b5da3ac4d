package dev.mobilenetsimd.kernels;

import static dev.mobilenetsimd.kernels.FuzzSupport.fill;
import static dev.mobilenetsimd.kernels.FuzzSupport.gen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.FuzzSupport.Gen;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property tests of every vector kernel against its scalar twin (and both against a double
 * oracle), on random shapes, channels, strides, paddings, offsets, activations and residual modes,
 * with values that include ±0, subnormals, tiny and very large magnitudes, exact integers and the
 * ReLU6 edges 0 and 6.
 *
 * <p><b>Properties checked per case.</b>
 * <ul>
 *   <li>Accumulating kernels (pointwise, depthwise, conv3x3, dense): every output element of the
 *       scalar kernel is within {@code B = (terms + 2) * eps * M + (terms + 2) * MIN_VALUE} (plus
 * one rounding of the result) of a double oracle, {@code M} being {@code |bias| + sum |x * w|}
 *       ({@code + |residual|}); the vector result is within {@code 2B} of the scalar one. ReLU6 is
 *       1-Lipschitz so the bound survives it.</li>
 *   <li>Exact kernels (pool, relu6, add): vector and scalar bit-identical (NaN compared as NaN),
 *       values including NaN and ±Inf.</li>
 *   <li>Every element outside the documented output (guard floats before and after, rows of
 *       conv3x3 outside {@code [rowStart, rowEnd)}) keeps its sentinel; inputs are unchanged.</li>
 *   <li>Inputs sit at random offsets between NaN junk (sometimes flush with the array end), so a
 *       kernel that reads outside its operands produces NaN or throws.</li>
 * </ul>
 *
 * <p><b>No overflow by construction</b>: inputs, weights and biases are bounded by {@value #LARGE},
 * so every product is below 1e32 and every sum of the at most a few thousand terms here below
 * 1e36, far from {@code Float.MAX_VALUE}; infinities and NaN are the business of
 * {@code NonFiniteTest}. Comparisons therefore never meet an overflowed value.
 *
 * <p><b>Why this class lives in the kernels package</b> (and so runs four times: at the preferred
 * width and again at 128, 256 and 512 bits): the vector kernels' tile, panel and tail paths depend
 * on the lane count, so each width is a different program. The defaults (about 2,700 cases per
 * width) keep each run to a few seconds; {@code -Dmobilenet.fuzz.cases=N} sets every method's
 * count and {@code -Dmobilenet.fuzz.seed=S} replays (see {@link FuzzSupport}).
 */
class KernelFuzzTest {
    private static final KernelSet VEC = KernelSets.vector();
    private static final KernelSet SCA = KernelSets.scalar();
    private static final int L = VEC.vectorBitSize() / Float.SIZE;
    private static final double EPS = Math.ulp(1f);
    static final float LARGE = 1e16f;
    private static final float SENTINEL = -12345.5f;
    private static final String FLAGS = FuzzSupport.vectorBitsFlag();

    // ---- helpers -------------------------------------------------------------------------------

    /**
     * {@code n} floats at a random offset between NaN
     * junk; returns the array, offset in {@code off[0]}.
     */
    private static float[] embed(SplittableRandom r, float[] data, int[] off) {
        int pre = r.nextInt(4) == 0 ? 0 : r.nextInt(1, 9);
        int post = r.nextInt(3) == 0 ? 0 : r.nextInt(1, 9);
        float[] a = new float[pre + data.length + post];
        Arrays.fill(a, Float.NaN);
        System.arraycopy(data, 0, a, pre, data.length);
        off[0] = pre;
        return a;
    }

    /**
     * An output array of {@code n} sentinel floats with random guards; offset in {@code off[0]}.
     */
    private static float[] outArray(SplittableRandom r, int n, int[] off) {
        int pre = r.nextInt(4) == 0 ? 0 : r.nextInt(1, 9);
        int post = r.nextInt(3) == 0 ? 0 : r.nextInt(1, 9);
        float[] a = new float[pre + n + post];
        Arrays.fill(a, SENTINEL);
        off[0] = pre;
        return a;
    }

    private static double act(Activation a, double x) {
        return a == Activation.RELU6 ? Math.min(Math.max(x, 0), 6) : x;
    }

    /**
     * Compares outputs: where {@code mag[i] < 0} the element must be untouched (equal to
     * {@code initial}) in both; elsewhere scalar within
     * B of {@code ref}, vector within 2B of scalar.
     */
    private static void compare(String what, float[] initial, float[] sca, float[] vec,
                                double[] ref, double[] mag, int terms) {
        for (int i = 0; i < sca.length; i++) {
            if (mag[i] < 0) {
                if (Float.floatToIntBits(sca[i]) != Float.floatToIntBits(initial[i])
                        || Float.floatToIntBits(vec[i]) != Float.floatToIntBits(initial[i])) {
                    throw new AssertionError(what + ": element " + i
                            + " outside the output was written" + " (scalar " + sca[i]
                            + ", vector " + vec[i] + ", was " + initial[i] + ")");
                }
                continue;
            }
            if (!Double.isFinite(ref[i]) || !Float.isFinite(sca[i]) || !Float.isFinite(vec[i])) {
                // NaN / ±Inf (NonFiniteTest): both backends give exactly the IEEE result of the
                // double oracle, which applies ReLU6 with Math.max/min rules.
                int want = Float.floatToIntBits((float) ref[i]);
                if (Float.floatToIntBits(sca[i]) != want || Float.floatToIntBits(vec[i]) != want) {
                    throw new AssertionError(what + ": element " + i + ": scalar " + sca[i]
                            + ", vector " + vec[i] + ", expected " + (float) ref[i]);
                }
                continue;
            }
            double bound = (terms + 2) * EPS * mag[i] + (terms + 2) * (double) Float.MIN_VALUE;
            double s = sca[i], v = vec[i];
            if (!(Math.abs(s - ref[i]) <= bound + EPS * Math.abs(ref[i]))) {
                throw new AssertionError(what + ": element " + i + ": scalar " + sca[i]
                        + " but exact " + ref[i] + " (bound " + bound + ", magnitude "
                        + mag[i] + ")");
            }
            if (!(Math.abs(v - s) <= 2 * bound + EPS * Math.abs(s))) {
                throw new AssertionError(what + ": element " + i + ": vector " + vec[i]
                        + " but scalar " + sca[i] + " (tolerance " + (2 * bound + EPS * Math.abs(s))
                        + ", magnitude " + mag[i] + ", exact " + ref[i] + ")");
            }
        }
    }

    private static void assertBitEqual(String what, float[] sca, float[] vec) {
        for (int i = 0; i < sca.length; i++) {
            if (Float.floatToIntBits(sca[i]) != Float.floatToIntBits(vec[i])) {
                throw new AssertionError(what + ": element " + i + ": vector " + vec[i] + " ("
                        + Integer.toHexString(Float.floatToRawIntBits(vec[i])) + "), scalar "
                        + sca[i] + " ("
                        + Integer.toHexString(Float.floatToRawIntBits(sca[i])) + ")");
            }
        }
    }

    private static double[] guardsOnly(int n) {
        double[] m = new double[n];
        Arrays.fill(m, -1);
        return m;
    }

    // ---- pointwise ---------------------------------------------------------------------------

    @Test
    void pointwise() {
        int n = FuzzSupport.run("KernelFuzzTest#pointwise", 300, FLAGS,
                r -> pointwiseCase(r, false));
        assertTrue(n > 0);
    }

    static void pointwiseCase(SplittableRandom r, boolean nonFinite) {
        int cin, cout, pixels;
        int shape = r.nextInt(100);
        if (shape < 2) { // chunked (cin + cout large): several pixel chunks per call
            cin = r.nextInt(300, 480);
            cout = r.nextInt(300, 480);
            pixels = r.nextInt(43, 100);
        } else {
            cin = shape < 4 ? 0 : shape < 14 ? r.nextInt(41, 130) : r.nextInt(1, 41);
            cout = shape % 2 == 0 ? r.nextInt(1, 2 * L + 3) : r.nextInt(1, 13 * L);
            pixels = r.nextInt(10) == 0 ? r.nextInt(60, 160) : r.nextInt(1, 60);
        }
        Gen g = nonFinite ? sprinkleNonFinite(r, gen(r, 4f, LARGE)) : gen(r, 4f, LARGE);
        float[] w = fill(r, g, cin * cout);
        float[] bias = r.nextInt(10) == 0 ? null : fill(r, g, cout);
        Activation act = r.nextBoolean() ? Activation.RELU6 : Activation.LINEAR;
        int mode = r.nextInt(3); // 0 none, 1 separate residual, 2 residual aliases out
        int[] o = new int[1];
        float[] in = embed(r, fill(r, g, pixels * cin), o);
        int inOff = o[0];
        float[] resData = mode == 0 ? null : fill(r, g, pixels * cout);
        float[] out = outArray(r, pixels * cout, o);
        int outOff = o[0];
        float[] res = null;
        int resOff = 0;
        if (mode == 1) {
            res = embed(r, resData, o);
            resOff = o[0];
        } else if (mode == 2) {
            System.arraycopy(resData, 0, out, outOff, resData.length);
            res = out;
            resOff = outOff;
        }
        String what = "pointwise cin=" + cin + " cout=" + cout + " pixels=" + pixels + " " + act
                + " residual=" + (mode == 0 ? "none" : mode == 1 ? "separate" : "aliases-out")
                + " bias=" + (bias != null) + " inOff=" + inOff + " outOff=" + outOff;

        double[] ref = new double[out.length], mag = guardsOnly(out.length);
        for (int p = 0; p < pixels; p++) {
            for (int co = 0; co < cout; co++) {
                double b = bias == null ? 0 : bias[co];
                double s = b, m = Math.abs(b);
                for (int ci = 0; ci < cin; ci++) {
                    double t = (double) in[inOff + p * cin + ci] * w[ci * cout + co];
                    s += t;
                    m += Math.abs(t);
                }
                double v = act(act, s);
                if (resData != null) {
                    v += resData[p * cout + co];
                    m += Math.abs(resData[p * cout + co]);
                }
                ref[outOff + p * cout + co] = v;
                mag[outOff + p * cout + co] = m;
            }
        }
        float[] inCopy = in.clone();
        float[] resCopy = mode == 1 ? res.clone() : null;
        float[] initial = out.clone();
        float[] outS = out.clone();
        float[] outV = out.clone();
        PackedWeights ps = SCA.packPointwise(w, bias, cin, cout);
        PackedWeights pv = VEC.packPointwise(w, bias, cin, cout);
        SCA.pointwise(in, inOff, pixels, ps, act, mode == 2 ? outS : res, resOff, outS, outOff);
        VEC.pointwise(in, inOff, pixels, pv, act, mode == 2 ? outV : res, resOff, outV, outOff);
        compare(what, initial, outS, outV, ref, mag, cin);
        assertArrayEquals(inCopy, in, what + ": input modified");
        if (resCopy != null) {
            assertArrayEquals(resCopy, res, what + ": residual modified");
        }
    }

    // ---- depthwise ---------------------------------------------------------------------------

    @Test
    void depthwiseRow() {
        int n = FuzzSupport.run("KernelFuzzTest#depthwiseRow", 500, FLAGS,
                r -> depthwiseCase(r, false));
        assertTrue(n > 0);
    }

    static void depthwiseCase(SplittableRandom r, boolean nonFinite) {
        int k = r.nextInt(10);
        int c = k < 5 ? r.nextInt(1, 2 * L + 2)
                : k < 9 ? r.nextInt(1, 5 * L + 1) : r.nextInt(1, 100);
        int inW = r.nextInt(10) == 0 ? r.nextInt(30, 70) : r.nextInt(1, 30);
        int stride = r.nextInt(10) == 0 ? 3 : r.nextInt(1, 3);
        int padLeft = r.nextInt(10) == 0 ? 2 : r.nextInt(2);
        int padRight = r.nextInt(3);
        int outW = Math.max(1, Math.floorDiv(inW + padLeft + padRight - 3, stride) + 1);
        Gen g = nonFinite ? sprinkleNonFinite(r, gen(r, 4f, LARGE)) : gen(r, 4f, LARGE);
        float[] w = fill(r, g, 9 * c);
        float[] bias = r.nextInt(10) == 0 ? null : fill(r, g, c);
        Activation act = r.nextBoolean() ? Activation.RELU6 : Activation.LINEAR;

        // src: NaN junk, three distinct input rows and a zero row, each after a junk gap.
        int rowLen = inW * c;
        int[] rowOff = new int[4];
        int pos = 0;
        for (int i = 0; i < 4; i++) {
            pos += r.nextInt(3) == 0 ? 0 : r.nextInt(1, 7);
            rowOff[i] = pos;
            pos += rowLen;
        }
        int tail = r.nextInt(3) == 0 ? 0 : r.nextInt(1, 7);
        float[] src = new float[pos + tail];
        Arrays.fill(src, Float.NaN);
        for (int i = 0; i < 3; i++) {
            float[] row = fill(r, g, rowLen);
            System.arraycopy(row, 0, src, rowOff[i], rowLen);
        }
        Arrays.fill(src, rowOff[3], rowOff[3] + rowLen, 0f);
        int[] rows = new int[3];
        for (int ky = 0; ky < 3; ky++) {
            rows[ky] = r.nextInt(5) == 0 ? rowOff[3] : rowOff[r.nextInt(3)];
        }
        int[] o = new int[1];
        float[] out = outArray(r, outW * c, o);
        int outOff = o[0];
        String what = "depthwiseRow c=" + c + " inW=" + inW + " stride=" + stride + " padLeft="
                + padLeft + " outW=" + outW + " " + act + " rows=" + Arrays.toString(rows)
                + " zeroRow=" + rowOff[3] + " bias=" + (bias != null) + " outOff=" + outOff;

        double[] ref = new double[out.length], mag = guardsOnly(out.length);
        for (int x = 0; x < outW; x++) {
            for (int ch = 0; ch < c; ch++) {
                double b = bias == null ? 0 : bias[ch];
                double s = b, m = Math.abs(b);
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = x * stride - padLeft + kx;
                        if (ix >= 0 && ix < inW) {
                            double t = (double) src[rows[ky] + ix * c + ch]
                                    * w[(ky * 3 + kx) * c + ch];
                            s += t;
                            m += Math.abs(t);
                        }
                    }
                }
                ref[outOff + x * c + ch] = act(act, s);
                mag[outOff + x * c + ch] = m;
            }
        }
        float[] srcCopy = src.clone();
        float[] initial = out.clone();
        float[] outS = out.clone();
        float[] outV = out.clone();
        SCA.depthwiseRow(src, rows[0], rows[1], rows[2], inW, stride, padLeft,
                SCA.packDepthwise(w, bias, c), act, outS, outOff, outW);
        VEC.depthwiseRow(src, rows[0], rows[1], rows[2], inW, stride, padLeft,
                VEC.packDepthwise(w, bias, c), act, outV, outOff, outW);
        compare(what, initial, outS, outV, ref, mag, 9);
        assertArrayEquals(srcCopy, src, what + ": input modified");
    }

    /**
     * The row-pair kernel is, bit for bit, the two single-row calls it replaces (so the single-row
     * properties above carry over): both output rows, the guards around them and the floats between
     * them, for strides 1 and 2, on five input rows drawn from four distinct rows and the zero row.
     */
    @Test
    void depthwiseRowPair() {
        int n = FuzzSupport.run("KernelFuzzTest#depthwiseRowPair", 300, FLAGS,
                KernelFuzzTest::depthwisePairCase);
        assertTrue(n > 0);
    }

    static void depthwisePairCase(SplittableRandom r) {
        int c = r.nextBoolean() ? r.nextInt(1, 2 * L + 2) : r.nextInt(1, 5 * L + 1);
        int inW = r.nextInt(10) == 0 ? r.nextInt(30, 70) : r.nextInt(1, 30);
        int stride = r.nextInt(1, 3);
        int padLeft = r.nextInt(2);
        int outW = Math.max(1, Math.floorDiv(inW + padLeft + r.nextInt(2) - 3, stride) + 1);
        Gen g = gen(r, 4f, LARGE);
        float[] w = fill(r, g, 9 * c);
        float[] bias = r.nextInt(10) == 0 ? null : fill(r, g, c);
        Activation act = r.nextBoolean() ? Activation.RELU6 : Activation.LINEAR;
        int rowLen = inW * c;
        float[] src = new float[5 * (rowLen + 3) + 3];
        Arrays.fill(src, Float.NaN);
        int[] distinct = new int[5];
        for (int i = 0; i < 5; i++) {
            distinct[i] = 3 + i * (rowLen + 3);
            if (i < 4) {
                System.arraycopy(fill(r, g, rowLen), 0, src, distinct[i], rowLen);
            } else {
                Arrays.fill(src, distinct[i], distinct[i] + rowLen, 0f);
            }
        }
        int[] rows = new int[5];
        for (int i = 0; i < 5; i++) {
            rows[i] = distinct[r.nextInt(5)];
        }
        int gap = r.nextInt(4);
        int outA = r.nextInt(3), outB = outA + outW * c + gap;
        float[] out = new float[outB + outW * c + r.nextInt(3)];
        Arrays.fill(out, SENTINEL);
        String what = "depthwiseRowPair c=" + c + " inW=" + inW + " stride=" + stride + " padLeft="
                + padLeft + " outW=" + outW + " " + act + " rows=" + Arrays.toString(rows);
        for (KernelSet k : new KernelSet[] {VEC, SCA}) {
            PackedWeights pw = k.packDepthwise(w, bias, c);
            float[] pair = out.clone(), single = out.clone();
            k.depthwiseRowPair(src, rows[0], rows[1], rows[2], rows[3], rows[4], inW, stride,
                    padLeft, pw, act, pair, outA, outB, outW);
            int b = stride == 1 ? 1 : 2;
            k.depthwiseRow(src, rows[0], rows[1], rows[2], inW, stride, padLeft, pw, act, single,
                    outA, outW);
            k.depthwiseRow(src, rows[b], rows[b + 1], rows[b + 2], inW, stride, padLeft, pw, act,
                    single, outB, outW);
            assertArrayEquals(single, pair, k.name() + " " + what);
        }
    }

    @Test
    void depthwiseRowPairRejectsOtherStrides() {
        for (KernelSet k : new KernelSet[] {VEC, SCA}) {
            PackedWeights pw = k.packDepthwise(new float[9], null, 1);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> k.depthwiseRowPair(new float[9], 0, 0,
                            0, 0, 0, 3, 3, 0, pw, Activation.LINEAR, new float[2], 0, 1, 1));
            assertTrue(e.getMessage().contains("stride 1 or 2"), e.getMessage());
        }
    }

    // ---- conv3x3 -------------------------------------------------------------------------------

    @Test
    void conv3x3() {
        int n = FuzzSupport.run("KernelFuzzTest#conv3x3", 300, FLAGS, r -> conv3x3Case(r, false));
        assertTrue(n > 0);
    }

    static void conv3x3Case(SplittableRandom r, boolean nonFinite) {
        int cin = r.nextInt(10) == 0 ? r.nextInt(6, 9) : r.nextInt(1, 6);
        int cout = r.nextBoolean() ? r.nextInt(1, 3 * L + 3) : r.nextInt(1, 50);
        int inH = r.nextInt(1, 11), inW = r.nextInt(1, 21);
        int stride = r.nextInt(10) == 0 ? 3 : r.nextInt(1, 3);
        int padTop = r.nextInt(10) == 0 ? 2 : r.nextInt(2);
        int padLeft = r.nextInt(10) == 0 ? 2 : r.nextInt(2);
        int outH = Math.max(1, Math.floorDiv(inH + padTop + r.nextInt(3) - 3, stride) + 1);
        int outW = Math.max(1, Math.floorDiv(inW + padLeft + r.nextInt(3) - 3, stride) + 1);
        int rowStart = r.nextInt(outH);
        int rowEnd = r.nextInt(4) == 0 ? outH : r.nextInt(rowStart, outH + 1);
        Gen g = nonFinite ? sprinkleNonFinite(r, gen(r, 4f, LARGE)) : gen(r, 4f, LARGE);
        float[] w = fill(r, g, 9 * cin * cout);
        float[] bias = r.nextInt(10) == 0 ? null : fill(r, g, cout);
        Activation act = r.nextBoolean() ? Activation.RELU6 : Activation.LINEAR;
        int[] o = new int[1];
        float[] in = embed(r, fill(r, g, inH * inW * cin), o);
        int inOff = o[0];
        float[] out = outArray(r, outH * outW * cout, o);
        int outOff = o[0];
        String what = "conv3x3 cin=" + cin + " cout=" + cout + " in=" + inH + "x" + inW + " stride="
                + stride + " padTop=" + padTop + " padLeft=" + padLeft + " out=" + outH + "x" + outW
                + " rows=[" + rowStart + "," + rowEnd + ") " + act + " bias=" + (bias != null)
                + " inOff=" + inOff + " outOff=" + outOff;

        double[] ref = new double[out.length], mag = guardsOnly(out.length);
        for (int y = rowStart; y < rowEnd; y++) {
            for (int x = 0; x < outW; x++) {
                for (int co = 0; co < cout; co++) {
                    double b = bias == null ? 0 : bias[co];
                    double s = b, m = Math.abs(b);
                    for (int ky = 0; ky < 3; ky++) {
                        int iy = y * stride - padTop + ky;
                        for (int kx = 0; kx < 3; kx++) {
                            int ix = x * stride - padLeft + kx;
                            if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) {
                                continue;
                            }
                            for (int ci = 0; ci < cin; ci++) {
                                double t = (double) in[inOff + (iy * inW + ix) * cin + ci]
                                        * w[((ky * 3 + kx) * cin + ci) * cout + co];
                                s += t;
                                m += Math.abs(t);
                            }
                        }
                    }
                    int i = outOff + (y * outW + x) * cout + co;
                    ref[i] = act(act, s);
                    mag[i] = m;
                }
            }
        }
        float[] inCopy = in.clone();
        float[] initial = out.clone();
        float[] outS = out.clone();
        float[] outV = out.clone();
        SCA.conv3x3(in, inOff, inH, inW, stride, padTop, padLeft,
                SCA.packConv3x3(w, bias, cin, cout), act, outS, outOff, outH, outW,
                rowStart, rowEnd);
        VEC.conv3x3(in, inOff, inH, inW, stride, padTop, padLeft,
                VEC.packConv3x3(w, bias, cin, cout), act, outV, outOff, outH, outW,
                rowStart, rowEnd);
        compare(what, initial, outS, outV, ref, mag, 9 * cin);
        assertArrayEquals(inCopy, in, what + ": input modified");
    }

    // ---- head ----------------------------------------------------------------------------------

    @Test
    void globalAveragePool() {
        int n = FuzzSupport.run("KernelFuzzTest#globalAveragePool", 300, FLAGS, r -> {
            int pixels = r.nextInt(1, 60);
            int channels = r.nextBoolean() ? r.nextInt(1, 5 * L + 2) : r.nextInt(1, 120);
            Gen g = withNonFinite(r, gen(r, 4f, LARGE));
            int[] o = new int[1];
            float[] in = embed(r, fill(r, g, pixels * channels), o);
            int inOff = o[0];
            float[] out = outArray(r, channels, o);
            float[] outS = out.clone(), outV = out.clone();
            SCA.globalAveragePool(in, inOff, pixels, channels, outS, o[0]);
            VEC.globalAveragePool(in, inOff, pixels, channels, outV, o[0]);
            assertBitEqual("globalAveragePool pixels=" + pixels + " channels=" + channels
                    + " inOff=" + inOff + " outOff=" + o[0], outS, outV);
        });
        assertTrue(n > 0);
    }

    @Test
    void dense() {
        int n = FuzzSupport.run("KernelFuzzTest#dense", 250, FLAGS, r -> denseCase(r, false));
        assertTrue(n > 0);
    }

    static void denseCase(SplittableRandom r, boolean nonFinite) {
        {
            int nin = r.nextInt(10) == 0 ? r.nextInt(200, 600) : r.nextInt(1, 200);
            int k = r.nextInt(10) == 0 ? r.nextInt(150, 300) : r.nextInt(1, 150);
            Gen g = nonFinite ? sprinkleNonFinite(r, gen(r, 4f, LARGE)) : gen(r, 4f, LARGE);
            float[] w = fill(r, g, nin * k);
            float[] bias = r.nextInt(10) == 0 ? null : fill(r, g, k);
            int[] o = new int[1];
            float[] in = embed(r, fill(r, g, nin), o);
            int inOff = o[0];
            float[] out = outArray(r, k, o);
            int outOff = o[0];
            double[] ref = new double[out.length], mag = guardsOnly(out.length);
            for (int j = 0; j < k; j++) {
                double s = bias == null ? 0 : bias[j], m = Math.abs(s);
                for (int i = 0; i < nin; i++) {
                    double t = (double) in[inOff + i] * w[i * k + j];
                    s += t;
                    m += Math.abs(t);
                }
                ref[outOff + j] = s;
                mag[outOff + j] = m;
            }
            float[] initial = out.clone(), outS = out.clone(), outV = out.clone();
            SCA.dense(in, inOff, SCA.packDense(w, bias, nin, k), outS, outOff);
            VEC.dense(in, inOff, VEC.packDense(w, bias, nin, k), outV, outOff);
            compare("dense in=" + nin + " out=" + k + " bias=" + (bias != null) + " inOff=" + inOff
                    + " outOff=" + outOff, initial, outS, outV, ref, mag, nin);
        }
    }

    // ---- element-wise ---------------------------------------------------------------------------

    /**
     * NaN, +Inf and -Inf at a per-case rate of 0.1% to 10% of the values (inputs, weights, biases,
     * residuals), for {@code NonFiniteTest}.
     */
    static Gen sprinkleNonFinite(SplittableRandom r, Gen g) {
        final double rate = Math.pow(10, -1 - 2 * r.nextDouble());
        final float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        return x -> x.nextDouble() < rate ? special[x.nextInt(3)] : g.next(x);
    }

    /** Adds NaN and ±Inf to a generator, for the kernels compared bit for bit. */
    private static Gen withNonFinite(SplittableRandom r, Gen g) {
        if (r.nextBoolean()) {
            return g;
        }
        final float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        return x -> x.nextInt(20) == 0 ? special[x.nextInt(3)] : g.next(x);
    }

    @Test
    void relu6() {
        int n = FuzzSupport.run("KernelFuzzTest#relu6", 500, FLAGS, r -> {
            int len = r.nextInt(0, 6 * L + 3);
            Gen g = withNonFinite(r, gen(r, 8f, LARGE));
            int[] o = new int[1];
            float[] a = embed(r, fill(r, g, len), o);
            float[] s = a.clone(), v = a.clone();
            SCA.relu6(s, o[0], len);
            VEC.relu6(v, o[0], len);
            assertBitEqual("relu6 len=" + len + " off=" + o[0], s, v);
            for (int i = 0; i < a.length; i++) {
                float want = i >= o[0] && i < o[0] + len ? Activation.RELU6.apply(a[i]) : a[i];
                if (Float.floatToIntBits(want) != Float.floatToIntBits(v[i])) {
                    throw new AssertionError("relu6 element " + i + " of " + a[i] + " is " + v[i]
                            + ", expected " + want);
                }
            }
        });
        assertTrue(n > 0);
    }

    @Test
    void add() {
        int n = FuzzSupport.run("KernelFuzzTest#add", 500, FLAGS, r -> {
            int len = r.nextInt(0, 6 * L + 3);
            Gen g = withNonFinite(r, gen(r, 8f, LARGE));
            int alias = r.nextInt(4); // 0 separate, 1 out = a, 2 out = b, 3 a = b
            int[] o = new int[1];
            float[] a = embed(r, fill(r, g, len), o);
            int aOff = o[0];
            float[] b = embed(r, fill(r, g, len), o);
            int bOff = o[0];
            float[] outS, outV, aS = a.clone(), aV = a.clone(), bS = b.clone(), bV = b.clone();
            int outOff;
            if (alias == 1) {
                outS = aS;
                outV = aV;
                outOff = aOff;
            } else if (alias == 2) {
                outS = bS;
                outV = bV;
                outOff = bOff;
            } else {
                outS = outArray(r, len, o);
                outV = outS.clone();
                outOff = o[0];
            }
            if (alias == 3) {
                bS = aS;
                bV = aV;
                bOff = aOff;
            }
            float[] initial = outS.clone();
            SCA.add(aS, aOff, bS, bOff, outS, outOff, len);
            VEC.add(aV, aOff, bV, bOff, outV, outOff, len);
            String what = "add len=" + len + " alias=" + alias + " offsets " + aOff + "/" + bOff
                    + "/" + outOff;
            assertBitEqual(what, outS, outV);
            for (int i = 0; i < initial.length; i++) {
                boolean inside = i >= outOff && i < outOff + len;
                if (!inside && Float.floatToIntBits(initial[i]) != Float.floatToIntBits(outV[i])) {
                    throw new AssertionError(what + ": element " + i
                            + " outside the output was written");
                }
            }
        });
        assertTrue(n > 0);
    }
}
