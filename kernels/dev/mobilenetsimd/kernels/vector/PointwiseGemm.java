package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.kernels.scalar.ScalarKernels;

/** PLACEHOLDER: delegates to scalar until the vector GEMM lands. */
final class PointwiseGemm {
    private PointwiseGemm() {}
    static PackedWeights pack(float[] w, float[] bias, int cin, int cout) {
        return ScalarKernels.INSTANCE.packPointwise(w, bias, cin, cout);
    }
    static void run(float[] in, int inOff, int pixels, PackedWeights w, Activation act,
                    float[] residual, int residualOff, float[] out, int outOff) {
        ScalarKernels.INSTANCE.pointwise(in, inOff, pixels, w, act, residual, residualOff, out, outOff);
    }
}
