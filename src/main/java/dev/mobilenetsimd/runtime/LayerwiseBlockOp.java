package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.Step;

/**
 * An inverted residual block layer by layer: the whole expanded tensor, then the whole depthwise
 * output, then the projection (+ residual). The comparison point for {@link FusedBlockOp}.
 */
final class LayerwiseBlockOp implements Op {
    private final KernelSet k;
    private final PackedWeights expand, depthwise, project;
    private final int in, out, expanded, dw, zero;
    private final int inH, inW, ce, outH, outW, stride, padTop, padLeft;
    private final boolean residual;

    LayerwiseBlockOp(KernelSet k, Step s, PackedWeights expand, PackedWeights depthwise,
                     PackedWeights project) {
        this.k = k;
        this.expand = expand;
        this.depthwise = depthwise;
        this.project = project;
        this.in = s.inOffset();
        this.out = s.outOffset();
        this.expanded = s.hasExpand() ? s.expandedOffset() : s.inOffset();
        this.dw = s.depthwiseOffset();
        this.zero = s.zeroOffset();
        this.inH = s.inHeight();
        this.inW = s.inWidth();
        this.ce = s.expandedChannels();
        this.outH = s.outHeight();
        this.outW = s.outWidth();
        this.stride = s.stride();
        this.padTop = s.padTop();
        this.padLeft = s.padLeft();
        this.residual = s.hasResidual();
    }

    @Override
    public void run(float[] a) {
        if (expand != null) {
            k.pointwise(a, in, inH * inW, expand, Activation.RELU6, null, 0, a, expanded);
        }
        final int inRow = inW * ce;
        int y = 0;
        for (; y + 1 < outH; y += 2) {
            int r = y * stride - padTop;
            k.depthwiseRowPair(a, row(r, inRow), row(r + 1, inRow), row(r + 2, inRow),
                    row(r + 3, inRow), row(r + 4, inRow), inW, stride, padLeft, depthwise,
                    Activation.RELU6, a, dw + y * outW * ce, dw + (y + 1) * outW * ce, outW);
        }
        if (y < outH) {
            int r = y * stride - padTop;
            k.depthwiseRow(a, row(r, inRow), row(r + 1, inRow), row(r + 2, inRow), inW, stride,
                    padLeft, depthwise, Activation.RELU6, a, dw + y * outW * ce, outW);
        }
        k.pointwise(a, dw, outH * outW, project, Activation.LINEAR,
                residual ? a : null, in, a, out);
    }

    private int row(int r, int inRow) {
        return r < 0 || r >= inH ? zero : expanded + r * inRow;
    }
}
