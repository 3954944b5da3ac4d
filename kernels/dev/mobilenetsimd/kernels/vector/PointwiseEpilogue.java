package dev.mobilenetsimd.kernels.vector;

import static dev.mobilenetsimd.kernels.vector.VectorWidth.MASKED_MEMORY_INTRINSICS;
import static dev.mobilenetsimd.kernels.vector.VectorWidth.RELU6_BLEND;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The store epilogue of the pointwise GEMM: reads a tile's accumulators ({@code bias + sum}) from
 * the microkernel's scratch block (L1-resident), applies the activation, adds the residual and
 * stores to the output, masking the last vector of each row when the panel is narrower than its
 * vectors. Each residual vector is loaded just before the store of the same lanes, so a residual
 * that is the same region as the output (same offsets) is read before it is overwritten.
 */
final class PointwiseEpilogue {
    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;
    private static final int LANES = VectorWidth.LANES;

    private PointwiseEpilogue() {}

    /**
     * Finishes {@code rows} pixels of {@code vectors} vectors from {@code acc}, starting at
     * {@code acc[accOff]} (laid out as the microkernels write it), into {@code out[outOff]}
     * (rows {@code cout} floats apart). {@code lastMask}, when not null, limits the last vector
     * of each row.
     */
    static void finish(float[] acc, int accOff, int rows, int vectors, boolean relu6,
                       float[] res, int resOff, float[] out, int outOff, int cout,
                       VectorMask<Float> lastMask) {
        final int full = lastMask == null ? vectors : vectors - 1;
        final int tailLanes = lastMask == null || MASKED_MEMORY_INTRINSICS ? 0
                : lastMask.trueCount();
        for (int r = 0, a = accOff; r < rows; r++, resOff += cout, outOff += cout) {
            int c = 0;
            for (int j = 0; j < full; j++, a += LANES, c += LANES) {
                FloatVector v = FloatVector.fromArray(S, acc, a);
                if (relu6) { // min(max(x, 0), 6) in this order, as Math.max/min: NaN stays NaN
                    v = (RELU6_BLEND
                            ? v.blend(0f, v.compare(LE, 0f)).blend(6f, v.compare(GT, 6f))
                            : v.max(0f).min(6f));
                }
                if (res != null) {
                    v = v.add(FloatVector.fromArray(S, res, resOff + c));
                }
                v.intoArray(out, outOff + c);
            }
            if (lastMask != null) {
                FloatVector v = FloatVector.fromArray(S, acc, a);
                if (relu6) {
                    v = (RELU6_BLEND
                            ? v.blend(0f, v.compare(LE, 0f)).blend(6f, v.compare(GT, 6f))
                            : v.max(0f).min(6f));
                }
                if (res != null) {
                    // unmasked where the whole vector is inside res: the lanes past cout are
                    // never stored (and a masked load is Java code on JDK 17)
                    v = v.add(resOff + c + LANES <= res.length
                            ? FloatVector.fromArray(S, res, resOff + c)
                            : FloatVector.fromArray(S, res, resOff + c, lastMask));
                }
                if (MASKED_MEMORY_INTRINSICS) {
                    v.intoArray(out, outOff + c, lastMask);
                } else { // JDK 17, NEON: back into the consumed scratch slot, copy the lanes
                    v.intoArray(acc, a);
                    System.arraycopy(acc, a, out, outOff + c, tailLanes);
                }
                a += LANES;
            }
        }
    }
}
