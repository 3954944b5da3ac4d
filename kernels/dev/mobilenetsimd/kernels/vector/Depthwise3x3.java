package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.kernels.scalar.ScalarKernels;

/** PLACEHOLDER: delegates to scalar until the vector depthwise kernel lands. */
final class Depthwise3x3 {
    private Depthwise3x3() {}
    static PackedWeights pack(float[] w, float[] bias, int channels) {
        return ScalarKernels.INSTANCE.packDepthwise(w, bias, channels);
    }
    static void row(float[] src, int top, int mid, int bottom, int inW, int stride, int padLeft,
                    PackedWeights w, Activation act, float[] out, int outOff, int outW) {
        ScalarKernels.INSTANCE.depthwiseRow(src, top, mid, bottom, inW, stride, padLeft, w, act, out, outOff, outW);
    }
}
