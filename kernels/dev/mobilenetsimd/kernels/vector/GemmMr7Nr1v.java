package dev.mobilenetsimd.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pointwise GEMM microkernel: 7 pixels x 1 vector of output channels, every
 * accumulator in a register for the whole input-channel loop.
 * One-vector panels with 16 vector registers.
 *
 * <p>Per input channel it loads 1 weight vector of the panel once, then for each pixel
 * broadcasts one input value and does 1 FMA: 7&times;1 = 7 accumulators + 1 weight
 * + 1 broadcast = 9 vector registers. The accumulators start at the bias and end in a small
 * scratch block that {@link PointwiseEpilogue} finishes; see {@link PointwiseGemm} for why.
 */
final class GemmMr7Nr1v {
    /** Pixels per tile. */
    static final int ROWS = 7;
    /** Vectors of output channels per tile (the panel width is {@code VECTORS * LANES}). */
    static final int VECTORS = 1;

    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;
    private static final int LANES = VectorWidth.LANES;
    private static final int PANEL = VECTORS * LANES;

    private GemmMr7Nr1v() {}

    /**
     * One tile: 7 pixels starting at {@code in[inOff]} (rows {@code cin >= 1} floats
     * apart) times the weight panel at {@code wd[panelOff]} ({@code cin} rows of {@code PANEL}
     * floats, then {@code PANEL} bias floats). Writes {@code bias + sum} for pixel {@code r},
     * vector {@code j} at {@code scratch[(r * VECTORS + j) * LANES]}.
     */
    static void tile(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] scratch) {
        final int biasOff = panelOff + cin * PANEL;
        final FloatVector bias0 = FloatVector.fromArray(S, wd, biasOff);
        FloatVector acc00 = bias0;
        FloatVector acc10 = bias0;
        FloatVector acc20 = bias0;
        FloatVector acc30 = bias0;
        FloatVector acc40 = bias0;
        FloatVector acc50 = bias0;
        FloatVector acc60 = bias0;
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
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + k]);
            acc00 = x0.fma(w0, acc00);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + k]);
            acc10 = x1.fma(w0, acc10);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + k]);
            acc20 = x2.fma(w0, acc20);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + k]);
            acc30 = x3.fma(w0, acc30);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + k]);
            acc40 = x4.fma(w0, acc40);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + k]);
            acc50 = x5.fma(w0, acc50);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + k]);
            acc60 = x6.fma(w0, acc60);
        }
        { // the last input channel, peeled: an FMA on a fresh broadcast has an exact class,
          // so C2 binds the stores below statically (a loop phi is just FloatVector)
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + lastK]);
            acc00 = x0.fma(w0, acc00);
            final FloatVector x1 = FloatVector.broadcast(S, in[in1 + lastK]);
            acc10 = x1.fma(w0, acc10);
            final FloatVector x2 = FloatVector.broadcast(S, in[in2 + lastK]);
            acc20 = x2.fma(w0, acc20);
            final FloatVector x3 = FloatVector.broadcast(S, in[in3 + lastK]);
            acc30 = x3.fma(w0, acc30);
            final FloatVector x4 = FloatVector.broadcast(S, in[in4 + lastK]);
            acc40 = x4.fma(w0, acc40);
            final FloatVector x5 = FloatVector.broadcast(S, in[in5 + lastK]);
            acc50 = x5.fma(w0, acc50);
            final FloatVector x6 = FloatVector.broadcast(S, in[in6 + lastK]);
            acc60 = x6.fma(w0, acc60);
        }
        acc00.intoArray(scratch, 0);
        acc10.intoArray(scratch, LANES);
        acc20.intoArray(scratch, 2 * LANES);
        acc30.intoArray(scratch, 3 * LANES);
        acc40.intoArray(scratch, 4 * LANES);
        acc50.intoArray(scratch, 5 * LANES);
        acc60.intoArray(scratch, 6 * LANES);
    }
}
