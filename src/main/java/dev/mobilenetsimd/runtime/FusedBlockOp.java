package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.Step;
import java.util.Arrays;

/**
 * An inverted residual block streamed through cache, band by band of output rows:
 * <ol>
 *   <li>expand (1x1 + ReLU6) the input rows the band needs and has not expanded yet, into a ring
 *       of {@code ringRows} expanded rows (each input row once per worker: a row that two
 *       workers' row ranges share is expanded by both, identically);</li>
 *   <li>depthwise 3x3 (+ ReLU6) each output row of the band from three ring rows (or the zero row
 *       for padding) into a band buffer, two rows per kernel call where the band allows;</li>
 *   <li>project the band (1x1, linear) and add the residual in the same store.</li>
 * </ol>
 * The expanded tensor never exists whole. The ring holds {@code (band - 1) * stride + 3} rows, all
 * a band can touch; rows are overwritten only once no later band needs them. Each ring row is
 * {@code W + 2} pixels wide, with a zero pixel on each side, so that the depthwise needs no border
 * columns; the expand writes a run of such rows in one {@link KernelSet#pointwiseRows} call, its
 * tiles crossing row ends, so the narrow 14- and 7-wide blocks still get whole tiles.
 *
 * <p>Block 1 (t = 1, no expand) can instead compute its input rows with the stem
 * ({@link Step#computesStem}): the stem's 3x3 convolution writes them from the image into the
 * same padded ring, so the stem's output, the network's largest activation, is never stored.
 * Block 2 can in turn compute its input rows with block 1 ({@link Step#computesPreviousBlock}):
 * before each band, block 1 writes the rows the band will expand into staging rows, its own ring
 * kept from call to call, so block 1's output is never stored either.
 *
 * <p>A session's threads split a block by output rows, each worker with its own ring; or, where
 * the plan says so ({@link Step#splitsChannels}: one band, a ring of every input row), by
 * channels in two {@link #phases}, sharing one ring: first the expanded channels (the expand of
 * every input row and the depthwise of every output row, for a range of expanded channels), then
 * the output channels (the projection of every pixel, for a range of output channels).
 */
final class FusedBlockOp implements PhasedOp {
    private final KernelSet k;
    private final PackedWeights expand, depthwise, project;
    /** The stem's weights when this block computes its input rows with it, else null. */
    private final PackedWeights stem;
    /** The block before this one when this block computes its input rows with it, else null. */
    private final FusedBlockOp source;
    /** The step, for messages. */
    private final String name;
    /** The stem's input (the image) and its geometry, when {@link #stem} is set. */
    private final int stemIn, stemH, stemW, stemStride, stemPadTop, stemPadLeft;
    /** Whether input rows are written into the ring (by the expand or the stem). */
    private final boolean ringed;
    private final int in, out, ring, dw, zero;
    private final int inH, inW, cin, ce, outH, outW, cout, stride, padTop, padLeft;
    private final int band, ringRows;
    /** The ring slot of input row 0 ({@link Step#ringFirstSlot()}). */
    private final int firstSlot;
    private final boolean residual;
    /** Ring rows with a zero pixel each side ({@link Step#expandedRowsPadded()}). */
    private final boolean padded;
    /** Floats per ring row, and the depthwise's view of a row: width, left padding, first float. */
    private final int rowFloats, dwInW, dwPadLeft, dwSkip;
    /** The two channel phases when the plan splits this block by channels, else null. */
    private final Op[] channelPhases;

    FusedBlockOp(KernelSet k, Step s, PackedWeights expand, PackedWeights depthwise,
                 PackedWeights project) {
        this(k, s, expand, depthwise, project, null, null, null);
    }

    /**
     * A block that computes its input rows with {@code source}, the op of the step before
     * {@code s} ({@link Step#computesPreviousBlock}), itself a block that computes the stem.
     */
    FusedBlockOp(KernelSet k, Step s, PackedWeights expand, PackedWeights depthwise,
                 PackedWeights project, FusedBlockOp source) {
        this(k, s, expand, depthwise, project, null, null, source);
    }

    /**
     * A block that computes its input rows with the stem: {@code stemStep} is the step before
     * {@code s} ({@link Step#fusedIntoNext}), {@code stem} its packed weights.
     */
    FusedBlockOp(KernelSet k, Step s, PackedWeights depthwise, PackedWeights project,
                 Step stemStep, PackedWeights stem) {
        this(k, s, null, depthwise, project, stemStep, stem, null);
    }

    private FusedBlockOp(KernelSet k, Step s, PackedWeights expand, PackedWeights depthwise,
                         PackedWeights project, Step stemStep, PackedWeights stem,
                         FusedBlockOp source) {
        if (s.computesStem() != (stem != null) || stem != null && !s.expandedRowsPadded()) {
            throw new IllegalArgumentException(s + ": the plan says computesStem "
                    + s.computesStem() + ", padded ring " + s.expandedRowsPadded()
                    + ", but stem weights were " + (stem == null ? "not " : "") + "given");
        }
        if (s.computesPreviousBlock() != (source != null) || source != null
                && (source.stem == null || source.residual || expand == null
                || !s.expandedRowsPadded() || source.outW != s.inWidth()
                || source.cout != s.inChannels())) {
            throw new IllegalArgumentException(s + ": the plan says computesPreviousBlock "
                    + s.computesPreviousBlock() + ", padded ring " + s.expandedRowsPadded()
                    + ", but the block computing its rows is " + source);
        }
        this.k = k;
        this.expand = expand;
        this.stem = stem;
        this.source = source;
        this.name = s.toString();
        this.ringed = expand != null || stem != null;
        this.stemIn = stem != null ? stemStep.inOffset() : -1;
        this.stemH = stem != null ? stemStep.inHeight() : 0;
        this.stemW = stem != null ? stemStep.inWidth() : 0;
        this.stemStride = stem != null ? stemStep.stride() : 0;
        this.stemPadTop = stem != null ? stemStep.padTop() : 0;
        this.stemPadLeft = stem != null ? stemStep.padLeft() : 0;
        this.depthwise = depthwise;
        this.project = project;
        this.in = s.inOffset();
        this.out = s.outOffset();
        this.ring = s.expandedOffset();
        this.dw = s.depthwiseOffset();
        this.zero = s.zeroOffset();
        this.inH = s.inHeight();
        this.inW = s.inWidth();
        this.cin = s.inChannels();
        this.ce = s.expandedChannels();
        this.outH = s.outHeight();
        this.outW = s.outWidth();
        this.cout = s.outChannels();
        this.stride = s.stride();
        this.padTop = s.padTop();
        this.padLeft = s.padLeft();
        this.band = s.bandRows();
        this.ringRows = s.expandedRows();
        this.firstSlot = s.ringFirstSlot();
        this.residual = s.hasResidual();
        this.padded = s.expandedRowsPadded();
        this.rowFloats = s.expandedRowFloats();
        // A padded row is [0, x_0 .. x_{W-1}, 0]. Starting the depthwise's row at the zero pixel
        // (padLeft 1) or at x_0 (padLeft 0), with the right zero pixel counted as data, every
        // window lies inside the row: no border columns.
        this.dwInW = padded ? inW + 1 + padLeft : inW;
        this.dwPadLeft = padded ? 0 : padLeft;
        this.dwSkip = padded ? (1 - padLeft) * ce : 0;
        if (s.splitsChannels()) {
            if (expand == null || stem != null || source != null || band < outH
                    || ringRows < inH) {
                throw new IllegalArgumentException(s + ": split by channels needs an expand, one"
                        + " band and a ring of every input row; band " + band + ", ring "
                        + ringRows);
            }
            this.channelPhases = new Op[] {
                SplitOp.blocks(k.pointwiseChannelBlocks(expand), this::expandAndDepthwise),
                SplitOp.blocks(k.pointwiseChannelBlocks(project), this::projectChannels)};
        } else {
            this.channelPhases = null;
        }
    }

    @Override
    public Op[] phases() {
        return channelPhases == null ? null : channelPhases.clone();
    }

    /**
     * Expanded channels {@code [c0, c1)}: the expand of every input row into the ring (a slot per
     * row, no wrap), then the depthwise of every output row into the band.
     */
    private void expandAndDepthwise(float[] a, int c0, int c1) {
        final int inRow = rowFloats;
        if (padded) {
            for (int slot = 0, base = ring; slot < inH; slot++, base += inRow) {
                Arrays.fill(a, base + c0, base + c1, 0f);
                Arrays.fill(a, base + (inW + 1) * ce + c0, base + (inW + 1) * ce + c1, 0f);
            }
            k.pointwiseRowsChannels(a, in, inH, inW, expand, c0, c1, Activation.RELU6, a,
                    ring + ce, inRow);
        } else {
            k.pointwiseChannels(a, in, inH * inW, expand, c0, c1, Activation.RELU6, null, 0, a,
                    ring);
        }
        int y = 0;
        for (; y + 1 < outH; y += 2) {
            int r = y * stride - padTop;
            k.depthwiseRowPairChannels(a, row(r, inRow, ring), row(r + 1, inRow, ring),
                    row(r + 2, inRow, ring), row(r + 3, inRow, ring), row(r + 4, inRow, ring),
                    dwInW, stride, dwPadLeft, depthwise, c0, c1, Activation.RELU6, a,
                    dw + y * outW * ce, dw + (y + 1) * outW * ce, outW);
        }
        if (y < outH) {
            int r = y * stride - padTop;
            k.depthwiseRowChannels(a, row(r, inRow, ring), row(r + 1, inRow, ring),
                    row(r + 2, inRow, ring), dwInW, stride, dwPadLeft, depthwise, c0, c1,
                    Activation.RELU6, a, dw + y * outW * ce, outW);
        }
    }

    /** Output channels {@code [c0, c1)} of every pixel: the projection (+ residual). */
    private void projectChannels(float[] a, int c0, int c1) {
        k.pointwiseChannels(a, dw, outH * outW, project, c0, c1, Activation.LINEAR,
                residual ? a : null, in, a, out);
    }

    @Override
    public String toString() {
        return "fused " + name;
    }

    @Override
    public void run(float[] a) {
        run(a, 0, outH, 0);
    }

    @Override
    public int units() {
        return outH;
    }

    /**
     * Output rows {@code [rowStart, rowEnd)}. A worker expands every input row its rows need,
     * into its own ring (shifted by {@code scratchShift}); rows needed on both sides of a split
     * are expanded by both workers, identically.
     */
    @Override
    public void run(float[] a, int rowStart, int rowEnd, int scratchShift) {
        clearRingBorders(a, scratchShift);
        if (source != null) {
            source.clearRingBorders(a, scratchShift);
        }
        rows(a, rowStart, rowEnd, scratchShift, firstInputRow(rowStart),
                out + rowStart * outW * cout);
    }

    /**
     * The border pixels of every ring slot: the expand or the stem writes only the W pixels
     * between them, and the region is shared with other blocks, so they are cleared on each run.
     */
    private void clearRingBorders(float[] a, int scratchShift) {
        if (!padded) {
            return;
        }
        for (int slot = 0, base = ring + scratchShift; slot < ringRows; slot++, base += rowFloats) {
            Arrays.fill(a, base, base + ce, 0f);
            Arrays.fill(a, base + (inW + 1) * ce, base + rowFloats, 0f);
        }
    }

    /** The first input row that output row {@code y} reads (0 where it starts in the padding). */
    private int firstInputRow(int y) {
        return Math.max(0, y * stride - padTop);
    }

    /**
     * Computes output rows {@code [rowStart, rowEnd)}, band by band, row {@code y} at
     * {@code outBase + (y - rowStart) * outW * cout}. The ring holds the input rows expanded so
     * far; {@code nextToExpand} is the first one not yet expanded. Returns the new one, so that
     * a block computing its input with this one ({@link #source}) can ask for the next rows in
     * another call with its ring intact.
     */
    private int rows(float[] a, int rowStart, int rowEnd, int scratchShift, int nextToExpand,
                     int outBase) {
        final int inRow = rowFloats;
        final int ring = this.ring + scratchShift;
        final int dw = this.dw + scratchShift;
        // the source's ring state, kept across its calls (it has no source of its own)
        int sourceNext = source != null ? source.firstInputRow(nextToExpand) : 0;
        final int staging = in + scratchShift; // with a source: as many rows as the ring
        for (int y0 = rowStart; y0 < rowEnd; y0 += band) {
            int y1 = Math.min(y0 + band, rowEnd);
            if (ringed) {
                int last = Math.min(inH - 1, (y1 - 1) * stride - padTop + 2);
                final int staged = nextToExpand;
                if (source != null && staged <= last) {
                    // all the rows this band expands, in one call: the ring's wrap would split
                    // it into short ones, and the source's bands into single rows
                    sourceNext = source.rows(a, staged, last + 1, scratchShift, sourceNext,
                            staging);
                }
                while (nextToExpand <= last) {
                    // a run of rows contiguous in the ring (split at the wrap), one call
                    int slot = (nextToExpand + firstSlot) % ringRows;
                    int rows = Math.min(last - nextToExpand + 1, ringRows - slot);
                    if (source != null) { // from the staging rows, as below
                        k.pointwiseRows(a, staging + (nextToExpand - staged) * inW * cin, rows,
                                inW, expand, Activation.RELU6, a, ring + slot * inRow + ce,
                                inRow);
                    } else if (stem != null) { // padded rows: between the zero pixels
                        k.conv3x3Rows(a, stemIn, stemH, stemW, stemStride, stemPadTop,
                                stemPadLeft, stem, Activation.RELU6, a, ring + slot * inRow + ce,
                                inRow, inW, nextToExpand, nextToExpand + rows);
                    } else if (padded) { // rows W + 2 pixels apart: write between the zero pixels
                        k.pointwiseRows(a, in + nextToExpand * inW * cin, rows, inW, expand,
                                Activation.RELU6, a, ring + slot * inRow + ce, inRow);
                    } else {
                        k.pointwise(a, in + nextToExpand * inW * cin, rows * inW, expand,
                                Activation.RELU6, null, 0, a, ring + slot * inRow);
                    }
                    nextToExpand += rows;
                }
            }
            int y = y0;
            for (; y + 1 < y1; y += 2) { // two rows per call share their middle input rows
                int r = y * stride - padTop;
                k.depthwiseRowPair(a, row(r, inRow, ring), row(r + 1, inRow, ring),
                        row(r + 2, inRow, ring), row(r + 3, inRow, ring), row(r + 4, inRow, ring),
                        dwInW, stride, dwPadLeft, depthwise, Activation.RELU6, a,
                        dw + (y - y0) * outW * ce, dw + (y + 1 - y0) * outW * ce, outW);
            }
            if (y < y1) {
                int r = y * stride - padTop;
                k.depthwiseRow(a, row(r, inRow, ring), row(r + 1, inRow, ring),
                        row(r + 2, inRow, ring), dwInW, stride, dwPadLeft, depthwise,
                        Activation.RELU6, a, dw + (y - y0) * outW * ce, outW);
            }
            k.pointwise(a, dw, (y1 - y0) * outW, project, Activation.LINEAR,
                    residual ? a : null, in + y0 * outW * cout, a,
                    outBase + (y0 - rowStart) * outW * cout);
        }
        return nextToExpand;
    }

    /**
     * Arena offset of expanded input row {@code r} as the depthwise reads it: a ring slot (past
     * its left zero pixel when the padding is 0), the input itself, or the zero row (as wide as a
     * padded row).
     */
    private int row(int r, int inRow, int ring) {
        if (r < 0 || r >= inH) {
            return zero;
        }
        return ringed ? ring + ((r + firstSlot) % ringRows) * inRow + dwSkip : in + r * inRow;
    }
}
