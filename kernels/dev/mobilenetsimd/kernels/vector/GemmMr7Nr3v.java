package dev.mobilenetsimd.kernels.vector;

import static dev.mobilenetsimd.kernels.vector.VectorWidth.RELU6_BLEND;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pointwise GEMM microkernel: 7 pixels x 3 vectors of output channels, every
 * accumulator in a register for the whole input-channel loop.
 * At 512 bits it runs the panels of 3 vectors (48 channels) that are left when a layer's output
 * vectors do not split into panels of 5 and 6 ({@link GemmMr5Nr5v}, {@link GemmMr4Nr6v}, which
 * load fewer vectors per FMA and replaced it as the main tile). MobileNetV2 pixel counts
 * (112&sup2;, 56&sup2;, 28&sup2;, 14&sup2;, 7&sup2;) are multiples of 7, so whole layers have
 * no pixel tail here.
 *
 * <p>Per input channel it loads 3 weight vectors of the panel once, then for each pixel
 * broadcasts one input value and does 3 FMAs: 7&times;3 = 21 accumulators + 3 weights
 * + 1 broadcast = 25 vector registers. The accumulators start at the bias and end in a small
 * scratch block that {@link PointwiseEpilogue} finishes; see {@link PointwiseGemm} for why.
 */
final class GemmMr7Nr3v {
    /** Pixels per tile. */
    static final int ROWS = 7;
    /** Vectors of output channels per tile (the panel width is {@code VECTORS * LANES}). */
    static final int VECTORS = 3;

    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;
    private static final int LANES = VectorWidth.LANES;
    private static final int PANEL = VECTORS * LANES;

    private GemmMr7Nr3v() {}

    /**
     * One tile: 7 pixels starting at {@code in[inOff]} (rows {@code cin >= 1} floats
     * apart) times the weight panel at {@code wd[panelOff]} ({@code cin} rows of {@code PANEL}
     * floats, then {@code PANEL} bias floats). Writes {@code bias + sum} for pixel {@code r},
     * vector {@code j} at {@code scratch[(r * VECTORS + j) * LANES]}.
     */
    static void tile(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] scratch) {
        final int biasOff = panelOff + cin * PANEL;
        final FloatVector bias0 = FloatVector.fromArray(S, wd, biasOff);
        final FloatVector bias1 = FloatVector.fromArray(S, wd, biasOff + LANES);
        final FloatVector bias2 = FloatVector.fromArray(S, wd, biasOff + 2 * LANES);
        FloatVector acc00 = bias0, acc01 = bias1, acc02 = bias2;
        FloatVector acc10 = bias0, acc11 = bias1, acc12 = bias2;
        FloatVector acc20 = bias0, acc21 = bias1, acc22 = bias2;
        FloatVector acc30 = bias0, acc31 = bias1, acc32 = bias2;
        FloatVector acc40 = bias0, acc41 = bias1, acc42 = bias2;
        FloatVector acc50 = bias0, acc51 = bias1, acc52 = bias2;
        FloatVector acc60 = bias0, acc61 = bias1, acc62 = bias2;
        final int in0 = inOff;
        final int in1 = in0 + cin;
        final int in2 = in1 + cin;
        final int in3 = in2 + cin;
        final int in4 = in3 + cin;
        final int in5 = in4 + cin;
        final int in6 = in5 + cin;
        final int lastK = cin - 1;
        int wk = panelOff;
        for (int k = 0; k < lastK; k++, wk += PANEL) {
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector w2 = FloatVector.fromArray(S, wd, wk + 2 * LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + k]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01); acc02 = x0.fma(w2, acc02);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + k]);
            acc10 = x1.fma(w0, acc10); acc11 = x1.fma(w1, acc11); acc12 = x1.fma(w2, acc12);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + k]);
            acc20 = x2.fma(w0, acc20); acc21 = x2.fma(w1, acc21); acc22 = x2.fma(w2, acc22);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + k]);
            acc30 = x3.fma(w0, acc30); acc31 = x3.fma(w1, acc31); acc32 = x3.fma(w2, acc32);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + k]);
            acc40 = x4.fma(w0, acc40); acc41 = x4.fma(w1, acc41); acc42 = x4.fma(w2, acc42);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + k]);
            acc50 = x5.fma(w0, acc50); acc51 = x5.fma(w1, acc51); acc52 = x5.fma(w2, acc52);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + k]);
            acc60 = x6.fma(w0, acc60); acc61 = x6.fma(w1, acc61); acc62 = x6.fma(w2, acc62);
        }
        { // the last input channel, peeled: an FMA on a fresh broadcast has an exact class,
          // so C2 binds the stores below statically (a loop phi is just FloatVector)
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector w2 = FloatVector.fromArray(S, wd, wk + 2 * LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + lastK]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01); acc02 = x0.fma(w2, acc02);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + lastK]);
            acc10 = x1.fma(w0, acc10); acc11 = x1.fma(w1, acc11); acc12 = x1.fma(w2, acc12);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + lastK]);
            acc20 = x2.fma(w0, acc20); acc21 = x2.fma(w1, acc21); acc22 = x2.fma(w2, acc22);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + lastK]);
            acc30 = x3.fma(w0, acc30); acc31 = x3.fma(w1, acc31); acc32 = x3.fma(w2, acc32);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + lastK]);
            acc40 = x4.fma(w0, acc40); acc41 = x4.fma(w1, acc41); acc42 = x4.fma(w2, acc42);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + lastK]);
            acc50 = x5.fma(w0, acc50); acc51 = x5.fma(w1, acc51); acc52 = x5.fma(w2, acc52);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + lastK]);
            acc60 = x6.fma(w0, acc60); acc61 = x6.fma(w1, acc61); acc62 = x6.fma(w2, acc62);
        }
        acc00.intoArray(scratch, 0);
        acc01.intoArray(scratch, LANES);
        acc02.intoArray(scratch, 2 * LANES);
        acc10.intoArray(scratch, 3 * LANES);
        acc11.intoArray(scratch, 4 * LANES);
        acc12.intoArray(scratch, 5 * LANES);
        acc20.intoArray(scratch, 6 * LANES);
        acc21.intoArray(scratch, 7 * LANES);
        acc22.intoArray(scratch, 8 * LANES);
        acc30.intoArray(scratch, 9 * LANES);
        acc31.intoArray(scratch, 10 * LANES);
        acc32.intoArray(scratch, 11 * LANES);
        acc40.intoArray(scratch, 12 * LANES);
        acc41.intoArray(scratch, 13 * LANES);
        acc42.intoArray(scratch, 14 * LANES);
        acc50.intoArray(scratch, 15 * LANES);
        acc51.intoArray(scratch, 16 * LANES);
        acc52.intoArray(scratch, 17 * LANES);
        acc60.intoArray(scratch, 18 * LANES);
        acc61.intoArray(scratch, 19 * LANES);
        acc62.intoArray(scratch, 20 * LANES);
    }

    /**
     * One tile with the ReLU6 epilogue in registers: {@code out = min(max(acc, 0), 6)} stored
     * straight to {@code out} (rows {@code cout} floats apart); no scratch round trip. Separate
     * methods per epilogue keep each one small enough for C1 and C2 to compile whole.
     */
    static void tileRelu6(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] out,
            int outOff, int cout) {
        final int biasOff = panelOff + cin * PANEL;
        final FloatVector bias0 = FloatVector.fromArray(S, wd, biasOff);
        final FloatVector bias1 = FloatVector.fromArray(S, wd, biasOff + LANES);
        final FloatVector bias2 = FloatVector.fromArray(S, wd, biasOff + 2 * LANES);
        FloatVector acc00 = bias0, acc01 = bias1, acc02 = bias2;
        FloatVector acc10 = bias0, acc11 = bias1, acc12 = bias2;
        FloatVector acc20 = bias0, acc21 = bias1, acc22 = bias2;
        FloatVector acc30 = bias0, acc31 = bias1, acc32 = bias2;
        FloatVector acc40 = bias0, acc41 = bias1, acc42 = bias2;
        FloatVector acc50 = bias0, acc51 = bias1, acc52 = bias2;
        FloatVector acc60 = bias0, acc61 = bias1, acc62 = bias2;
        final int in0 = inOff;
        final int in1 = in0 + cin;
        final int in2 = in1 + cin;
        final int in3 = in2 + cin;
        final int in4 = in3 + cin;
        final int in5 = in4 + cin;
        final int in6 = in5 + cin;
        final int lastK = cin - 1;
        int wk = panelOff;
        for (int k = 0; k < lastK; k++, wk += PANEL) {
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector w2 = FloatVector.fromArray(S, wd, wk + 2 * LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + k]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01); acc02 = x0.fma(w2, acc02);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + k]);
            acc10 = x1.fma(w0, acc10); acc11 = x1.fma(w1, acc11); acc12 = x1.fma(w2, acc12);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + k]);
            acc20 = x2.fma(w0, acc20); acc21 = x2.fma(w1, acc21); acc22 = x2.fma(w2, acc22);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + k]);
            acc30 = x3.fma(w0, acc30); acc31 = x3.fma(w1, acc31); acc32 = x3.fma(w2, acc32);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + k]);
            acc40 = x4.fma(w0, acc40); acc41 = x4.fma(w1, acc41); acc42 = x4.fma(w2, acc42);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + k]);
            acc50 = x5.fma(w0, acc50); acc51 = x5.fma(w1, acc51); acc52 = x5.fma(w2, acc52);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + k]);
            acc60 = x6.fma(w0, acc60); acc61 = x6.fma(w1, acc61); acc62 = x6.fma(w2, acc62);
        }
        { // last input channel peeled: exact vector class for the stores (see tile)
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector w2 = FloatVector.fromArray(S, wd, wk + 2 * LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + lastK]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01); acc02 = x0.fma(w2, acc02);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + lastK]);
            acc10 = x1.fma(w0, acc10); acc11 = x1.fma(w1, acc11); acc12 = x1.fma(w2, acc12);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + lastK]);
            acc20 = x2.fma(w0, acc20); acc21 = x2.fma(w1, acc21); acc22 = x2.fma(w2, acc22);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + lastK]);
            acc30 = x3.fma(w0, acc30); acc31 = x3.fma(w1, acc31); acc32 = x3.fma(w2, acc32);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + lastK]);
            acc40 = x4.fma(w0, acc40); acc41 = x4.fma(w1, acc41); acc42 = x4.fma(w2, acc42);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + lastK]);
            acc50 = x5.fma(w0, acc50); acc51 = x5.fma(w1, acc51); acc52 = x5.fma(w2, acc52);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + lastK]);
            acc60 = x6.fma(w0, acc60); acc61 = x6.fma(w1, acc61); acc62 = x6.fma(w2, acc62);
        }
        (RELU6_BLEND
                ? acc00.blend(0f, acc00.compare(LE, 0f)).blend(6f, acc00.compare(GT, 6f))
                : acc00.max(0f).min(6f)).intoArray(out, outOff);
        (RELU6_BLEND
                ? acc01.blend(0f, acc01.compare(LE, 0f)).blend(6f, acc01.compare(GT, 6f))
                : acc01.max(0f).min(6f)).intoArray(out, outOff + LANES);
        (RELU6_BLEND
                ? acc02.blend(0f, acc02.compare(LE, 0f)).blend(6f, acc02.compare(GT, 6f))
                : acc02.max(0f).min(6f)).intoArray(out, outOff + 2 * LANES);
        (RELU6_BLEND
                ? acc10.blend(0f, acc10.compare(LE, 0f)).blend(6f, acc10.compare(GT, 6f))
                : acc10.max(0f).min(6f)).intoArray(out, outOff + cout);
        (RELU6_BLEND
                ? acc11.blend(0f, acc11.compare(LE, 0f)).blend(6f, acc11.compare(GT, 6f))
                : acc11.max(0f).min(6f)).intoArray(out, outOff + cout + LANES);
        (RELU6_BLEND
                ? acc12.blend(0f, acc12.compare(LE, 0f)).blend(6f, acc12.compare(GT, 6f))
                : acc12.max(0f).min(6f)).intoArray(out, outOff + cout + 2 * LANES);
        (RELU6_BLEND
                ? acc20.blend(0f, acc20.compare(LE, 0f)).blend(6f, acc20.compare(GT, 6f))
                : acc20.max(0f).min(6f)).intoArray(out, outOff + 2 * cout);
        (RELU6_BLEND
                ? acc21.blend(0f, acc21.compare(LE, 0f)).blend(6f, acc21.compare(GT, 6f))
                : acc21.max(0f).min(6f)).intoArray(out, outOff + 2 * cout + LANES);
        (RELU6_BLEND
                ? acc22.blend(0f, acc22.compare(LE, 0f)).blend(6f, acc22.compare(GT, 6f))
                : acc22.max(0f).min(6f)).intoArray(out, outOff + 2 * cout + 2 * LANES);
        (RELU6_BLEND
                ? acc30.blend(0f, acc30.compare(LE, 0f)).blend(6f, acc30.compare(GT, 6f))
                : acc30.max(0f).min(6f)).intoArray(out, outOff + 3 * cout);
        (RELU6_BLEND
                ? acc31.blend(0f, acc31.compare(LE, 0f)).blend(6f, acc31.compare(GT, 6f))
                : acc31.max(0f).min(6f)).intoArray(out, outOff + 3 * cout + LANES);
        (RELU6_BLEND
                ? acc32.blend(0f, acc32.compare(LE, 0f)).blend(6f, acc32.compare(GT, 6f))
                : acc32.max(0f).min(6f)).intoArray(out, outOff + 3 * cout + 2 * LANES);
        (RELU6_BLEND
                ? acc40.blend(0f, acc40.compare(LE, 0f)).blend(6f, acc40.compare(GT, 6f))
                : acc40.max(0f).min(6f)).intoArray(out, outOff + 4 * cout);
        (RELU6_BLEND
                ? acc41.blend(0f, acc41.compare(LE, 0f)).blend(6f, acc41.compare(GT, 6f))
                : acc41.max(0f).min(6f)).intoArray(out, outOff + 4 * cout + LANES);
        (RELU6_BLEND
                ? acc42.blend(0f, acc42.compare(LE, 0f)).blend(6f, acc42.compare(GT, 6f))
                : acc42.max(0f).min(6f)).intoArray(out, outOff + 4 * cout + 2 * LANES);
        (RELU6_BLEND
                ? acc50.blend(0f, acc50.compare(LE, 0f)).blend(6f, acc50.compare(GT, 6f))
                : acc50.max(0f).min(6f)).intoArray(out, outOff + 5 * cout);
        (RELU6_BLEND
                ? acc51.blend(0f, acc51.compare(LE, 0f)).blend(6f, acc51.compare(GT, 6f))
                : acc51.max(0f).min(6f)).intoArray(out, outOff + 5 * cout + LANES);
        (RELU6_BLEND
                ? acc52.blend(0f, acc52.compare(LE, 0f)).blend(6f, acc52.compare(GT, 6f))
                : acc52.max(0f).min(6f)).intoArray(out, outOff + 5 * cout + 2 * LANES);
        (RELU6_BLEND
                ? acc60.blend(0f, acc60.compare(LE, 0f)).blend(6f, acc60.compare(GT, 6f))
                : acc60.max(0f).min(6f)).intoArray(out, outOff + 6 * cout);
        (RELU6_BLEND
                ? acc61.blend(0f, acc61.compare(LE, 0f)).blend(6f, acc61.compare(GT, 6f))
                : acc61.max(0f).min(6f)).intoArray(out, outOff + 6 * cout + LANES);
        (RELU6_BLEND
                ? acc62.blend(0f, acc62.compare(LE, 0f)).blend(6f, acc62.compare(GT, 6f))
                : acc62.max(0f).min(6f)).intoArray(out, outOff + 6 * cout + 2 * LANES);
    }

    /**
     * One tile with the linear epilogue: accumulators stored straight to {@code out}.
     */
    static void tileLinear(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] out,
            int outOff, int cout) {
        final int biasOff = panelOff + cin * PANEL;
        final FloatVector bias0 = FloatVector.fromArray(S, wd, biasOff);
        final FloatVector bias1 = FloatVector.fromArray(S, wd, biasOff + LANES);
        final FloatVector bias2 = FloatVector.fromArray(S, wd, biasOff + 2 * LANES);
        FloatVector acc00 = bias0, acc01 = bias1, acc02 = bias2;
        FloatVector acc10 = bias0, acc11 = bias1, acc12 = bias2;
        FloatVector acc20 = bias0, acc21 = bias1, acc22 = bias2;
        FloatVector acc30 = bias0, acc31 = bias1, acc32 = bias2;
        FloatVector acc40 = bias0, acc41 = bias1, acc42 = bias2;
        FloatVector acc50 = bias0, acc51 = bias1, acc52 = bias2;
        FloatVector acc60 = bias0, acc61 = bias1, acc62 = bias2;
        final int in0 = inOff;
        final int in1 = in0 + cin;
        final int in2 = in1 + cin;
        final int in3 = in2 + cin;
        final int in4 = in3 + cin;
        final int in5 = in4 + cin;
        final int in6 = in5 + cin;
        final int lastK = cin - 1;
        int wk = panelOff;
        for (int k = 0; k < lastK; k++, wk += PANEL) {
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector w2 = FloatVector.fromArray(S, wd, wk + 2 * LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + k]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01); acc02 = x0.fma(w2, acc02);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + k]);
            acc10 = x1.fma(w0, acc10); acc11 = x1.fma(w1, acc11); acc12 = x1.fma(w2, acc12);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + k]);
            acc20 = x2.fma(w0, acc20); acc21 = x2.fma(w1, acc21); acc22 = x2.fma(w2, acc22);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + k]);
            acc30 = x3.fma(w0, acc30); acc31 = x3.fma(w1, acc31); acc32 = x3.fma(w2, acc32);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + k]);
            acc40 = x4.fma(w0, acc40); acc41 = x4.fma(w1, acc41); acc42 = x4.fma(w2, acc42);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + k]);
            acc50 = x5.fma(w0, acc50); acc51 = x5.fma(w1, acc51); acc52 = x5.fma(w2, acc52);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + k]);
            acc60 = x6.fma(w0, acc60); acc61 = x6.fma(w1, acc61); acc62 = x6.fma(w2, acc62);
        }
        { // last input channel peeled: exact vector class for the stores (see tile)
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector w2 = FloatVector.fromArray(S, wd, wk + 2 * LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + lastK]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01); acc02 = x0.fma(w2, acc02);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + lastK]);
            acc10 = x1.fma(w0, acc10); acc11 = x1.fma(w1, acc11); acc12 = x1.fma(w2, acc12);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + lastK]);
            acc20 = x2.fma(w0, acc20); acc21 = x2.fma(w1, acc21); acc22 = x2.fma(w2, acc22);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + lastK]);
            acc30 = x3.fma(w0, acc30); acc31 = x3.fma(w1, acc31); acc32 = x3.fma(w2, acc32);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + lastK]);
            acc40 = x4.fma(w0, acc40); acc41 = x4.fma(w1, acc41); acc42 = x4.fma(w2, acc42);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + lastK]);
            acc50 = x5.fma(w0, acc50); acc51 = x5.fma(w1, acc51); acc52 = x5.fma(w2, acc52);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + lastK]);
            acc60 = x6.fma(w0, acc60); acc61 = x6.fma(w1, acc61); acc62 = x6.fma(w2, acc62);
        }
        acc00.intoArray(out, outOff);
        acc01.intoArray(out, outOff + LANES);
        acc02.intoArray(out, outOff + 2 * LANES);
        acc10.intoArray(out, outOff + cout);
        acc11.intoArray(out, outOff + cout + LANES);
        acc12.intoArray(out, outOff + cout + 2 * LANES);
        acc20.intoArray(out, outOff + 2 * cout);
        acc21.intoArray(out, outOff + 2 * cout + LANES);
        acc22.intoArray(out, outOff + 2 * cout + 2 * LANES);
        acc30.intoArray(out, outOff + 3 * cout);
        acc31.intoArray(out, outOff + 3 * cout + LANES);
        acc32.intoArray(out, outOff + 3 * cout + 2 * LANES);
        acc40.intoArray(out, outOff + 4 * cout);
        acc41.intoArray(out, outOff + 4 * cout + LANES);
        acc42.intoArray(out, outOff + 4 * cout + 2 * LANES);
        acc50.intoArray(out, outOff + 5 * cout);
        acc51.intoArray(out, outOff + 5 * cout + LANES);
        acc52.intoArray(out, outOff + 5 * cout + 2 * LANES);
        acc60.intoArray(out, outOff + 6 * cout);
        acc61.intoArray(out, outOff + 6 * cout + LANES);
        acc62.intoArray(out, outOff + 6 * cout + 2 * LANES);
    }

    /**
     * One tile with the linear epilogue plus the residual: {@code out = acc + res}, each residual
     * vector loaded just before the store of the same lanes (so {@code res} may alias {@code out}).
     */
    static void tileResidual(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] res,
            int resOff, float[] out, int outOff, int cout) {
        final int biasOff = panelOff + cin * PANEL;
        final FloatVector bias0 = FloatVector.fromArray(S, wd, biasOff);
        final FloatVector bias1 = FloatVector.fromArray(S, wd, biasOff + LANES);
        final FloatVector bias2 = FloatVector.fromArray(S, wd, biasOff + 2 * LANES);
        FloatVector acc00 = bias0, acc01 = bias1, acc02 = bias2;
        FloatVector acc10 = bias0, acc11 = bias1, acc12 = bias2;
        FloatVector acc20 = bias0, acc21 = bias1, acc22 = bias2;
        FloatVector acc30 = bias0, acc31 = bias1, acc32 = bias2;
        FloatVector acc40 = bias0, acc41 = bias1, acc42 = bias2;
        FloatVector acc50 = bias0, acc51 = bias1, acc52 = bias2;
        FloatVector acc60 = bias0, acc61 = bias1, acc62 = bias2;
        final int in0 = inOff;
        final int in1 = in0 + cin;
        final int in2 = in1 + cin;
        final int in3 = in2 + cin;
        final int in4 = in3 + cin;
        final int in5 = in4 + cin;
        final int in6 = in5 + cin;
        final int lastK = cin - 1;
        int wk = panelOff;
        for (int k = 0; k < lastK; k++, wk += PANEL) {
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector w2 = FloatVector.fromArray(S, wd, wk + 2 * LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + k]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01); acc02 = x0.fma(w2, acc02);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + k]);
            acc10 = x1.fma(w0, acc10); acc11 = x1.fma(w1, acc11); acc12 = x1.fma(w2, acc12);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + k]);
            acc20 = x2.fma(w0, acc20); acc21 = x2.fma(w1, acc21); acc22 = x2.fma(w2, acc22);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + k]);
            acc30 = x3.fma(w0, acc30); acc31 = x3.fma(w1, acc31); acc32 = x3.fma(w2, acc32);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + k]);
            acc40 = x4.fma(w0, acc40); acc41 = x4.fma(w1, acc41); acc42 = x4.fma(w2, acc42);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + k]);
            acc50 = x5.fma(w0, acc50); acc51 = x5.fma(w1, acc51); acc52 = x5.fma(w2, acc52);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + k]);
            acc60 = x6.fma(w0, acc60); acc61 = x6.fma(w1, acc61); acc62 = x6.fma(w2, acc62);
        }
        { // last input channel peeled: exact vector class for the stores (see tile)
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector w2 = FloatVector.fromArray(S, wd, wk + 2 * LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + lastK]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01); acc02 = x0.fma(w2, acc02);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + lastK]);
            acc10 = x1.fma(w0, acc10); acc11 = x1.fma(w1, acc11); acc12 = x1.fma(w2, acc12);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + lastK]);
            acc20 = x2.fma(w0, acc20); acc21 = x2.fma(w1, acc21); acc22 = x2.fma(w2, acc22);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + lastK]);
            acc30 = x3.fma(w0, acc30); acc31 = x3.fma(w1, acc31); acc32 = x3.fma(w2, acc32);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + lastK]);
            acc40 = x4.fma(w0, acc40); acc41 = x4.fma(w1, acc41); acc42 = x4.fma(w2, acc42);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + lastK]);
            acc50 = x5.fma(w0, acc50); acc51 = x5.fma(w1, acc51); acc52 = x5.fma(w2, acc52);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + lastK]);
            acc60 = x6.fma(w0, acc60); acc61 = x6.fma(w1, acc61); acc62 = x6.fma(w2, acc62);
        }
        acc00.add(FloatVector.fromArray(S, res, resOff)).intoArray(out, outOff);
        acc01.add(FloatVector.fromArray(S, res, resOff + LANES)).intoArray(out, outOff + LANES);
        acc02.add(FloatVector.fromArray(S, res, resOff + 2 * LANES)).intoArray(out,
                outOff + 2 * LANES);
        acc10.add(FloatVector.fromArray(S, res, resOff + cout)).intoArray(out, outOff + cout);
        acc11.add(FloatVector.fromArray(S, res, resOff + cout + LANES)).intoArray(out,
                outOff + cout + LANES);
        acc12.add(FloatVector.fromArray(S, res, resOff + cout + 2 * LANES)).intoArray(out,
                outOff + cout + 2 * LANES);
        acc20.add(FloatVector.fromArray(S, res, resOff + 2 * cout)).intoArray(out,
                outOff + 2 * cout);
        acc21.add(FloatVector.fromArray(S, res, resOff + 2 * cout + LANES)).intoArray(out,
                outOff + 2 * cout + LANES);
        acc22.add(FloatVector.fromArray(S, res, resOff + 2 * cout + 2 * LANES)).intoArray(out,
                outOff + 2 * cout + 2 * LANES);
        acc30.add(FloatVector.fromArray(S, res, resOff + 3 * cout)).intoArray(out,
                outOff + 3 * cout);
        acc31.add(FloatVector.fromArray(S, res, resOff + 3 * cout + LANES)).intoArray(out,
                outOff + 3 * cout + LANES);
        acc32.add(FloatVector.fromArray(S, res, resOff + 3 * cout + 2 * LANES)).intoArray(out,
                outOff + 3 * cout + 2 * LANES);
        acc40.add(FloatVector.fromArray(S, res, resOff + 4 * cout)).intoArray(out,
                outOff + 4 * cout);
        acc41.add(FloatVector.fromArray(S, res, resOff + 4 * cout + LANES)).intoArray(out,
                outOff + 4 * cout + LANES);
        acc42.add(FloatVector.fromArray(S, res, resOff + 4 * cout + 2 * LANES)).intoArray(out,
                outOff + 4 * cout + 2 * LANES);
        acc50.add(FloatVector.fromArray(S, res, resOff + 5 * cout)).intoArray(out,
                outOff + 5 * cout);
        acc51.add(FloatVector.fromArray(S, res, resOff + 5 * cout + LANES)).intoArray(out,
                outOff + 5 * cout + LANES);
        acc52.add(FloatVector.fromArray(S, res, resOff + 5 * cout + 2 * LANES)).intoArray(out,
                outOff + 5 * cout + 2 * LANES);
        acc60.add(FloatVector.fromArray(S, res, resOff + 6 * cout)).intoArray(out,
                outOff + 6 * cout);
        acc61.add(FloatVector.fromArray(S, res, resOff + 6 * cout + LANES)).intoArray(out,
                outOff + 6 * cout + LANES);
        acc62.add(FloatVector.fromArray(S, res, resOff + 6 * cout + 2 * LANES)).intoArray(out,
                outOff + 6 * cout + 2 * LANES);
    }
}
