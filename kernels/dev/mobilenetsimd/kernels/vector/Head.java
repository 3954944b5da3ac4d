package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.kernels.scalar.ScalarKernels;

/** PLACEHOLDER: delegates to scalar until the vector head kernels land. */
final class Head {
    private Head() {}
    static void globalAveragePool(float[] in, int inOff, int pixels, int channels, float[] out, int outOff) {
        ScalarKernels.INSTANCE.globalAveragePool(in, inOff, pixels, channels, out, outOff);
    }
    static PackedWeights packDense(float[] w, float[] bias, int inFeatures, int outFeatures) {
        return ScalarKernels.INSTANCE.packDense(w, bias, inFeatures, outFeatures);
    }
    static void dense(float[] in, int inOff, PackedWeights w, float[] out, int outOff) {
        ScalarKernels.INSTANCE.dense(in, inOff, w, out, outOff);
    }
}
