package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.Step;

/**
 * The last 1x1 convolution + ReLU6 over all pixels. A session's threads split it by pixels, or,
 * where the plan says so ({@link Step#splitsChannels}), by output channel blocks, so that each
 * reads only its share of the weights.
 */
final class PointwiseOp implements Op {
    private final KernelSet k;
    private final PackedWeights w;
    private final Activation act;
    private final int in, pixels, out;
    /** Output channel blocks when split by channels, else null. */
    private final int[] blocks;

    PointwiseOp(KernelSet k, Step s, PackedWeights w) {
        this.k = k;
        this.w = w;
        this.act = s.layers().get(0).activation();
        this.in = s.inOffset();
        this.pixels = s.inHeight() * s.inWidth();
        this.out = s.outOffset();
        this.blocks = s.splitsChannels() ? k.pointwiseChannelBlocks(w) : null;
    }

    @Override
    public void run(float[] a) {
        k.pointwise(a, in, pixels, w, act, null, 0, a, out);
    }

    @Override
    public int units() {
        return blocks != null ? blocks.length - 1 : pixels;
    }

    @Override
    public void run(float[] a, int start, int end, int scratchShift) {
        if (blocks != null) {
            k.pointwiseChannels(a, in, pixels, w, blocks[start], blocks[end], act, null, 0, a,
                    out);
            return;
        }
        k.pointwise(a, in + start * w.inChannels, end - start, w, act, null, 0, a,
                out + start * w.outChannels);
    }
}
