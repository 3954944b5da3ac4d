package dev.mobilenetsimd.kernels.vector;

import static dev.mobilenetsimd.kernels.vector.VectorWidth.RELU6_BLEND;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Standalone element-wise kernels (most ReLU6s and adds are fused into other kernels' stores;
 * these serve the layers a plan cannot fuse). Full vectors in the loop, one masked tail.
 *
 * <p>ReLU6 is the compare-and-blend form of the package docs: the same results as
 * {@link Math#max}/{@link Math#min}, so NaN stays NaN exactly as in
 * {@link dev.mobilenetsimd.kernels.Activation#apply}.
 *
 * <p>PrintIntrinsics (JDK 25, -XX:-TieredCompilation, 128/256/512 bits): no "failed to inline
 * (intrinsic)" in these loops, masked tails included.
 */
final class Elementwise {
    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;
    private static final int L = VectorWidth.LANES;

    private Elementwise() {}

    /** In place {@code a[i] = min(max(a[i], 0), 6)} on {@code [off, off + len)}. */
    static void relu6(float[] a, int off, int len) {
        final int bound = S.loopBound(len);
        int i = 0;
        for (; i < bound; i += L) {
            final FloatVector v = FloatVector.fromArray(S, a, off + i);
            (RELU6_BLEND
                    ? v.blend(0f, v.compare(LE, 0f)).blend(6f, v.compare(GT, 6f))
                    : v.max(0f).min(6f)).intoArray(a, off + i);
        }
        if (i < len) {
            VectorMask<Float> m = S.indexInRange(i, len);
            final FloatVector v = FloatVector.fromArray(S, a, off + i, m);
            (RELU6_BLEND
                    ? v.blend(0f, v.compare(LE, 0f)).blend(6f, v.compare(GT, 6f))
                    : v.max(0f).min(6f)).intoArray(a, off + i, m);
        }
    }

    /**
     * {@code out[i] = a[i] + b[i]}; each lane is read
     * before it is written, so regions may coincide.
     */
    static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
        final int bound = S.loopBound(len);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i))
                    .intoArray(out, outOff + i);
        }
        if (i < len) {
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector.fromArray(S, a, aOff + i, m).add(FloatVector.fromArray(S, b, bOff + i, m))
                    .intoArray(out, outOff + i, m);
        }
    }
}
