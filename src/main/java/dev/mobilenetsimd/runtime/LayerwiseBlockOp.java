package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.Step;

/**
 * An inverted residual block layer by layer: the whole expanded tensor, then the whole depthwise
 * output, then the projection (+ residual). The comparison point for {@link FusedBlockOp}.
 * With a worker team each layer is split on its own ({@link #phases}): the 1x1 layers by pixels,
 * the depthwise by pairs of output rows, so every row is computed as by {@link #run(float[])}.
 */
final class LayerwiseBlockOp implements PhasedOp {
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
            expand(a, 0, inH * inW);
        }
        depthwise(a, 0, (outH + 1) / 2);
        project(a, 0, outH * outW);
    }

    @Override
    public Op[] phases() {
        Op depthwisePhase = new Split((outH + 1) / 2, this::depthwise);
        Op projectPhase = new Split(outH * outW, this::project);
        return expand == null ? new Op[] {depthwisePhase, projectPhase}
                : new Op[] {new Split(inH * inW, this::expand), depthwisePhase, projectPhase};
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

    /** Work on units {@code [start, end)} of one layer. */
    private interface Range {
        void run(float[] a, int start, int end);
    }

    /** One layer of the block as a step of its own, in {@code units} parts. */
    private static final class Split implements Op {
        private final int units;
        private final Range work;

        Split(int units, Range work) {
            this.units = units;
            this.work = work;
        }

        @Override
        public int units() {
            return units;
        }

        @Override
        public void run(float[] a) {
            work.run(a, 0, units);
        }

        @Override
        public void run(float[] a, int start, int end, int scratchShift) {
            work.run(a, start, end); // no scratch: each layer writes its own whole tensor
        }
    }

    private int row(int r, int inRow) {
        return r < 0 || r >= inH ? zero : expanded + r * inRow;
    }
}
