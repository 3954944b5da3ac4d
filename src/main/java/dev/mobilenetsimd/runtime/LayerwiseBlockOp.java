package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.Step;

/**
 * An inverted residual block layer by layer: the whole expanded tensor, then the whole depthwise
 * output, then the projection (+ residual). The comparison point for {@link FusedBlockOp}.
 * With a worker team each layer is split on its own ({@link #phases}): the 1x1 layers by pixels,
 * the depthwise by pairs of output rows, so every row is computed as by {@link #run(float[])};
 * or, where the plan says so ({@link Step#splitsChannels}: blocks of few pixels), each layer by
 * channel blocks, as the fused block is then split.
 */
final class LayerwiseBlockOp implements PhasedOp {
    private final KernelSet k;
    private final PackedWeights expand, depthwise, project;
    private final int in, out, expanded, dw, zero;
    private final int inH, inW, ce, outH, outW, stride, padTop, padLeft;
    private final boolean residual;
    /** Whether a worker team splits each layer by channels ({@link Step#splitsChannels}). */
    private final boolean splitsChannels;

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
        this.splitsChannels = s.splitsChannels() && expand != null;
    }

    @Override
    public void run(float[] a) {
        if (expand != null) {
            expand(a, 0, inH * inW);
        }
        depthwise(a, 0, (outH + 1) / 2);
        project(a, 0, outH * outW);
    }

    @Override
    public Op[] phases() {
        if (splitsChannels) {
            int[] expanded = k.pointwiseChannelBlocks(expand);
            return new Op[] {SplitOp.blocks(expanded, this::expandChannels),
                SplitOp.blocks(expanded, this::depthwiseChannels),
                SplitOp.blocks(k.pointwiseChannelBlocks(project), this::projectChannels)};
        }
        Op depthwisePhase = SplitOp.of((outH + 1) / 2, this::depthwise);
        Op projectPhase = SplitOp.of(outH * outW, this::project);
        return expand == null ? new Op[] {depthwisePhase, projectPhase}
                : new Op[] {SplitOp.of(inH * inW, this::expand), depthwisePhase, projectPhase};
    }

    /** Expanded channels {@code [c0, c1)} of every pixel. */
    private void expandChannels(float[] a, int c0, int c1) {
        k.pointwiseChannels(a, in, inH * inW, expand, c0, c1, Activation.RELU6, null, 0, a,
                expanded);
    }

    /** Depthwise channels {@code [c0, c1)} of every output row. */
    private void depthwiseChannels(float[] a, int c0, int c1) {
        final int inRow = inW * ce;
        for (int y = 0; y < outH; y += 2) {
            int r = y * stride - padTop;
            if (y + 1 < outH) {
                k.depthwiseRowPairChannels(a, row(r, inRow), row(r + 1, inRow),
                        row(r + 2, inRow), row(r + 3, inRow), row(r + 4, inRow), inW, stride,
                        padLeft, depthwise, c0, c1, Activation.RELU6, a, dw + y * outW * ce,
                        dw + (y + 1) * outW * ce, outW);
            } else {
                k.depthwiseRowChannels(a, row(r, inRow), row(r + 1, inRow), row(r + 2, inRow),
                        inW, stride, padLeft, depthwise, c0, c1, Activation.RELU6, a,
                        dw + y * outW * ce, outW);
            }
        }
    }

    /** Output channels {@code [c0, c1)} of every pixel (+ the residual). */
    private void projectChannels(float[] a, int c0, int c1) {
        k.pointwiseChannels(a, dw, outH * outW, project, c0, c1, Activation.LINEAR,
                residual ? a : null, in, a, out);
    }

    /** Expanded pixels {@code [p0, p1)} (1x1 + ReLU6). */
    private void expand(float[] a, int p0, int p1) {
        k.pointwise(a, in + p0 * expand.inChannels, p1 - p0, expand, Activation.RELU6, null, 0,
                a, expanded + p0 * ce);
    }

    /** Depthwise output rows {@code 2 * pair0} to {@code 2 * pair1} (the last one may be odd). */
    private void depthwise(float[] a, int pair0, int pair1) {
        final int inRow = inW * ce;
        for (int y = 2 * pair0; y < 2 * pair1 && y < outH; y += 2) {
            int r = y * stride - padTop;
            if (y + 1 < outH) {
                k.depthwiseRowPair(a, row(r, inRow), row(r + 1, inRow), row(r + 2, inRow),
                        row(r + 3, inRow), row(r + 4, inRow), inW, stride, padLeft, depthwise,
                        Activation.RELU6, a, dw + y * outW * ce, dw + (y + 1) * outW * ce, outW);
            } else {
                k.depthwiseRow(a, row(r, inRow), row(r + 1, inRow), row(r + 2, inRow), inW,
                        stride, padLeft, depthwise, Activation.RELU6, a, dw + y * outW * ce,
                        outW);
            }
        }
    }

    /** Output pixels {@code [p0, p1)}: the linear 1x1 (+ the residual, the block's input). */
    private void project(float[] a, int p0, int p1) {
        final int cout = project.outChannels;
        k.pointwise(a, dw + p0 * ce, p1 - p0, project, Activation.LINEAR, residual ? a : null,
                in + p0 * cout, a, out + p0 * cout);
    }

    private int row(int r, int inRow) {
        return r < 0 || r >= inH ? zero : expanded + r * inRow;
    }
}
