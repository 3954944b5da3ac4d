package dev.mobilenetsimd.plan;

import java.util.Collections;
import java.util.List;

/**
 * One step of an {@link ExecutionPlan}: its shapes, stride and padding, its weighted layers, its
 * multiply-adds and parameters, and the arena regions it reads and writes. Immutable once the plan
 * is built; runtimes read these numbers once, when a model is compiled.
 */
public final class Step {
    /** What a step computes. */
    public enum Kind {
        /** 3x3 convolution, stride 2, from the RGB image, + ReLU6. */
        STEM,
        /**
         * Inverted residual block: [1x1 expand + ReLU6] →
         * 3x3 depthwise + ReLU6 → 1x1 project [+ input].
         */
        BOTTLENECK,
        /** The last 1x1 convolution + ReLU6. */
        CONV1X1,
        /** Global average pool over all pixels. */
        AVG_POOL,
        /** Fully connected layer to the class logits. */
        CLASSIFIER
    }

    final int index;
    final Kind kind;
    final String name;
    final int inH, inW, inC, outH, outW, outC;
    final int stride, padTop, padLeft;
    final int expansion, expandedChannels;
    final int repeat, repeats;
    final List<Layer> layers;
    final long macs;
    // Arena assignment (offsets in floats), set by the plan builder.
    int inOffset = -1, outOffset = -1;
    int expandedOffset = -1, expandedRows, depthwiseOffset = -1, depthwiseRows, zeroOffset = -1;
    int bandRows, ringFirstSlot;
    boolean expandedRowsPadded;
    boolean fusedIntoNext, computesStem, computesPreviousBlock;
    boolean splitsChannels;
    List<BufferUse> reads = List.of(), writes = List.of();

    Step(int index, Kind kind, String name, int inH, int inW, int inC, int outH, int outW, int outC,
         int stride, int padTop, int padLeft, int expansion, int expandedChannels, int repeat,
         int repeats, List<Layer> layers, long macs) {
        this.index = index;
        this.kind = kind;
        this.name = name;
        this.inH = inH;
        this.inW = inW;
        this.inC = inC;
        this.outH = outH;
        this.outW = outW;
        this.outC = outC;
        this.stride = stride;
        this.padTop = padTop;
        this.padLeft = padLeft;
        this.expansion = expansion;
        this.expandedChannels = expandedChannels;
        this.repeat = repeat;
        this.repeats = repeats;
        this.layers = Collections.unmodifiableList(layers);
        this.macs = macs;
    }

    /** {@return the position in the plan, from 0} */
    public int index() { return index; }
    /** {@return what the step computes} */
    public Kind kind() { return kind; }
    /** {@return the name, e.g. {@code "stem"}, {@code "block5"}, {@code "conv_last"}} */
    public String name() { return name; }
    /** {@return the input rows} */
    public int inHeight() { return inH; }
    /** {@return the input columns} */
    public int inWidth() { return inW; }
    /** {@return the input channels} */
    public int inChannels() { return inC; }
    /** {@return the output rows} */
    public int outHeight() { return outH; }
    /** {@return the output columns} */
    public int outWidth() { return outW; }
    /** {@return the output channels (classes for the classifier)} */
    public int outChannels() { return outC; }
    /** {@return the stride of the step's 3x3 layer (1 for steps without one)} */
    public int stride() { return stride; }
    /** {@return the zero rows above the input for the 3x3 layer} */
    public int padTop() { return padTop; }
    /** {@return the zero columns left of the input for the 3x3 layer} */
    public int padLeft() { return padLeft; }
    /** {@return the expansion factor t of a bottleneck (0 for other steps)} */
    public int expansion() { return expansion; }
    /** {@return the channels after the expand layer (= input channels when t = 1)} */
    public int expandedChannels() { return expandedChannels; }
    /** {@return whether this bottleneck has a 1x1 expand layer (t != 1)} */
    public boolean hasExpand() { return kind == Kind.BOTTLENECK && expandedChannels != inC; }
    /** {@return whether this bottleneck adds its input to its output (stride 1, same channels)} */
    public boolean hasResidual() { return kind == Kind.BOTTLENECK && stride == 1 && inC == outC; }
    /** {@return the 1-based position within its row of the architecture table} */
    public int repeat() { return repeat; }
    /** {@return n of its row of the architecture table} */
    public int repeats() { return repeats; }
    /** {@return the weighted layers, in execution order (empty for the pool)} */
    public List<Layer> layers() { return layers; }
    /** {@return the floats of the input tensor: height × width × channels} */
    public long inFloats() { return (long) inH * inW * inC; }
    /** {@return the floats of the output tensor: height × width × channels} */
    public long outFloats() { return (long) outH * outW * outC; }
    /** {@return the multiply-adds of the step's convolutions / classifier} */
    public long macs() { return macs; }
    /** {@return the parameters (kernels and biases) of the step's layers} */
    public long params() {
        long p = 0;
        for (Layer l : layers) {
            p += l.params();
        }
        return p;
    }
    /**
     * Arena offset of the step's input tensor; -1 if never stored ({@link #computesStem()}). For a
     * block that {@link #computesPreviousBlock()}, the staging rows its input rows pass through.
     *
     * @return the offset in the arena, or -1
     */
    public int inOffset() { return inOffset; }
    /**
     * {@return the arena offset of the step's output tensor; -1 if never stored
     * ({@link #fusedIntoNext()})}
     */
    public int outOffset() { return outOffset; }
    /**
     * Whether this step's output is never stored because the next step computes it, row by row,
     * as it needs it: in fused mode, the stem, whose rows block 1 computes into its ring, and
     * block 1, whose rows block 2 computes as it expands them ({@link #computesPreviousBlock()}).
     * The step itself then does nothing; its reads and writes are listed by the step doing it.
     *
     * @return {@code true} if the next step computes this one's output
     */
    public boolean fusedIntoNext() { return fusedIntoNext; }
    /**
     * Whether this block computes its input rows from the image with the stem (the step before
     * it, {@link #fusedIntoNext()}) into its ring of {@link #expandedRows()} padded rows, in place
     * of an expand layer: block 1 (t = 1) in fused mode. Its input is then the stem's input.
     *
     * @return {@code true} for a block that computes the stem
     */
    public boolean computesStem() { return computesStem; }
    /**
     * Whether this block computes its input rows with the block before it (itself
     * {@link #fusedIntoNext()}, and {@link #computesStem()}), a few rows at a time, just before its
     * expand reads them from the staging rows at {@link #inOffset()}: block 2 in fused mode, so
     * that block 1's output (800 KB at 1.0/224) never goes through memory. The earlier block's
     * ring and depthwise band are at its own {@link #expandedOffset()} and
     * {@link #depthwiseOffset()}, apart from this block's.
     *
     * @return {@code true} for a block that computes the block before it
     */
    public boolean computesPreviousBlock() { return computesPreviousBlock; }
    /**
     * Whether this block computes its input itself: {@link #computesStem()} or
     * {@link #computesPreviousBlock()}.
     *
     * @return {@code true} for a block that computes its input
     */
    public boolean computesInput() { return computesStem || computesPreviousBlock; }
    /**
     * Arena offset of the expanded rows: in fused mode a ring of {@link #expandedRows()} rows, in
     * layer-by-layer mode the whole expanded tensor; -1 without an expand layer (unless the block
     * {@link #computesStem()}: then its ring holds stem output rows).
     *
     * @return the offset in the arena, or -1
     */
    public int expandedOffset() { return expandedOffset; }
    /**
     * {@return the rows (of {@link #expandedRowFloats()} floats each) held at
     * {@link #expandedOffset()}}
     */
    public int expandedRows() { return expandedRows; }
    /**
     * Whether each expanded row has one zero pixel before and after its {@code inWidth} pixels
     * (the fused ring): the depthwise then reads the padding columns as data and needs no border
     * tests. The zero row is as wide.
     *
     * @return {@code true} for padded rows
     */
    public boolean expandedRowsPadded() { return expandedRowsPadded; }
    /**
     * Floats per expanded row: {@code (inWidth + 2) * expandedChannels} when padded, else
     * {@code inWidth * expandedChannels}.
     *
     * @return the floats per row
     */
    public int expandedRowFloats() { return expandedRowFloats(this, expandedRowsPadded); }

    static int expandedRowFloats(Step s, boolean padded) {
        return (s.inW + (padded ? 2 : 0)) * s.expandedChannels;
    }
    /**
     * {@return the arena offset of the depthwise output (a band in fused mode, whole in
     * layer-by-layer mode)}
     */
    public int depthwiseOffset() { return depthwiseOffset; }
    /**
     * {@return the rows (of {@code outWidth * expandedChannels} floats) held at
     * {@link #depthwiseOffset()}}
     */
    public int depthwiseRows() { return depthwiseRows; }
    /** {@return the arena offset of a row of zeros standing for padding rows} */
    public int zeroOffset() { return zeroOffset; }
    /**
     * {@return the output rows a block produces per band (fused mode); {@code outHeight} in
     * layer-by-layer mode; 0 for the steps that are not blocks}
     */
    public int bandRows() { return bandRows; }
    /**
     * The ring slot of input row 0: a fused ring of fewer rows than the input keeps row
     * {@code r} in slot {@code (r + ringFirstSlot) mod expandedRows}. The plan picks it so that
     * the rows each band expands lie contiguous in the ring as often as possible, each run one
     * expand call: with slot {@code r mod 4}, block 3's four-row ring wrapped in every other band.
     * 0 where the ring holds every input row, and in layer-by-layer mode.
     *
     * @return the slot, 0 to {@code expandedRows - 1}
     */
    public int ringFirstSlot() { return ringFirstSlot; }

    /**
     * Whether a session's threads split this step by channels rather than by output rows or
     * pixels. A fused block that does: first its expanded channels (the expand and the depthwise
     * of every row), then its output channels (the projection of every pixel); run layer by
     * layer, each layer by its output channels. Chosen for steps of few pixels (one fused band),
     * where splitting rows would leave one thread more rows, make both expand the rows around
     * the split, and make each read all the weights.
     *
     * @return {@code true} if threads split this step by channels
     */
    public boolean splitsChannels() { return splitsChannels; }
    /** {@return the arena regions read} */
    public List<BufferUse> reads() { return reads; }
    /** {@return the arena regions written (scratch included)} */
    public List<BufferUse> writes() { return writes; }
    /** {@return the floats of scratch and output this step writes} */
    public long bufferFloats() {
        long n = 0;
        for (BufferUse b : writes) {
            n += b.length();
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + inH + "x" + inW + "x" + inC + " -> " + outH + "x" + outW + "x" + outC;
    }
}
