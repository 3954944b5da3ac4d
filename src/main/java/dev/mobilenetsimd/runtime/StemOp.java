package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.Step;

/**
 * The stem: 3x3 convolution, stride 2, + ReLU6, over the whole image (layer by layer; fused, block
 * 1 computes the stem's rows itself, see {@link FusedBlockOp}).
 */
final class StemOp implements Op {
    private final KernelSet k;
    private final PackedWeights w;
    private final int in, inH, inW, stride, padTop, padLeft, out, outH, outW;

    StemOp(KernelSet k, Step s, PackedWeights w) {
        this.k = k;
        this.w = w;
        this.in = s.inOffset();
        this.inH = s.inHeight();
        this.inW = s.inWidth();
        this.stride = s.stride();
        this.padTop = s.padTop();
        this.padLeft = s.padLeft();
        this.out = s.outOffset();
        this.outH = s.outHeight();
        this.outW = s.outWidth();
    }

    @Override
    public void run(float[] a) {
        run(a, 0, outH, 0);
    }

    @Override
    public int units() {
        return outH;
    }

    @Override
    public void run(float[] a, int rowStart, int rowEnd, int scratchShift) {
        k.conv3x3(a, in, inH, inW, stride, padTop, padLeft, w, Activation.RELU6, a, out, outH, outW,
                rowStart, rowEnd);
    }
}
