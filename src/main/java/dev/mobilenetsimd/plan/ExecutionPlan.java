package dev.mobilenetsimd.plan;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.kernels.Activation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The static execution plan: built once from a {@link ModelConfig} and the {@link Architecture}
 * table, it fixes every step's shapes, stride and padding, every weight slot, and where in one
 * float arena each tensor and scratch buffer lives. A session allocates the arena once
 * ({@link #arenaFloats()}); running the plan is a loop over its steps with no shape logic.
 *
 * <p>Arena regions: {@code input} (the image), {@code act0}/{@code act1} (block inputs and outputs,
 * ping-pong), {@code expanded} (fused: a ring of expanded rows, or for block 1 of stem output rows;
 * while block 2 computes block 1's rows, its ring, block 1's ring and the staging rows between
 * them; layer-by-layer: the whole expanded tensor), {@code depthwise} (fused: one band of
 * depthwise output rows, block 2's and block 1's side by side; layer-by-layer: all of it),
 * {@code zero} (a row of zeros for padding rows), {@code pooled} and {@code logits}.
 */
public final class ExecutionPlan {
    /** Output pixels a fused band aims for, so the project GEMM gets enough rows. */
    static final int FUSED_BAND_TARGET_PIXELS = 96;
    /** Regions start on 64-byte boundaries of a large array (see {@link HeapLayout}). */
    private static final int ALIGN = HeapLayout.ALIGN_FLOATS;
    /**
     * Images a batch runs together at most ({@link #batchGroup}). On 16 images of MobileNetV2
     * 1.0/224, groups of 4, 8 and 16 took 0.98-0.90, 0.96-0.87 and 0.95-0.86 of the
     * image-by-image time (reports/HISTORY.md, session 14); eight keeps the buffers set aside at
     * 2 MB there.
     */
    static final int MAX_BATCH_GROUP = 8;
    /** Bytes a batch group may keep between steps at most, all its images' tensors together. */
    static final long BATCH_GROUP_BYTES = 64L << 20;

    private final ModelConfig config;
    private final ExecutionMode mode;
    private final List<Step> steps;
    private final List<Layer> layers;
    private final Map<String, BufferUse> regions;
    private final int arenaFloats;
    private final long fusedArenaFloats;
    private final long layerwiseArenaFloats;
    private final int batchSplitStep;
    private final int batchCarryFloats;
    private final int featureSteps;

    private ExecutionPlan(ModelConfig config, ExecutionMode mode, List<Step> steps,
                          List<Layer> layers, Map<String, BufferUse> regions, int arenaFloats,
                          long fusedArenaFloats, long layerwiseArenaFloats) {
        this.config = config;
        this.mode = mode;
        this.steps = Collections.unmodifiableList(steps);
        this.layers = Collections.unmodifiableList(layers);
        this.regions = Collections.unmodifiableMap(regions);
        this.arenaFloats = arenaFloats;
        this.fusedArenaFloats = fusedArenaFloats;
        this.layerwiseArenaFloats = layerwiseArenaFloats;
        this.batchSplitStep = batchSplitStep(steps);
        this.featureSteps = featureSteps(steps);
        long carry = 0;
        for (int i = batchSplitStep; i < steps.size(); i++) {
            Step st = steps.get(i);
            carry = Math.max(carry, Math.max(i == batchSplitStep ? st.inFloats() : 0,
                    st.outFloats()));
        }
        if (carry > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a tensor of " + carry + " floats: too large for"
                    + " one array");
        }
        this.batchCarryFloats = (int) carry;
    }

    /**
     * The first step whose weights outweigh its activations (parameters against input plus
     * output floats), or the step count if none does. Before it the activations are what a batch
     * would have to keep in cache; from it on, the weights (on MobileNetV2 1.0/224: step 8, the
     * 14x14 blocks, whose weights no longer fit L2 across an inference). Never between a step and
     * the next one that does its work ({@link Step#fusedIntoNext}): the pair stores no tensor
     * between them.
     */
    private static int batchSplitStep(List<Step> steps) {
        int split = steps.size();
        for (Step s : steps) {
            if (s.params() > s.inFloats() + s.outFloats()) {
                split = s.index();
                break;
            }
        }
        while (split < steps.size()
                && (steps.get(split).fusedIntoNext() || steps.get(split).computesInput())) {
            split++; // a step fused into the next stores no tensor to carry, nor is one its input
        }
        return split;
    }

    /**
     * The fused plan for {@code config}.
     *
     * @param config the variant
     * @return the plan
     * @throws NullPointerException if {@code config} is null
     */
    public static ExecutionPlan build(ModelConfig config) {
        return build(config, ExecutionMode.FUSED);
    }

    /**
     * The plan for {@code config}, executing blocks in {@code mode}.
     *
     * @param config the variant
     * @param mode fused blocks or layer by layer
     * @return the plan
     * @throws NullPointerException if an argument is null
     */
    public static ExecutionPlan build(ModelConfig config, ExecutionMode mode) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(mode, "mode");
        List<Layer> layers = new ArrayList<>();
        List<Step> steps = structure(config, layers);
        long fused = assign(steps, config, ExecutionMode.FUSED, new LinkedHashMap<>(), false);
        long layerwise =
                assign(steps, config, ExecutionMode.LAYERWISE, new LinkedHashMap<>(), false);
        Map<String, BufferUse> regions = new LinkedHashMap<>();
        long arena = assign(steps, config, mode, regions, true);
        if (arena > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("resolution " + config.resolution() + " at alpha "
                    + config.alpha() + " needs an arena of " + arena
                    + " floats: too large for one array");
        }
        return new ExecutionPlan(config, mode, steps, layers, regions, (int) arena, fused,
                layerwise);
    }

    /** The shapes and layers of every step, from the architecture table. */
    private static List<Step> structure(ModelConfig cfg, List<Layer> layers) {
        List<Step> steps = new ArrayList<>();
        Padding pad = cfg.padding();
        double alpha = cfg.alpha();

        int h = cfg.resolution(), w = cfg.resolution(), c = Architecture.INPUT_CHANNELS;
        int stemC = Architecture.scaledChannels(Architecture.STEM_CHANNELS, alpha);
        int s = Architecture.STEM_STRIDE;
        int oh = pad.outputSize(h, s), ow = pad.outputSize(w, s);
        Layer stem = layer(layers, "stem", Layer.Kind.CONV3X3, c, stemC, Activation.RELU6);
        steps.add(new Step(steps.size(), Step.Kind.STEM, "stem", h, w, c, oh, ow, stemC, s,
                pad.before(h, s), pad.before(w, s), 0, 0, 1, 1, List.of(stem),
                (long) oh * ow * 9 * c * stemC));
        h = oh;
        w = ow;
        c = stemC;

        int block = 0;
        for (Architecture.Bottleneck row : Architecture.BOTTLENECKS) {
            int outC = Architecture.scaledChannels(row.c(), alpha);
            for (int i = 0; i < row.n(); i++) {
                block++;
                int stride = i == 0 ? row.s() : 1;
                int ce = row.t() == 1 ? c : Architecture.makeDivisible((double) c * row.t(), 8);
                oh = pad.outputSize(h, stride);
                ow = pad.outputSize(w, stride);
                String name = "block" + block;
                List<Layer> ls = new ArrayList<>(3);
                long macs = 0;
                if (ce != c) {
                    ls.add(layer(layers, name + ".expand", Layer.Kind.POINTWISE, c, ce,
                            Activation.RELU6));
                    macs += (long) h * w * c * ce;
                }
                ls.add(layer(layers, name + ".depthwise", Layer.Kind.DEPTHWISE, ce, ce,
                        Activation.RELU6));
                ls.add(layer(layers, name + ".project", Layer.Kind.POINTWISE, ce, outC,
                        Activation.LINEAR));
                macs += (long) oh * ow * 9 * ce + (long) oh * ow * ce * outC;
                steps.add(new Step(steps.size(), Step.Kind.BOTTLENECK, name, h, w, c, oh, ow, outC,
                        stride, pad.before(h, stride), pad.before(w, stride), row.t(), ce, i + 1,
                        row.n(), ls, macs));
                h = oh;
                w = ow;
                c = outC;
            }
        }

        int lastC = Architecture.lastChannels(alpha);
        Layer last = layer(layers, "conv_last", Layer.Kind.POINTWISE, c, lastC, Activation.RELU6);
        steps.add(new Step(steps.size(), Step.Kind.CONV1X1, "conv_last", h, w, c, h, w, lastC, 1, 0,
                0, 0, 0, 1, 1, List.of(last), (long) h * w * c * lastC));
        c = lastC;
        steps.add(new Step(steps.size(), Step.Kind.AVG_POOL, "avgpool", h, w, c, 1, 1, c, 1, 0, 0,
                0, 0, 1, 1, List.of(), 0));
        Layer fc = layer(layers, "classifier", Layer.Kind.DENSE, c, cfg.classes(),
                Activation.LINEAR);
        steps.add(new Step(steps.size(), Step.Kind.CLASSIFIER, "classifier", 1, 1, c, 1, 1,
                cfg.classes(), 1, 0, 0, 0, 0, 1, 1, List.of(fc), (long) c * cfg.classes()));
        return steps;
    }

    private static Layer layer(List<Layer> layers, String name, Layer.Kind kind, int in, int out,
                               Activation act) {
        Layer l = new Layer(layers.size(), name, kind, in, out, act);
        layers.add(l);
        return l;
    }

    /**
     * Output rows per fused band for a block: enough pixels for an efficient project GEMM, and
     * an even count so the depthwise runs as row pairs ({@code KernelSet.depthwiseRowPair}).
     */
    static int bandRows(int outH, int outW) {
        int rows = (FUSED_BAND_TARGET_PIXELS + outW - 1) / outW;
        rows += rows & 1;
        return Math.max(1, Math.min(rows, outH));
    }

    /**
     * Whether a block's expanded rows carry a zero pixel on each side: in fused mode, for blocks
     * with an expand layer or computing the stem (the ring the block writes itself) and a left
     * padding of at most one pixel (always, for a 3x3 window).
     */
    static boolean paddedRing(Step st, ExecutionMode mode, boolean stemFused) {
        return mode == ExecutionMode.FUSED && writesRing(st, stemFused) && st.padLeft <= 1;
    }

    /** Whether a block writes its input rows into a ring: with its expand, or with the stem. */
    private static boolean writesRing(Step st, boolean stemFused) {
        return st.hasExpand() || stemFused && st.index == 1;
    }

    /**
     * Whether block 1 computes the stem's rows into its ring, so that the stem's output (the
     * largest activation, 1.6 MB at 1.0/224) is never stored: in fused mode, when block 1 has no
     * expand layer (t = 1, as in the table) for the stem to stand in for, and no residual (which
     * would need the stem's output whole; only width multipliers below 0.35 give one, when the
     * stem's and block 1's channels both round to 8).
     */
    static boolean stemFused(List<Step> steps, ExecutionMode mode) {
        if (mode != ExecutionMode.FUSED || steps.size() < 2) {
            return false;
        }
        Step stem = steps.get(0), block = steps.get(1);
        return stem.kind == Step.Kind.STEM && block.kind == Step.Kind.BOTTLENECK
                && !block.hasExpand() && !block.hasResidual() && block.padLeft <= 1;
    }

    /**
     * Whether block 2 computes block 1's rows as it expands them, so that block 1's output (800 KB
     * at 1.0/224) is never stored: in fused mode, when block 1 computes the stem
     * ({@link #stemFused}), and block 2 has an expand layer writing a padded ring and no residual
     * (which would need block 1's output rows again). Always so for the table's block 2 (t = 6,
     * stride 2). Block 1's ring and depthwise band then sit beside block 2's, and its output rows
     * pass through staging rows, as many as block 2's ring holds.
     */
    static boolean blockChained(List<Step> steps, ExecutionMode mode) {
        if (!stemFused(steps, mode) || steps.size() < 3) {
            return false;
        }
        Step block = steps.get(2);
        return block.kind == Step.Kind.BOTTLENECK && block.hasExpand() && !block.hasResidual()
                && paddedRing(block, mode, true);
    }

    /**
     * Floats of the staging rows of a block that computes the previous block's rows: as many rows
     * as its ring, the most one expand call reads. (Staging 16 or 32 rows, so that block 1 runs
     * in fewer, longer calls, measured the same: reports/HISTORY.md, session 16.)
     */
    private static long stagingFloats(Step st, boolean stemFused) {
        return (long) ringRowsOf(st, stemFused) * st.inW * st.inC;
    }

    /** Floats of a fused block's ring ({@link #ringRowsOf} rows). */
    private static long ringFloats(Step st, ExecutionMode mode, boolean stemFused) {
        return ringRowsOf(st, stemFused)
                * Step.expandedRowFloats(st, paddedRing(st, mode, stemFused));
    }

    /** Floats of a fused block's band of depthwise output rows. */
    private static long bandFloats(Step st) {
        return (long) bandRows(st.outH, st.outW) * st.outW * st.expandedChannels;
    }

    /** Rows of a fused block's ring: what its expand or the stem writes; 0 if neither. */
    private static int ringRowsOf(Step st, boolean stemFused) {
        return writesRing(st, stemFused)
                ? ringRows(bandRows(st.outH, st.outW), st.stride, st.inH) : 0;
    }

    /**
     * The ring slot of input row 0 ({@link Step#ringFirstSlot()}) that needs the fewest expand
     * calls on one thread ({@link #expandCalls}); the smallest such slot. 0 where the ring holds
     * every input row.
     */
    static int ringFirstSlot(int inH, int outH, int stride, int padTop, int band, int ringRows) {
        if (ringRows >= inH) {
            return 0;
        }
        int best = 0;
        long fewest = Long.MAX_VALUE;
        for (int first = 0; first < ringRows; first++) {
            long calls = expandCalls(inH, outH, stride, padTop, band, ringRows, first);
            if (calls < fewest) {
                fewest = calls;
                best = first;
            }
        }
        return best;
    }

    /**
     * Expand calls of a fused block on one thread with input row 0 in ring slot {@code first}:
     * the bands in order, each expanding its new input rows as runs contiguous in the ring, one
     * call per run (the schedule of {@code runtime.FusedBlockOp}).
     */
    static long expandCalls(int inH, int outH, int stride, int padTop, int band, int ringRows,
                            int first) {
        long calls = 0;
        int next = 0; // the first input row not yet expanded
        for (int y0 = 0; y0 < outH; y0 += band) {
            int y1 = Math.min(y0 + band, outH);
            int last = Math.min(inH - 1, (y1 - 1) * stride - padTop + 2);
            while (next <= last) {
                int slot = (next + first) % ringRows;
                next += Math.min(last - next + 1, ringRows - slot);
                calls++;
            }
        }
        return calls;
    }

    /** Input rows a fused band of {@code band} output rows keeps in the expanded ring. */
    static int ringRows(int band, int stride, int inH) {
        return Math.min(inH, (band - 1) * stride + 3);
    }

    /**
     * Sizes the arena regions for {@code mode} and records them in {@code regions}; with
     * {@code wireSteps}, also stores the offsets in the steps. Returns the arena size in floats.
     */
    private static long assign(List<Step> steps, ModelConfig cfg, ExecutionMode mode,
                               Map<String, BufferUse> regions, boolean wireSteps) {
        long input = (long) cfg.resolution() * cfg.resolution() * Architecture.INPUT_CHANNELS;
        long act = 0, expanded = 0, depthwise = 0, zero = 0;
        final boolean stemFused = stemFused(steps, mode);
        final boolean chained = blockChained(steps, mode);
        for (Step st : steps) {
            if (!(stemFused && st.index == 0 || chained && st.index == 1)) {
                act = Math.max(act, (long) st.outH * st.outW * st.outC);
            }
            if (st.kind == Step.Kind.BOTTLENECK) {
                long inRow = Step.expandedRowFloats(st, paddedRing(st, mode, stemFused));
                long outRow = (long) st.outW * st.expandedChannels;
                zero = Math.max(zero, inRow);
                if (mode == ExecutionMode.FUSED) {
                    long ring = ringFloats(st, mode, stemFused), band = bandFloats(st);
                    if (chained && st.index == 2) { // block 1's scratch beside this block's
                        Step b1 = steps.get(1);
                        ring += ringFloats(b1, mode, stemFused) + stagingFloats(st, stemFused);
                        band += bandFloats(b1);
                    }
                    expanded = Math.max(expanded, ring);
                    depthwise = Math.max(depthwise, band);
                } else {
                    if (st.hasExpand()) {
                        expanded = Math.max(expanded, st.inH * inRow);
                    }
                    depthwise = Math.max(depthwise, st.outH * outRow);
                }
            }
        }
        Step last = steps.get(steps.size() - 1);
        long[] cursor = {HeapLayout.alignUp(0)};
        BufferUse in = region(regions, cursor, "input", input);
        BufferUse act0 = region(regions, cursor, "act0", act);
        BufferUse act1 = region(regions, cursor, "act1", act);
        BufferUse exp = region(regions, cursor, "expanded", expanded);
        BufferUse dw = region(regions, cursor, "depthwise", depthwise);
        BufferUse zer = region(regions, cursor, "zero", zero);
        BufferUse pooled = region(regions, cursor, "pooled", last.inC);
        BufferUse logits = region(regions, cursor, "logits", last.outC);
        if (wireSteps) {
            wire(steps, mode, in, act0, act1, exp, dw, zer, pooled, logits);
        }
        return cursor[0];
    }

    private static BufferUse region(Map<String, BufferUse> regions, long[] cursor, String name,
            long floats) {
        long off = HeapLayout.alignUp(cursor[0]);
        cursor[0] = off + floats;
        // Sizes past int range are caught by build();
        // clamp so the throw-away passes cannot overflow.
        BufferUse b = new BufferUse(name, (int) Math.min(off, Integer.MAX_VALUE),
                (int) Math.min(floats, Integer.MAX_VALUE));
        regions.put(name, b);
        return b;
    }

    private static void wire(List<Step> steps, ExecutionMode mode, BufferUse input, BufferUse act0,
                             BufferUse act1, BufferUse exp, BufferUse dw, BufferUse zero,
                             BufferUse pooled, BufferUse logits) {
        final boolean stemFused = stemFused(steps, mode);
        final boolean chained = blockChained(steps, mode);
        // Chained, block 1's ring and band follow block 2's, and the staging rows block 1's ring.
        int chainRing = -1, chainBand = -1, staging = -1;
        if (chained) {
            Step b1 = steps.get(1), b2 = steps.get(2);
            chainRing = exp.offset() + (int) ringFloats(b2, mode, true);
            staging = chainRing + (int) ringFloats(b1, mode, true);
            chainBand = dw.offset() + (int) bandFloats(b2);
        }
        BufferUse cur = input;
        boolean toAct0 = true;
        List<BufferUse> carried = List.of(); // scratch of a block fused into the next one
        for (Step st : steps) {
            int inLen = st.inH * st.inW * st.inC;
            int outLen = st.outH * st.outW * st.outC;
            boolean chainedBlock1 = chained && st.index == 1;
            st.fusedIntoNext = stemFused && st.index == 0 || chainedBlock1;
            st.computesStem = stemFused && st.index == 1;
            st.computesPreviousBlock = chained && st.index == 2;
            List<BufferUse> reads = new ArrayList<>();
            List<BufferUse> writes = new ArrayList<>();
            if (st.kind == Step.Kind.STEM && st.fusedIntoNext) {
                // the next step reads the image and does this step's work
                st.inOffset = cur.offset();
                st.outOffset = -1;
                st.reads = List.of();
                st.writes = List.of();
                continue;
            }
            BufferUse out = null;
            if (!chainedBlock1) {
                switch (st.kind) {
                    case AVG_POOL: out = pooled; break;
                    case CLASSIFIER: out = logits; break;
                    default:
                        out = toAct0 ? act0 : act1;
                        toAct0 = !toAct0;
                }
            }
            st.inOffset = st.computesStem ? -1 : st.computesPreviousBlock ? staging : cur.offset();
            st.outOffset = chainedBlock1 ? -1 : out.offset();
            // a block computing its input (with the stem, and for block 2 block 1 too) reads the
            // whole image
            reads.add(st.computesInput() ? cur : new BufferUse(cur.buffer(), cur.offset(), inLen));
            if (st.kind == Step.Kind.BOTTLENECK) {
                st.expandedRowsPadded = paddedRing(st, mode, stemFused);
                int inRow = st.expandedRowFloats();
                int outRow = st.outW * st.expandedChannels;
                st.zeroOffset = zero.offset();
                reads.add(new BufferUse(zero.buffer(), zero.offset(), inRow));
                if (mode == ExecutionMode.FUSED) {
                    st.bandRows = bandRows(st.outH, st.outW);
                    st.expandedRows = ringRowsOf(st, stemFused);
                    st.ringFirstSlot = ringFirstSlot(st.inH, st.outH, st.stride, st.padTop,
                            st.bandRows, st.expandedRows);
                    st.depthwiseRows = st.bandRows;
                    // one band and a ring of every input row: the whole expanded tensor is there
                    // at once, so threads can share it by channels
                    st.splitsChannels = st.hasExpand() && !st.computesInput()
                            && st.bandRows >= st.outH && st.expandedRows >= st.inH;
                } else {
                    st.bandRows = st.outH;
                    st.expandedRows = st.hasExpand() ? st.inH : 0;
                    st.depthwiseRows = st.outH;
                    // the blocks the fused plan splits by channels, split so here too
                    st.splitsChannels = st.hasExpand() && !st.computesInput()
                            && bandRows(st.outH, st.outW) >= st.outH;
                }
                if (st.expandedRows > 0) {
                    st.expandedOffset = chainedBlock1 ? chainRing : exp.offset();
                    writes.add(new BufferUse(exp.buffer(), st.expandedOffset,
                            st.expandedRows * inRow));
                }
                if (st.computesPreviousBlock) {
                    writes.add(new BufferUse(exp.buffer(), staging,
                            (int) stagingFloats(st, stemFused)));
                    writes.addAll(carried);
                }
                st.depthwiseOffset = chainedBlock1 ? chainBand : dw.offset();
                writes.add(new BufferUse(dw.buffer(), st.depthwiseOffset,
                        st.depthwiseRows * outRow));
            }
            if (st.kind == Step.Kind.CONV1X1) {
                // few pixels: split by pixels, each thread would read every weight
                st.splitsChannels = st.outH * st.outW <= FUSED_BAND_TARGET_PIXELS;
            }
            if (chainedBlock1) { // block 2 does this block's work: its scratch is listed there
                carried = writes;
                st.reads = List.of();
                st.writes = List.of();
                continue;
            }
            writes.add(new BufferUse(out.buffer(), out.offset(), outLen));
            st.reads = List.copyOf(reads);
            st.writes = List.copyOf(writes);
            cur = out;
        }
    }

    /**
     * The configuration this plan was built from.
     *
     * @return the configuration
     */
    public ModelConfig config() { return config; }

    /**
     * How blocks execute under this plan.
     *
     * @return the execution mode
     */
    public ExecutionMode mode() { return mode; }

    /**
     * The steps, in execution order.
     *
     * @return the steps, unmodifiable
     */
    public List<Step> steps() { return steps; }

    /**
     * Every weighted layer, in execution order; {@link Layer#index()} is the position here.
     *
     * @return the layers, unmodifiable
     */
    public List<Layer> layers() { return layers; }

    /**
     * Named arena regions, in arena order.
     *
     * @return the regions by name
     */
    public Map<String, BufferUse> regions() { return regions; }

    /**
     * Floats a session allocates, once.
     *
     * @return the arena's length in floats
     */
    public int arenaFloats() { return arenaFloats; }

    /**
     * First float of the scratch regions ({@code expanded} then {@code depthwise}) that each
     * intra-op worker needs a copy of.
     *
     * @return the offset in the arena
     */
    public int workerScratchOffset() { return regions.get("expanded").offset(); }

    /**
     * Floats of one worker's copy of the scratch regions (64-byte multiple).
     *
     * @return the floats per worker
     */
    public int workerScratchFloats() {
        BufferUse dw = regions.get("depthwise");
        int span = dw.offset() + dw.length() - workerScratchOffset();
        return (span + ALIGN - 1) / ALIGN * ALIGN;
    }

    /**
     * How a batch runs: steps {@code [0, batchSplitStep())} image after image in one arena, each
     * image's last tensor then set aside; then each later step for every image of a group before
     * the next step (the image's tensor copied into the arena, the step run, its output set aside
     * again), so that the step's weights are read from memory once per group instead of once per
     * image, and all images share the arena's scratch. The logits are bitwise those of one image
     * at a time: each step computes the same thing from the same input.
     *
     * @return the first step run for a group of images at a time
     */
    public int batchSplitStep() { return batchSplitStep; }

    /**
     * Floats a batch sets aside per image between steps ({@link #batchSplitStep()}): the largest
     * tensor passed from one step to the next from the split on (0 if no step is past it).
     *
     * @return the floats per image
     */
    public int batchCarryFloats() { return batchCarryFloats; }

    /**
     * Images a batch runs together ({@link #batchSplitStep()}): at most
     * {@value #MAX_BATCH_GROUP}, and no more than {@value #BATCH_GROUP_BYTES} bytes of tensors set
     * aside; 1 (image after image) when no step is past the split or one image's tensor is larger.
     *
     * @return the images per group, 1 to {@value #MAX_BATCH_GROUP}
     */
    public int batchGroup() {
        return batchGroup(batchCarryFloats);
    }

    /** {@link #batchGroup()} for {@code carryFloats} floats set aside per image. */
    static int batchGroup(long carryFloats) {
        if (carryFloats <= 0) {
            return 1;
        }
        long perImage = carryFloats * Float.BYTES;
        return (int) Math.max(1, Math.min(MAX_BATCH_GROUP, BATCH_GROUP_BYTES / perImage));
    }

    /**
     * Arena offset of the NHWC input image.
     *
     * @return the offset in the arena
     */
    public int inputOffset() { return regions.get("input").offset(); }

    /**
     * Arena offset of the logits.
     *
     * @return the offset in the arena
     */
    public int logitsOffset() { return regions.get("logits").offset(); }

    /**
     * Arena offset of the pooled features: the average pool's output, the classifier's input.
     *
     * @return the offset in the arena
     */
    public int featuresOffset() { return regions.get("pooled").offset(); }

    /**
     * Number of pooled features: the last 1x1 convolution's channels (1280 at α ≤ 1).
     *
     * @return the feature count
     */
    public int featureLength() { return regions.get("pooled").length(); }

    /**
     * Steps up to and including the average pool: what an inference runs for its features.
     *
     * @return the step count
     */
    public int featureSteps() { return featureSteps; }

    private static int featureSteps(List<Step> steps) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).kind() == Step.Kind.AVG_POOL) {
                return i + 1;
            }
        }
        throw new AssertionError("a MobileNetV2 plan without its average pool");
    }

    /**
     * Floats of one input image: resolution² × 3.
     *
     * @return {@code resolution * resolution * 3}
     */
    public int inputLength() {
        return config.resolution() * config.resolution() * Architecture.INPUT_CHANNELS;
    }

    /**
     * Number of logits.
     *
     * @return the classifier's outputs
     */
    public int classes() { return config.classes(); }

    /**
     * Multiply-adds of one inference (all convolutions and the classifier).
     *
     * @return the multiply-adds
     */
    public long totalMacs() {
        long m = 0;
        for (Step s : steps) {
            m += s.macs();
        }
        return m;
    }

    /**
     * Why this configuration's weights cannot be built, if they cannot: a layer whose kernel
     * holds more floats than one Java array, or all layers' kernels and biases together more
     * than one array (a model packs them all into one). Such a configuration can still be
     * planned, and its counts shown. Empty is no promise that a model can be built: its packed
     * layers are padded (to whole vectors, 64-byte boundaries), so a total a fraction of a
     * percent under the limit may still not fit the model's one array.
     *
     * @return the first such layer and its size, else the total and its size, or empty when
     *         every kernel, and the weights and biases together, fit one array
     */
    public Optional<String> weightsTooLarge() {
        for (Layer l : layers) {
            if (l.kernelFloats() > HeapLayout.MAX_ARRAY_FLOATS) {
                return Optional.of(l.name() + " (" + l.kind() + " " + l.inChannels() + "->"
                        + l.outChannels() + ") needs " + l.kernelFloats()
                        + " weights, more than one Java array holds");
            }
        }
        // The packed layers take at least their weights and biases (and some padding), so past
        // this the model's weight store fails, after the weights were made and packed. The
        // padding depends on the kernels' vector size, unknown here: just under this, it can
        // fail there too.
        long total = totalParams();
        if (total > HeapLayout.MAX_ARRAY_FLOATS) {
            return Optional.of("all " + layers.size() + " layers together need " + total
                    + " weights and biases, more than one Java array holds (a model keeps"
                    + " them in one)");
        }
        return Optional.empty();
    }

    /**
     * Parameters: every kernel and bias (batch norm folded).
     *
     * @return the parameter count
     */
    public long totalParams() {
        long p = 0;
        for (Layer l : layers) {
            p += l.params();
        }
        return p;
    }

    /**
     * Peak working memory of a session (its arena) in bytes, for fused execution.
     *
     * @return the fused arena's bytes
     */
    public long fusedWorkingBytes() { return fusedArenaFloats * Float.BYTES; }

    /**
     * Peak working memory of a session (its arena) in bytes, for layer-by-layer execution.
     *
     * @return the layer-by-layer arena's bytes
     */
    public long layerwiseWorkingBytes() { return layerwiseArenaFloats * Float.BYTES; }

    /** The plan as a table like the paper's, with MACs, parameters and buffer bytes per row. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(config).append(", ").append(mode.name().toLowerCase(Locale.ROOT))
                .append(" execution\n");
        String fmt = "%-3s %-14s %-16s %2s %5s %5s %2s %10s %10s %12s  %s%n";
        sb.append(String.format(Locale.ROOT, fmt, "#", "input", "operator", "t", "c", "n", "s",
                "MACs", "params", "buffer B", "notes"));
        for (Step st : steps) {
            String input = st.inH + "x" + st.inW + "x" + st.inC;
            String op;
            String notes = "";
            switch (st.kind) {
                case STEM:
                    op = "conv2d 3x3";
                    notes = st.fusedIntoNext ? "fused into the next step" : "";
                    break;
                case BOTTLENECK:
                    op = "bottleneck";
                    notes = (st.hasExpand() ? "expand " + st.expandedChannels
                            : st.computesStem ? "no expand, computes the stem" : "no expand")
                            + (st.computesPreviousBlock ? ", computes block "
                            + (st.index - 1) + "'s rows" : "")
                            + (st.hasResidual() ? ", residual" : "")
                            + (st.fusedIntoNext ? ", fused into the next step" : "")
                            + (mode == ExecutionMode.FUSED
                                    ? ", band " + st.bandRows + " rows, ring " + st.expandedRows
                                            + " rows"
                                    : "")
                            + (st.ringFirstSlot != 0 ? " from slot " + st.ringFirstSlot : "")
                            + (st.splitsChannels ? ", threads split channels" : "");
                    break;
                case CONV1X1:
                    op = "conv2d 1x1";
                    notes = st.splitsChannels ? "threads split channels" : "";
                    break;
                case AVG_POOL: op = "avgpool " + st.inH + "x" + st.inW; break;
                default: op = "conv2d 1x1 (fc)"; break;
            }
            sb.append(String.format(Locale.ROOT, fmt, st.index, input, op,
                    st.expansion == 0 ? "-" : Integer.toString(st.expansion),
                    st.kind == Step.Kind.AVG_POOL ? "-" : Integer.toString(st.outC),
                    st.repeat + "/" + st.repeats, Integer.toString(st.stride),
                    String.format(Locale.ROOT, "%,d", st.macs),
                    String.format(Locale.ROOT, "%,d", st.params()),
                    String.format(Locale.ROOT, "%,d", st.bufferFloats() * Float.BYTES), notes));
        }
        sb.append(String.format(Locale.ROOT,
                "total: %,d MACs (%s), %,d params, arena %,d bytes (fused %,d, layer-by-layer"
                        + " %,d)%n", totalMacs(), roundedCount(totalMacs()), totalParams(),
                (long) arenaFloats * Float.BYTES,
                fusedWorkingBytes(), layerwiseWorkingBytes()));
        int group = batchGroup();
        if (group > 1) {
            sb.append(String.format(Locale.ROOT, "batches: %s each step across up to %d images"
                    + " (%,d bytes set aside per image)%n", batchSplitStep == 0
                    ? "from the first step," : "steps 0-" + (batchSplitStep - 1)
                    + " image by image, then", group, (long) batchCarryFloats * Float.BYTES));
        }
        weightsTooLarge().ifPresent(why -> sb.append("weights cannot be built: ").append(why)
                .append(System.lineSeparator()));
        return sb.toString();
    }

    /** {@code n} in millions, or in billions from 10 billion on: "300.8 M", "368.9 G". */
    static String roundedCount(long n) {
        return n >= 10_000_000_000L ? String.format(Locale.ROOT, "%.1f G", n / 1e9)
                : String.format(Locale.ROOT, "%.1f M", n / 1e6);
    }
}
