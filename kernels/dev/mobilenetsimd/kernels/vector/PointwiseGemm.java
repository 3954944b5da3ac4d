package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import java.util.Arrays;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The vector pointwise 1x1 convolution: a GEMM {@code out[pixels][cout] = in[pixels][cin] x
 * w[cin][cout]} with bias, activation and residual applied in the store epilogue. This class packs
 * the weights and dispatches register-blocked microkernels ({@code GemmMr<rows>Nr<vectors>v}).
 *
 * <p><b>Packed layout</b> ({@link #LAYOUT}): output channels are cut into panels of whole vectors
 * ({@link #panelPlan}); a panel holds, for each input channel, its weights contiguously, then its
 * biases. The last panel is zero-padded past {@code cout}, so every weight and bias load is a full
 * unmasked vector; only the stores of its last vector are masked (one precomputed mask per call,
 * none in the loop).
 *
 * <p><b>24 output channels at 512 bits</b> ({@link #PAIR_TILES}) get a second copy of the
 * weights after the panels, in the pair layout of {@link GemmMr14Nc24Pairs}: its tiles compute two
 * pixels' 48 outputs as 3 whole vectors instead of 2 x 2 vectors with 8 idle lanes each. They
 * run every whole 14-pixel tile inside one output row; the other pixels (and ReLU6 with a residual)
 * take the 2-vector panel, whose results are bitwise the same. <b>8 output channels</b>
 * ({@link #PAIR_TILES_8}) likewise get the pair layout of {@link GemmMr14Nc8Pairs}, two pixels'
 * outputs in one vector, around which the 1-vector panel takes the rest.
 *
 * <p><b>Tiles</b> (rows = pixels, vectors of channels), chosen by measurement (reports/LOWERING.md)
 * so that accumulators + weights + broadcast fit in the register file:
 * <ul>
 *   <li>512 bits: panels of 5 vectors (80 channels) run the 5x5 tile, panels of 6 the 4x6 tile.
 *       Both load 10 vectors per 24-25 FMAs and keep few pixel-row offsets live, and ran
 *       10-50% faster than the 7x3 tile of 3-vector panels (which stays for remainders). A
 *       layer's {@code V = ceil(cout / 16)} vectors are split as {@code 5b + r} when
 *       {@code r = V mod 5} is 0, 3 or 4, else as {@code 5b + 6a} when possible (most 5s), else
 *       {@code 5b + r}; see {@link #panelPlan}.</li>
 *   <li>256/128 bits with 32 registers (AVX-512VL, NEON): panels of 4 vectors, 6x4 tiles.</li>
 *   <li>16 registers (AVX2-sized): panels of 2 vectors, 6x2 tiles.</li>
 *   <li>Remainder panels: 4 vectors 6x4, 3 vectors 7x3, 2 vectors 7x2 (6x2 with 16 registers),
 *       1 vector 14x1 (7x1), taller because a single column of accumulators needs more rows to
 *       keep FMAs in flight.</li>
 *   <li>Pixel tails: when a call has at least a tile of pixels, one more whole tile that ends at
 *       the last pixel, of which only the new rows are stored; otherwise one-row kernels.</li>
 *   <li>Output rows with margins ({@link #runRows}, the fused block's zero-bordered ring):
 *       tiles run across row ends. A ReLU6 tile that straddles two rows stores the second row's
 *       pixels at that row's start ({@code tileRelu6Gap}, in the 4x6, 5x5, 6x4 and 7x2 tiles);
 *       any other goes through scratch, row segment by row segment.</li>
 * </ul>
 *
 * <p><b>Epilogue</b>: the bias is the accumulators' initial value. A whole tile inside one output
 * row finishes in registers ({@code tileRelu6}, {@code tileLinear}, {@code tileResidual}; for a
 * 2-vector panel with a partial last vector, {@code tileRelu6Masked} and {@code tileLinearMasked};
 * across one row end, {@code tileRelu6Gap}). Any other tile (pixel tails, other tiles across row
 * ends, other masked panels, every masked panel below JDK 18, ReLU6 with a residual, the 6x2 and
 * 7x1 tiles of 16-register CPUs) stores its accumulators to a per-thread scratch block
 * ({@code ROWS x PANEL} floats, stays in L1); {@link PointwiseEpilogue#finish} then applies RELU6,
 * adds the residual (after the activation, reading each residual vector just before the store of
 * the same lanes, so a residual aliasing the output is safe) and stores, masking the last vector of
 * a tail panel. Each epilogue is a method of its own, for these reasons:
 *
 * <p><b>C2 constraints</b> (checked with {@code -XX:+PrintIntrinsics},
 * {@code -XX:+PrintCompilation} and {@code -XX:CompileCommand=PrintInlining,...} on JDK 25):
 * <ul>
 *   <li>With activation, residual and masked stores inside the microkernel, a 7x3 kernel
 *       exceeded C2's {@code NodeCountInliningCutoff}: epilogue helpers stayed calls, vectors were
 *       boxed (0.5 GFLOP/s, 100+ MB/op). Written out inline instead, the kernels were too big for
 *       C1 ("out of virtual registers in LIR generator"); such a method can stay in tier-2 code,
 *       boxing every vector op, for 10+ s before C2 compiles it. Kept to "K loop + stores", the
 *       microkernels compile at tier 3, then C2 about a second later on this busy 2-core host.
 *       {@code tools/lowering/tier-check.sh} fails if a tile method does not reach C2.</li>
 *   <li>After the K loop an accumulator is a loop phi typed just {@code FloatVector}, so
 *       {@code acc.intoArray(..)} binds the abstract {@code intoArray0} only through the type
 *       profile. The last input channel is peeled out of the loop: an FMA on a freshly broadcast
 *       receiver has the exact vector class, and the stores bind statically.</li>
 *   <li>No "failed to inline (intrinsic)", virtual call or node-count cutoff in the C2 code of
 *       the microkernels or {@code finish} at 128, 256 or 512 bits (JDK 25). The "failed to
 *       inline" lines left are cold paths (index-check failures, {@code badElementBits}, fallback
 *       lambdas) or standalone compiles of Vector API methods called from tier-3 code.</li>
 * </ul>
 *
 * <p><b>Blocking</b>: pixels are processed in chunks whose input and output rows fit in L2;
 * within a chunk, panel by panel, so one weight panel is reused by all the chunk's tiles.
 *
 * <p>No allocation per call (JMH {@code -prof gc}: 0 B/op): masks are precomputed, the scratch
 * block is allocated once per thread, vectors never cross a call.
 */
final class PointwiseGemm {
    private static final int LANES = VectorWidth.LANES;

    /**
     * Whether the CPU has 32 vector registers: AVX-512 (then the preferred species is 512 bits)
     * or AArch64 (NEON/SVE). Otherwise assume 16 (AVX2, SSE).
     */
    static final boolean WIDE_REGISTER_FILE =
            FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512
                    || "aarch64".equals(System.getProperty("os.arch"));

    /** Whether panels of 5 and 6 vectors (the 5x5 and 4x6 tiles) are used: 512-bit vectors. */
    static final boolean WIDE_PANELS = LANES >= 16;
    /** Vectors per panel below 512 bits: the widest tile that fits the register file. */
    static final int MAIN_VECTORS = WIDE_REGISTER_FILE ? 4 : 2;
    /**
     * Whether 24-channel layers also get the pair layout of {@link GemmMr14Nc24Pairs}: 16 lanes (a
     * 24-channel pixel pair is then 3 whole vectors; the tile needs 27 vector registers), and
     * JDK 25 or later, where they took 0.82-0.88x the 2-vector panel's time on 112-pixel calls;
     * JDK 17's C2 made them 1.7x slower (JDKs in between not measured).
     */
    static final boolean PAIR_TILES = LANES == 16 && WIDE_REGISTER_FILE
            && Runtime.version().feature() >= 25;
    /**
     * Whether 8-channel layers (block 1 at width 0.5, blocks 1-3 at 0.35) also get the pair layout
     * of {@link GemmMr14Nc8Pairs}: 16 lanes, on JDK 25 or later, and on x86 from JDK 17. Against
     * the 1-vector panel (half its lanes idle, every tile through scratch and a masked store),
     * 12544 pixels x 16 -> 8 took 0.42x the time on JDK 25 and 0.68-0.71x on JDK 17; 3136 x 48
     * -> 8 0.48x on JDK 25 and about the same time on JDK 17 (session 18). JDK 17's SVE back end
     * does not compile the blend.
     */
    static final boolean PAIR_TILES_8 = LANES == 16 && WIDE_REGISTER_FILE
            && (Runtime.version().feature() >= 25
                    || !"aarch64".equals(System.getProperty("os.arch")));
    /** The packed layout: width and panel policy, so weights packed for another are rejected. */
    static final String LAYOUT = "vector-pointwise-" + VectorWidth.SPECIES.vectorBitSize()
            + (WIDE_PANELS ? "-panels5x6" : "-nr" + MAIN_VECTORS * LANES)
            + (PAIR_TILES_8 ? "-pairs8" : "") + (PAIR_TILES ? "-pairs24" : "");

    /** Chunks of pixels are a multiple of the tile heights (4, 5, 7, 14; 6, 7): no inner tails. */
    private static final int CHUNK_MULTIPLE = WIDE_PANELS ? 140 : 42;
    /** Bytes of input plus output rows per chunk: a quarter of the 1 MiB L2. */
    private static final int CHUNK_BYTES = 256 * 1024;

    /** Floats of the largest tile ({@code ROWS * VECTORS * LANES} of any microkernel). */
    private static final int SCRATCH_FLOATS = 16 * 4 * LANES;
    /** Per-thread accumulator block between a microkernel and the epilogue. */
    private static final ThreadLocal<float[]> SCRATCH =
            ThreadLocal.withInitial(() -> new float[SCRATCH_FLOATS]);

    /**
     * Whether the 5x5 tile adds the residual in registers ({@link GemmMr5Nr5v#tileResidual}).
     * JDK 17's C2 leaves one of that method's 25 stores a call that boxes its vector
     * ({@code PrintIntrinsics}: "missing constant: vclass=DecodeN"; JDK 25 binds all 25), so
     * there those tiles go through scratch and {@link PointwiseEpilogue}, and allocate nothing.
     */
    private static final boolean DIRECT_RESIDUAL_5X5 = Runtime.version().feature() > 17;

    /** {@code TAIL_MASKS[n]} sets lanes {@code 0..n-1}; index 0 is unused (no mask). */
    private static final VectorMask<Float>[] TAIL_MASKS = tailMasks();

    private PointwiseGemm() {}

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] tailMasks() {
        VectorMask<Float>[] masks = new VectorMask[LANES];
        for (int n = 1; n < LANES; n++) {
            masks[n] = VectorWidth.SPECIES.indexInRange(0, n);
        }
        return masks;
    }

    /** Packs {@code w[cin][cout]} and {@code bias[cout]} (null = zeros) into panels. */
    static PackedWeights pack(float[] w, float[] bias, int cin, int cout) {
        if (cin < 0 || cout < 0) {
            throw new IllegalArgumentException(
                    "negative channel count: cin=" + cin + ", cout=" + cout);
        }
        PackChecks.length("weights", w, (long) cin * cout);
        if (bias != null) {
            PackChecks.length("bias", bias, cout);
        }
        final int plan = panelPlan(cout);
        final float[] data = new float[PackChecks.packedLength(packedFloats(cin, cout))];
        int dst = 0;
        for (int panel = 0, col = 0; col < cout; panel++) {
            final int stride = panelVectors(plan, panel) * LANES;
            final int width = Math.min(stride, cout - col);
            for (int ci = 0; ci < cin; ci++, dst += stride) {
                System.arraycopy(w, ci * cout + col, data, dst, width);
            }
            if (bias != null) {
                System.arraycopy(bias, col, data, dst, width);
            }
            dst += stride;
            col += stride;
        }
        if (hasPairs(cin, cout)) {
            // per input channel, then the bias: w[0..cout) twice, e.g. the three vectors
            // [w0..w15] [w16..w23 w0..w7] [w8..w23] of GemmMr14Nc24Pairs
            for (int ci = 0; ci <= cin; ci++, dst += 2 * cout) {
                if (ci < cin) {
                    System.arraycopy(w, ci * cout, data, dst, cout);
                    System.arraycopy(w, ci * cout, data, dst + cout, cout);
                } else if (bias != null) {
                    System.arraycopy(bias, 0, data, dst, cout);
                    System.arraycopy(bias, 0, data, dst + cout, cout);
                }
            }
        }
        return new PackedWeights(LAYOUT, cin, cout, data);
    }

    /** The floats of {@link #LAYOUT}: the panels, then the pair layout where there is one. */
    private static long packedFloats(int cin, int cout) {
        final long panels = ((long) cout + LANES - 1) / LANES * LANES * (cin + 1L);
        final long pairLayout = hasPairs(cin, cout) ? (cin + 1L) * 2 * cout : 0; // rows and bias
        return panels + pairLayout;
    }

    /**
     * Whether a layer's packed weights end with the pair layout of {@link GemmMr14Nc24Pairs} or
     * {@link GemmMr14Nc8Pairs}.
     */
    private static boolean hasPairs(int cin, int cout) {
        return cin > 0 && (PAIR_TILES && cout == GemmMr14Nc24Pairs.CHANNELS
                || PAIR_TILES_8 && cout == GemmMr14Nc8Pairs.CHANNELS);
    }

    /** Bits per panel count in a {@link #panelPlan}. */
    private static final int PLAN_FIELD = 14;
    private static final int PLAN_MASK = (1 << PLAN_FIELD) - 1;

    /**
     * How a layer of {@code cout} channels is cut into panels, packed in one int (no allocation per
     * call): {@code firsts | sixes << 14 | rest << 28}, meaning {@code firsts} panels of 5 vectors
     * at 512 bits ({@link #MAIN_VECTORS} below), then {@code sixes} panels of 6, then one panel of
     * {@code rest} vectors if {@code rest > 0}.
     *
     * @throws IllegalArgumentException if {@code cout} needs more panels than the plan can count
     */
    static int panelPlan(int cout) {
        final int v = (cout + LANES - 1) / LANES;
        final int first = WIDE_PANELS ? 5 : MAIN_VECTORS;
        if (v / first > PLAN_MASK) {
            throw new IllegalArgumentException("cout = " + cout + " is too wide for the pointwise"
                    + " kernel: at most " + (long) PLAN_MASK * first * LANES + " channels");
        }
        if (WIDE_PANELS && v % 5 < 3) {
            // A remainder of 3 or 4 vectors stays one 7x3 or 6x4 panel: the 5x5 tile is fastest
            // per FMA, so e.g. 384 channels as 4 x 5 + 4 ran blocks 8-11 of MobileNetV2 1.0/224
            // ~2% faster than as 4 x 6 (reports/LOWERING.md, session 10). Remainders of 1 or 2
            // are folded into 6-vector panels where they can be: a 1- or 2-vector panel is slow.
            for (int fives = v / 5; fives >= 0; fives--) { // exact 5b + 6a, as many 5s as possible
                if ((v - 5 * fives) % 6 == 0) {
                    return fives | (v - 5 * fives) / 6 << PLAN_FIELD;
                }
            }
        }
        return v / first | (v % first) << 2 * PLAN_FIELD;
    }

    /** Vectors in panel {@code index} of {@code plan} (see {@link #panelPlan}). */
    static int panelVectors(int plan, int index) {
        final int firsts = plan & PLAN_MASK, sixes = plan >>> PLAN_FIELD & PLAN_MASK;
        return index < firsts ? (WIDE_PANELS ? 5 : MAIN_VECTORS)
                : index < firsts + sixes ? 6 : plan >>> 2 * PLAN_FIELD;
    }

    /** See {@code KernelSet.pointwise}. */
    static void run(float[] in, int inOff, int pixels, PackedWeights w, Activation act,
                    float[] residual, int residualOff, float[] out, int outOff) {
        KernelSet.checkPixels(pixels);
        if (residual != null && act == Activation.LINEAR
                && residualAfterwards(w, pixels, residual, residualOff, out, outOff)) {
            final int len = Math.multiplyExact(pixels, w.outChannels);
            gemm(in, inOff, pixels, pixels, w, act, null, 0, out, outOff, 0, 0, w.outChannels);
            Elementwise.add(out, outOff, residual, residualOff, out, outOff, len);
            return;
        }
        // one output row of all the pixels: contiguous
        gemm(in, inOff, pixels, Math.max(1, pixels), w, act, residual, residualOff, out, outOff,
                0, 0, w.outChannels);
    }

    /** See {@code KernelSet.pointwiseChannels}. */
    static void runChannels(float[] in, int inOff, int pixels, PackedWeights w, int coFrom,
                            int coTo, Activation act, float[] residual, int residualOff,
                            float[] out, int outOff) {
        KernelSet.checkPixels(pixels);
        checkChannelBlocks(w, coFrom, coTo);
        gemm(in, inOff, pixels, Math.max(1, pixels), w, act, residual, residualOff, out, outOff,
                0, coFrom, coTo);
    }

    /** See {@code KernelSet.pointwiseRowsChannels} (which checks the shape arguments). */
    static void runRowsChannels(float[] in, int inOff, int rows, int rowPixels, PackedWeights w,
                                int coFrom, int coTo, Activation act, float[] out, int outOff,
                                int outRowStride) {
        checkChannelBlocks(w, coFrom, coTo);
        gemm(in, inOff, Math.multiplyExact(rows, rowPixels), rowPixels, w, act, null, 0, out,
                outOff, outRowStride, coFrom, coTo);
    }

    /**
     * See {@code KernelSet.pointwiseChannelBlocks}: the panels' first channels, then
     * {@code cout}. A layer with pair tiles is one block (its one panel serves the pair tiles and
     * the rows' rest).
     */
    static int[] channelBlocks(PackedWeights w) {
        w.requireLayout(LAYOUT, packedFloats(w.inChannels, w.outChannels));
        final int cout = w.outChannels;
        if (cout == 0) {
            return new int[] {0};
        }
        if (hasPairs(w.inChannels, cout)) {
            return new int[] {0, cout};
        }
        final int plan = panelPlan(cout);
        int panels = 0;
        for (int col = 0; col < cout; panels++) {
            col += panelVectors(plan, panels) * LANES;
        }
        final int[] blocks = new int[panels + 1];
        for (int panel = 0, col = 0; panel < panels; panel++) {
            blocks[panel] = col;
            col += panelVectors(plan, panel) * LANES;
        }
        blocks[panels] = cout;
        return blocks;
    }

    /** Walks the panels instead of building {@link #channelBlocks}: allocates nothing. */
    private static void checkChannelBlocks(PackedWeights w, int coFrom, int coTo) {
        w.requireLayout(LAYOUT, packedFloats(w.inChannels, w.outChannels));
        if (coFrom > coTo || !isBlockBoundary(w, coFrom) || !isBlockBoundary(w, coTo)) {
            throw new IllegalArgumentException("output channels [" + coFrom + ", " + coTo
                    + ") are not a range between this layer's channel blocks "
                    + Arrays.toString(channelBlocks(w)) + " (see pointwiseChannelBlocks)");
        }
    }

    private static boolean isBlockBoundary(PackedWeights w, int channel) {
        final int cout = w.outChannels;
        if (channel == 0 || channel == cout) {
            return true;
        }
        if (channel < 0 || channel > cout || hasPairs(w.inChannels, cout)) {
            return false;
        }
        final int plan = panelPlan(cout);
        int col = 0;
        for (int panel = 0; col < channel; panel++) {
            col += panelVectors(plan, panel) * LANES;
        }
        return col == channel;
    }

    /**
     * Whether a linear layer with a residual is faster as the plain GEMM followed by one pass of
     * {@code out += residual}: when its last panel is a 2-vector panel with a partial vector (24
     * channels at 512 bits: block 3's projection), which has in-register epilogues for ReLU6 and
     * linear but not for the residual (too big a method for C1, see {@code gen_tiles.py}), so that
     * every tile would otherwise go through scratch. Bitwise the same: each output is
     * {@code acc + residual} either way. Not when the residual overlaps the output (the GEMM would
     * overwrite it before it is read), the tiles are not whole, or there is no masked
     * in-register tile to gain (JDK 17, 16 vector registers).
     */
    private static boolean residualAfterwards(PackedWeights w, int pixels, float[] res, int resOff,
                                              float[] out, int outOff) {
        final int cout = w.outChannels;
        if (cout % LANES == 0 || panelPlan(cout) >>> 2 * PLAN_FIELD != 2 || !hasDirectTile(2)
                || hasPairs(w.inChannels, cout) // the pair tiles add the residual in registers
                || !VectorWidth.MASKED_MEMORY_INTRINSICS || pixels < tileRows(2)) {
            return false;
        }
        final long len = (long) pixels * cout;
        return res != out || resOff + len <= outOff || outOff + len <= resOff;
    }

    /**
     * See {@code KernelSet.pointwiseRows} (which checks the shape arguments): {@link #run} without
     * residual, with output pixel {@code p} at
     * {@code outOff + (p / rowPixels) * outRowStride + (p % rowPixels) * cout}.
     */
    static void runRows(float[] in, int inOff, int rows, int rowPixels, PackedWeights w,
                        Activation act, float[] out, int outOff, int outRowStride) {
        gemm(in, inOff, Math.multiplyExact(rows, rowPixels), rowPixels, w, act, null, 0, out,
                outOff, outRowStride, 0, w.outChannels);
    }

    /**
     * The GEMM of {@code pixels} input pixels; output pixel {@code p} is stored at
     * {@code outOff + (p / rowPixels) * outRowStride + (p % rowPixels) * cout} and reads its
     * residual (if any) at {@code resOff + p * cout}. Pixels are cut into chunks that fit L2,
     * each chunk panel by panel, so one weight panel serves all the chunk's tiles. Only the
     * panels inside output channels {@code [coFrom, coTo)} (block boundaries, checked by the
     * callers) are computed.
     */
    private static void gemm(float[] in, int inOff, int pixels, int rowPixels, PackedWeights w,
                             Activation act, float[] res, int resOff, float[] out, int outOff,
                             int outRowStride, int coFrom, int coTo) {
        w.requireLayout(LAYOUT, packedFloats(w.inChannels, w.outChannels));
        Objects.requireNonNull(act, "act");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        final int cin = w.inChannels, cout = w.outChannels;
        final float[] wd = w.data;
        final boolean relu6 = act == Activation.RELU6;
        if (coFrom == coTo) {
            return;
        }
        if (cin == 0) {
            for (int p0 = 0; p0 < pixels; p0 += rowPixels) {
                biasOnly(Math.min(rowPixels, pixels - p0), wd, w.offset, relu6, res,
                        resOff + p0 * cout, out, outOff + p0 / rowPixels * outRowStride, cout,
                        coFrom, coTo);
            }
            return;
        }
        final int plan = panelPlan(cout);
        final int tailLanes = cout % LANES;
        final VectorMask<Float> tailMask = tailLanes == 0 ? null : TAIL_MASKS[tailLanes];
        final float[] scratch = SCRATCH.get();
        final int chunk = chunkPixels(cin, cout);
        final boolean pairs = hasPairs(cin, cout) && !(relu6 && res != null);
        for (int p0 = 0; p0 < pixels; p0 += chunk) {
            final int p1 = Math.min(pixels, p0 + chunk);
            if (pairs) {
                pairRows(scratch, in, inOff, p0, p1, cin, cout, wd, w.offset, relu6, res, resOff,
                        out, outOff, tailMask, rowPixels, outRowStride);
                continue;
            }
            int panelOff = w.offset;
            for (int panel = 0, col = 0; col < coTo; panel++) {
                final int vectors = panelVectors(plan, panel);
                final int width = vectors * LANES;
                if (col >= coFrom) {
                    panelRows(vectors, scratch, in, inOff, p0, p1, cin, wd, panelOff, relu6,
                            res, resOff + col, out, outOff + col, cout,
                            col + width > cout ? tailMask : null, rowPixels, outRowStride);
                }
                panelOff += (cin + 1) * width;
                col += width;
            }
        }
    }

    /**
     * Pixels {@code [p0, p1)} of one panel of {@code vectors} vectors, in whole tiles of the
     * panel's microkernel; the last tile overlaps its predecessor when the pixels do not divide
     * (one-row tiles if the call has fewer pixels than a tile). A whole tile inside one output row
     * finishes in registers where its panel has such an epilogue (see the class comment), and so
     * does a whole ReLU6 tile across one row end where its panel has a gap tile; any other goes
     * through scratch, and only its new rows are stored, output row segment by segment
     * (so a residual aliasing the output is read once, just before its store). {@code resOff} and
     * {@code outOff} point at the panel's first channel of pixel 0.
     */
    private static void panelRows(int vectors, float[] scratch, float[] in, int inOff, int p0,
                                  int p1, int cin, float[] wd, int panelOff, boolean relu6,
                                  float[] res, int resOff, float[] out, int outOff, int cout,
                                  VectorMask<Float> lastMask, int rowPixels, int outRowStride) {
        final int tall = tileRows(vectors);
        final boolean single = p1 < tall; // too few pixels in the call for one whole tile
        final int h = single ? 1 : tall;
        // the in-register epilogues: ReLU6, linear, linear + residual on unmasked panels; ReLU6
        // and linear on a 2-vector panel with a partial last vector
        final boolean direct = !single && !(relu6 && res != null) && hasDirectTile(vectors)
                && (res == null || vectors != 5 || DIRECT_RESIDUAL_5X5)
                && (lastMask == null || vectors == 2 && res == null
                        && VectorWidth.MASKED_MEMORY_INTRINSICS);
        // ReLU6 tiles that cross one row end (expansions into padded ring rows) also finish in
        // registers, storing the pixels past the end at the next row's start
        final boolean gaps = direct && relu6 && lastMask == null && hasGapTile(vectors);
        for (int p = p0; p < p1; ) {
            final int q = Math.min(p, p1 - h); // tile start: the last tile may reach back
            final int col = q % rowPixels;
            if (gaps && q == p && col + h > rowPixels && col + h <= 2 * rowPixels) {
                gapTile(vectors, in, inOff + q * cin, cin, wd, panelOff, out,
                        outOff + q / rowPixels * outRowStride + col * cout, cout, rowPixels - col,
                        outRowStride - rowPixels * cout);
            } else if (direct && q == p && col + h <= rowPixels) {
                if (lastMask == null) {
                    directTile(vectors, relu6, in, inOff + q * cin, cin, wd, panelOff,
                            res, resOff + q * cout, out,
                            outOff + q / rowPixels * outRowStride + col * cout, cout);
                } else {
                    directTileMasked(vectors, relu6, in, inOff + q * cin, cin, wd, panelOff, out,
                            outOff + q / rowPixels * outRowStride + col * cout, cout, lastMask);
                }
            } else {
                tileToScratch(vectors, single, in, inOff + q * cin, cin, wd, panelOff, scratch);
                for (int s = p; s < q + h; ) { // rows p.. of the tile, one output row at a time
                    final int segEnd = Math.min(q + h, (s / rowPixels + 1) * rowPixels);
                    PointwiseEpilogue.finish(scratch, (s - q) * vectors * LANES, segEnd - s,
                            vectors, relu6, res, resOff + s * cout, out,
                            outOff + s / rowPixels * outRowStride + s % rowPixels * cout, cout,
                            lastMask);
                    s = segEnd;
                }
            }
            p = q + h;
        }
    }

    /**
     * Pixels {@code [p0, p1)} of a layer with pair tiles (24 or 8 channels): in each output row,
     * whole tiles of {@link GemmMr14Nc24Pairs} or {@link GemmMr14Nc8Pairs} from the row's first
     * pixel in the range, then the rest of the row on the layer's one panel (2 or 1 vectors) at
     * {@code panelOff}, whose pair layout follows it.
     */
    private static void pairRows(float[] scratch, float[] in, int inOff, int p0, int p1, int cin,
                                 int cout, float[] wd, int panelOff, boolean relu6, float[] res,
                                 int resOff, float[] out, int outOff, VectorMask<Float> tailMask,
                                 int rowPixels, int outRowStride) {
        final boolean eight = cout == GemmMr14Nc8Pairs.CHANNELS;
        final int tile = eight ? GemmMr14Nc8Pairs.ROWS : GemmMr14Nc24Pairs.ROWS;
        final int vectors = eight ? 1 : 2;
        final int pairOff = panelOff + vectors * LANES * (cin + 1);
        for (int p = p0; p < p1; ) {
            final int col = p % rowPixels;
            final int rowEnd = Math.min(p1, p - col + rowPixels);
            final int o = outOff + p / rowPixels * outRowStride + col * cout;
            final int tiles = (rowEnd - p) / tile;
            for (int t = 0; t < tiles; t++) {
                final int pi = p + t * tile, oi = o + t * tile * cout;
                if (eight) {
                    pairTile8(relu6, in, inOff + pi * cin, cin, wd, pairOff, res,
                            resOff + pi * cout, out, oi);
                } else if (relu6) {
                    GemmMr14Nc24Pairs.tileRelu6(in, inOff + pi * cin, cin, wd, pairOff, out, oi);
                } else if (res == null) {
                    GemmMr14Nc24Pairs.tileLinear(in, inOff + pi * cin, cin, wd, pairOff, out, oi);
                } else {
                    GemmMr14Nc24Pairs.tileResidual(in, inOff + pi * cin, cin, wd, pairOff, res,
                            resOff + pi * cout, out, oi);
                }
            }
            p += tiles * tile;
            if (p < rowEnd) {
                panelRows(vectors, scratch, in, inOff, p, rowEnd, cin, wd, panelOff, relu6, res,
                        resOff, out, outOff, cout, tailMask, rowPixels, outRowStride);
            }
            p = rowEnd;
        }
    }

    /** One {@link GemmMr14Nc8Pairs} tile with its epilogue (ReLU6, linear, or + residual). */
    private static void pairTile8(boolean relu6, float[] in, int inOff, int cin, float[] wd,
                                  int pairOff, float[] res, int resOff, float[] out, int outOff) {
        if (relu6) {
            GemmMr14Nc8Pairs.tileRelu6(in, inOff, cin, wd, pairOff, out, outOff);
        } else if (res == null) {
            GemmMr14Nc8Pairs.tileLinear(in, inOff, cin, wd, pairOff, out, outOff);
        } else {
            GemmMr14Nc8Pairs.tileResidual(in, inOff, cin, wd, pairOff, res, resOff, out, outOff);
        }
    }

    /** Pixels per tile of the multi-row microkernel of a {@code vectors}-vector panel. */
    private static int tileRows(int vectors) {
        switch (vectors) {
            case 6: return GemmMr4Nr6v.ROWS;
            case 5: return GemmMr5Nr5v.ROWS;
            case 4: return GemmMr6Nr4v.ROWS;
            case 3: return GemmMr7Nr3v.ROWS;
            case 2: return WIDE_REGISTER_FILE ? GemmMr7Nr2v.ROWS : GemmMr6Nr2v.ROWS;
            case 1: return WIDE_REGISTER_FILE ? GemmMr14Nr1v.ROWS : GemmMr7Nr1v.ROWS;
            default: throw new AssertionError("no tile of " + vectors + " vectors");
        }
    }

    /** One tile of {@code tileRows(vectors)} pixels, or of 1 if {@code single}, into scratch. */
    private static void tileToScratch(int vectors, boolean single, float[] in, int inOff, int cin,
                                      float[] wd, int panelOff, float[] scratch) {
        switch (vectors) {
            case 6:
                if (single) GemmMr1Nr6v.tile(in, inOff, cin, wd, panelOff, scratch);
                else GemmMr4Nr6v.tile(in, inOff, cin, wd, panelOff, scratch);
                break;
            case 5:
                if (single) GemmMr1Nr5v.tile(in, inOff, cin, wd, panelOff, scratch);
                else GemmMr5Nr5v.tile(in, inOff, cin, wd, panelOff, scratch);
                break;
            case 4:
                if (single) GemmMr1Nr4v.tile(in, inOff, cin, wd, panelOff, scratch);
                else GemmMr6Nr4v.tile(in, inOff, cin, wd, panelOff, scratch);
                break;
            case 3:
                if (single) GemmMr1Nr3v.tile(in, inOff, cin, wd, panelOff, scratch);
                else GemmMr7Nr3v.tile(in, inOff, cin, wd, panelOff, scratch);
                break;
            case 2:
                if (single) GemmMr1Nr2v.tile(in, inOff, cin, wd, panelOff, scratch);
                else if (WIDE_REGISTER_FILE)
                    GemmMr7Nr2v.tile(in, inOff, cin, wd, panelOff, scratch);
                else GemmMr6Nr2v.tile(in, inOff, cin, wd, panelOff, scratch);
                break;
            case 1:
                if (single) GemmMr1Nr1v.tile(in, inOff, cin, wd, panelOff, scratch);
                else if (WIDE_REGISTER_FILE)
                    GemmMr14Nr1v.tile(in, inOff, cin, wd, panelOff, scratch);
                else GemmMr7Nr1v.tile(in, inOff, cin, wd, panelOff, scratch);
                break;
            default:
                throw new AssertionError("no tile of " + vectors + " vectors");
        }
    }

    /**
     * {@link #directTile} for a panel whose last vector is partial (stored under {@code m}): the
     * 2-vector tile only, e.g. a 24-channel layer at 512 bits, and without a residual (see
     * {@code gen_tiles.py} for why not more).
     */
    private static void directTileMasked(int vectors, boolean relu6, float[] in, int inOff,
                                         int cin, float[] wd, int panelOff, float[] out,
                                         int outOff, int cout, VectorMask<Float> m) {
        switch (vectors) {
            case 2:
                if (relu6) GemmMr7Nr2v.tileRelu6Masked(in, inOff, cin, wd, panelOff, out, outOff,
                        cout, m);
                else GemmMr7Nr2v.tileLinearMasked(in, inOff, cin, wd, panelOff, out, outOff,
                        cout, m);
                break;
            default:
                throw new AssertionError("no masked direct tile of " + vectors + " vectors");
        }
    }

    /** Whether {@link #gapTile} has a tile of {@code vectors} vectors at this width. */
    private static boolean hasGapTile(int vectors) {
        // GAP_ROWS in tools/gemm/gen_tiles.py: 4x6, 5x5, 6x4 and 7x2 (not 7x3, 14x1, 7x1)
        return vectors >= 4 || vectors == 2 && WIDE_REGISTER_FILE;
    }

    /**
     * A whole ReLU6 tile that crosses the end of an output row: its first {@code split} pixels
     * from {@code out[outOff]}, the rest {@code gap} floats further on (the next row's start).
     */
    private static void gapTile(int vectors, float[] in, int inOff, int cin, float[] wd,
                                int panelOff, float[] out, int outOff, int cout, int split,
                                int gap) {
        switch (vectors) {
            case 6: GemmMr4Nr6v.tileRelu6Gap(in, inOff, cin, wd, panelOff, out, outOff, cout,
                    split, gap); break;
            case 5: GemmMr5Nr5v.tileRelu6Gap(in, inOff, cin, wd, panelOff, out, outOff, cout,
                    split, gap); break;
            case 4: GemmMr6Nr4v.tileRelu6Gap(in, inOff, cin, wd, panelOff, out, outOff, cout,
                    split, gap); break;
            case 2: GemmMr7Nr2v.tileRelu6Gap(in, inOff, cin, wd, panelOff, out, outOff, cout,
                    split, gap); break;
            default: throw new AssertionError("no gap tile of " + vectors + " vectors");
        }
    }

    /** Whether {@link #directTile} has a tile of {@code vectors} vectors at this width. */
    private static boolean hasDirectTile(int vectors) {
        return vectors >= 3 || WIDE_REGISTER_FILE; // 1 and 2: the 14- and 7-row tiles
    }

    /**
     * A whole tile with its epilogue in registers (ReLU6; linear; linear + residual if {@code res}
     * is not null), for every panel width of {@link #hasDirectTile}.
     */
    private static void directTile(int vectors, boolean relu6, float[] in, int inOff, int cin,
                                   float[] wd, int panelOff, float[] res, int resOff, float[] out,
                                   int outOff, int cout) {
        switch (vectors) {
            case 6:
                if (relu6) GemmMr4Nr6v.tileRelu6(in, inOff, cin, wd, panelOff, out, outOff, cout);
                else if (res == null) GemmMr4Nr6v.tileLinear(in, inOff, cin, wd, panelOff, out,
                        outOff, cout);
                else GemmMr4Nr6v.tileResidual(in, inOff, cin, wd, panelOff, res, resOff, out,
                        outOff, cout);
                break;
            case 5:
                if (relu6) GemmMr5Nr5v.tileRelu6(in, inOff, cin, wd, panelOff, out, outOff, cout);
                else if (res == null) GemmMr5Nr5v.tileLinear(in, inOff, cin, wd, panelOff, out,
                        outOff, cout);
                else GemmMr5Nr5v.tileResidual(in, inOff, cin, wd, panelOff, res, resOff, out,
                        outOff, cout);
                break;
            case 3:
                if (relu6) GemmMr7Nr3v.tileRelu6(in, inOff, cin, wd, panelOff, out, outOff, cout);
                else if (res == null) GemmMr7Nr3v.tileLinear(in, inOff, cin, wd, panelOff, out,
                        outOff, cout);
                else GemmMr7Nr3v.tileResidual(in, inOff, cin, wd, panelOff, res, resOff, out,
                        outOff, cout);
                break;
            case 4:
                if (relu6) GemmMr6Nr4v.tileRelu6(in, inOff, cin, wd, panelOff, out, outOff, cout);
                else if (res == null) GemmMr6Nr4v.tileLinear(in, inOff, cin, wd, panelOff, out,
                        outOff, cout);
                else GemmMr6Nr4v.tileResidual(in, inOff, cin, wd, panelOff, res, resOff, out,
                        outOff, cout);
                break;
            case 2:
                if (relu6) GemmMr7Nr2v.tileRelu6(in, inOff, cin, wd, panelOff, out, outOff, cout);
                else if (res == null) GemmMr7Nr2v.tileLinear(in, inOff, cin, wd, panelOff, out,
                        outOff, cout);
                else GemmMr7Nr2v.tileResidual(in, inOff, cin, wd, panelOff, res, resOff, out,
                        outOff, cout);
                break;
            case 1:
                if (relu6) GemmMr14Nr1v.tileRelu6(in, inOff, cin, wd, panelOff, out, outOff, cout);
                else if (res == null) narrowLinearTile(in, inOff, cin, wd, panelOff, out, outOff,
                        cout);
                else GemmMr14Nr1v.tileResidual(in, inOff, cin, wd, panelOff, res, resOff, out,
                        outOff, cout);
                break;
            default:
                throw new AssertionError("no direct tile of " + vectors + " vectors");
        }
    }

    /**
     * The 14x1 linear tile, with a constant input-channel count where one is generated (the cases
     * below are {@code FIXED_K} in {@code tools/gemm/gen_tiles.py}): 1.4x faster on block 1's
     * 32 -> 16 projection (reports/LOWERING.md).
     */
    private static void narrowLinearTile(float[] in, int inOff, int cin, float[] wd, int panelOff,
                                         float[] out, int outOff, int cout) {
        switch (cin) {
            case 16: GemmMr14Nr1v.tileLinearK16(in, inOff, wd, panelOff, out, outOff, cout); break;
            case 24: GemmMr14Nr1v.tileLinearK24(in, inOff, wd, panelOff, out, outOff, cout); break;
            case 32: GemmMr14Nr1v.tileLinearK32(in, inOff, wd, panelOff, out, outOff, cout); break;
            default: GemmMr14Nr1v.tileLinear(in, inOff, cin, wd, panelOff, out, outOff, cout);
        }
    }

    /** {@code cin == 0}: every pixel is {@code act(bias) (+ residual)}; not a hot path. */
    private static void biasOnly(int pixels, float[] wd, int wBase, boolean relu6, float[] res,
                                 int resOff, float[] out, int outOff, int cout, int coFrom,
                                 int coTo) {
        for (int p = 0; p < pixels; p++) {
            for (int co = coFrom; co < coTo; co++) {
                // With cin = 0 a panel is just its bias row, so channel co sits at index co.
                float v = wd[wBase + co];
                v = relu6 ? Math.min(Math.max(v, 0f), 6f) : v;
                if (res != null) {
                    v += res[resOff + p * cout + co];
                }
                out[outOff + p * cout + co] = v;
            }
        }
    }

    private static int chunkPixels(int cin, int cout) {
        final int perPixel = 4 * (cin + cout);
        final int chunk = CHUNK_BYTES / Math.max(1, perPixel) / CHUNK_MULTIPLE * CHUNK_MULTIPLE;
        return Math.max(CHUNK_MULTIPLE, chunk);
    }
}
