package dev.mobilenetsimd.kernels.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pointwise GEMM microkernel: 1 pixel x 2 vectors of output channels, every
 * accumulator in a register for the whole input-channel loop.
 * Pixel tail (pixels not a multiple of the main tile's rows).
 *
 * <p>Per input channel it loads 2 weight vectors of the panel once, then for each pixel
 * broadcasts one input value and does 2 FMAs: 1&times;2 = 2 accumulators + 2 weights
 * + 1 broadcast = 5 vector registers. The accumulators start at the bias and end in a small
 * scratch block that {@link PointwiseEpilogue} finishes; see {@link PointwiseGemm} for why.
 */
final class GemmMr1Nr2v {
    /** Pixels per tile. */
    static final int ROWS = 1;
    /** Vectors of output channels per tile (the panel width is {@code VECTORS * LANES}). */
    static final int VECTORS = 2;

    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;
    private static final int LANES = VectorWidth.LANES;
    private static final int PANEL = VECTORS * LANES;

    private GemmMr1Nr2v() {}

    /**
     * One tile: 1 pixel starting at {@code in[inOff]} (rows {@code cin >= 1} floats
     * apart) times the weight panel at {@code wd[panelOff]} ({@code cin} rows of {@code PANEL}
     * floats, then {@code PANEL} bias floats). Writes {@code bias + sum} for pixel {@code r},
     * vector {@code j} at {@code scratch[(r * VECTORS + j) * LANES]}.
     */
    static void tile(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] scratch) {
        final int biasOff = panelOff + cin * PANEL;
        final FloatVector bias0 = FloatVector.fromArray(S, wd, biasOff);
        final FloatVector bias1 = FloatVector.fromArray(S, wd, biasOff + LANES);
        FloatVector acc00 = bias0, acc01 = bias1;
        final int in0 = inOff;
        final int lastK = cin - 1;
        int wk = panelOff;
        for (int k = 0; k < lastK; k++, wk += PANEL) {
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + k]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01);
        }
        { // the last input channel, peeled: an FMA on a fresh broadcast has an exact class,
          // so C2 binds the stores below statically (a loop phi is just FloatVector)
            final FloatVector w0 = FloatVector.fromArray(S, wd, wk);
            final FloatVector w1 = FloatVector.fromArray(S, wd, wk + LANES);
            final FloatVector x0 = FloatVector.broadcast(S, in[in0 + lastK]);
            acc00 = x0.fma(w0, acc00); acc01 = x0.fma(w1, acc01);
        }
        acc00.intoArray(scratch, 0);
        acc01.intoArray(scratch, LANES);
    }
}
