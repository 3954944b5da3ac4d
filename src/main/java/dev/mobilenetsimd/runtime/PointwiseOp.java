package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.Step;

/** The last 1x1 convolution + ReLU6 over all pixels. */
final class PointwiseOp implements Op {
    private final KernelSet k;
    private final PackedWeights w;
    private final Activation act;
    private final int in, pixels, out;

    PointwiseOp(KernelSet k, Step s, PackedWeights w) {
        this.k = k;
        this.w = w;
        this.act = s.layers().get(0).activation();
        this.in = s.inOffset();
        this.pixels = s.inHeight() * s.inWidth();
        this.out = s.outOffset();
    }

    @Override
    public void run(float[] a) {
        k.pointwise(a, in, pixels, w, act, null, 0, a, out);
    }

    @Override
    public int units() {
        return pixels;
    }

    @Override
    public void run(float[] a, int start, int end, int scratchShift) {
        k.pointwise(a, in + start * w.inChannels, end - start, w, act, null, 0, a,
                out + start * w.outChannels);
    }
}
