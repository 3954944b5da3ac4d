package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.kernels.scalar.ScalarKernels;

/** PLACEHOLDER: delegates to scalar until the vector stem kernel lands. */
final class Conv3x3 {
    private Conv3x3() {}
    static PackedWeights pack(float[] w, float[] bias, int cin, int cout) {
        return ScalarKernels.INSTANCE.packConv3x3(w, bias, cin, cout);
    }
    static void run(float[] in, int inOff, int inH, int inW, int stride, int padTop, int padLeft,
                    PackedWeights w, Activation act, float[] out, int outOff, int outH, int outW,
                    int rowStart, int rowEnd) {
        ScalarKernels.INSTANCE.conv3x3(in, inOff, inH, inW, stride, padTop, padLeft, w, act, out, outOff,
                outH, outW, rowStart, rowEnd);
    }
}
