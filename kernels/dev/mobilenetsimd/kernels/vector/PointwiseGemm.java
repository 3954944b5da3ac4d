package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.PackedWeights;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The vector pointwise 1x1 convolution: a GEMM {@code out[pixels][cout] = in[pixels][cin] x
 * w[cin][cout]} with bias, activation and residual applied in the store epilogue. This class packs
 * the weights and dispatches register-blocked microkernels ({@code GemmMr<rows>Nr<vectors>v}).
 *
 * <p><b>Packed layout</b> ({@link #LAYOUT}): output channels are cut into panels of
 * {@link #PANEL} channels ({@link #MAIN_VECTORS} vectors); a panel holds, for each input channel,
 * its {@code PANEL} weights contiguously, then its {@code PANEL} biases. The channels left over
 * ({@code cout % PANEL}) form one narrower tail panel of whole vectors, zero-padded past
 * {@code cout}, so every weight and bias load is a full unmasked vector; only the stores of the
 * last vector of the tail panel are masked (one precomputed mask per call, none in the loop).
 *
 * <p><b>Tiles</b> (rows = pixels, vectors of channels), chosen from the in-cache measurements in
 * ANCHORS.md and so that accumulators + weights + broadcast fit in the register file:
 * <ul>
 *   <li>512 bits: 7x3 vectors (48 channels, 25 of 32 registers). MobileNetV2 pixel counts are
 *       multiples of 7, so whole layers (and bands of 7k rows) never hit the pixel tail.</li>
 *   <li>256/128 bits with 32 registers (AVX-512VL, NEON): 6x4 vectors.</li>
 *   <li>16 registers (AVX2-sized): 6x2 vectors.</li>
 *   <li>Tail panels of 2 vectors: 7x2 (6x2 with 16 registers); of 1 vector: 14x1 (7x1), taller
 *       because a single column of accumulators needs more rows to keep FMAs in flight.</li>
 *   <li>Pixel tails: one-row kernels.</li>
 * </ul>
 *
 * <p><b>Epilogue</b>: the bias is the accumulators' initial value. A microkernel ends by storing
 * its accumulators to a per-thread scratch block ({@code ROWS x PANEL} floats, stays in L1);
 * {@link PointwiseEpilogue#finish} then applies RELU6, adds the residual (after the activation,
 * reading each residual vector just before the store of the same lanes, so a residual aliasing
 * the output is safe) and stores, masking the last vector of a tail panel. That costs one L1
 * store + load per output vector (a few % at cin = 16, noise at cin >= 96) and buys this:
 *
 * <p><b>C2 constraints</b> (checked with {@code -XX:+PrintIntrinsics}, {@code -XX:+PrintCompilation}
 * and {@code -XX:CompileCommand=PrintInlining,...} on JDK 25):
 * <ul>
 *   <li>With activation, residual and masked stores inside the microkernel, a 7x3 kernel
 *       exceeded C2's {@code NodeCountInliningCutoff}: epilogue helpers stayed calls, vectors were
 *       boxed (0.5 GFLOP/s, 100+ MB/op). Written out inline instead, the kernels were too big for
 *       C1 ("out of virtual registers in LIR generator"); such a method can stay in tier-2 code,
 *       boxing every vector op, for 10+ s before C2 compiles it. Kept to "K loop + stores", the
 *       microkernels compile at tier 3, then C2 about a second later on this busy 2-core host.</li>
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

    /** Vectors per full panel: the widest tile that fits the register file. */
    static final int MAIN_VECTORS = LANES >= 16 ? 3 : WIDE_REGISTER_FILE ? 4 : 2;
    /** Output channels per full panel. */
    static final int PANEL = MAIN_VECTORS * LANES;
    /** The packed layout; encodes width and panel so weights packed for another are rejected. */
    static final String LAYOUT =
            "vector-pointwise-" + VectorWidth.SPECIES.vectorBitSize() + "-nr" + PANEL;

    /** Chunks of pixels are a multiple of every tile height (6, 7, 14) to avoid inner tails. */
    private static final int CHUNK_MULTIPLE = 42;
    /** Bytes of input plus output rows per chunk: a quarter of the 1 MiB L2. */
    private static final int CHUNK_BYTES = 256 * 1024;

    /** Floats of the largest tile ({@code ROWS * VECTORS * LANES} of any microkernel). */
    private static final int SCRATCH_FLOATS = 16 * 4 * LANES;
    /** Per-thread accumulator block between a microkernel and the epilogue. */
    private static final ThreadLocal<float[]> SCRATCH =
            ThreadLocal.withInitial(() -> new float[SCRATCH_FLOATS]);

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
        final int fullPanels = cout / PANEL;
        final int tailChannels = cout - fullPanels * PANEL;
        final int tailWidth = roundUpToLanes(tailChannels);
        final float[] data = new float[(fullPanels * PANEL + tailWidth) * (cin + 1)];
        int dst = 0;
        for (int col = 0; col < cout; col += PANEL) {
            final int width = Math.min(PANEL, cout - col);
            final int stride = col + PANEL <= cout ? PANEL : tailWidth;
            for (int ci = 0; ci < cin; ci++, dst += stride) {
                System.arraycopy(w, ci * cout + col, data, dst, width);
            }
            if (bias != null) {
                System.arraycopy(bias, col, data, dst, width);
            }
            dst += stride;
        }
        return new PackedWeights(LAYOUT, cin, cout, data);
    }

    private static int roundUpToLanes(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /** See {@code KernelSet.pointwise}. */
    static void run(float[] in, int inOff, int pixels, PackedWeights w, Activation act,
                    float[] residual, int residualOff, float[] out, int outOff) {
        w.requireLayout(LAYOUT);
        Objects.requireNonNull(act, "act");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        if (pixels < 0) {
            throw new IllegalArgumentException("pixels = " + pixels);
        }
        final int cin = w.inChannels, cout = w.outChannels;
        final float[] wd = w.data;
        final boolean relu6 = act == Activation.RELU6;
        final int panelSize = (cin + 1) * PANEL;
        final int fullPanels = cout / PANEL;
        final int tailChannels = cout - fullPanels * PANEL;
        final int tailVectors = (tailChannels + LANES - 1) / LANES;
        final int tailLanes = tailChannels % LANES;
        final VectorMask<Float> tailMask = tailLanes == 0 ? null : TAIL_MASKS[tailLanes];
        final int tailCol = fullPanels * PANEL;
        final int tailPanelOff = fullPanels * panelSize;
        if (cin == 0) {
            biasOnly(pixels, wd, relu6, residual, residualOff, out, outOff, cout);
            return;
        }
        final float[] scratch = SCRATCH.get();
        final int chunk = chunkPixels(cin, cout);
        for (int p0 = 0; p0 < pixels; p0 += chunk) {
            final int p1 = Math.min(pixels, p0 + chunk);
            for (int panel = 0, col = 0; panel < fullPanels; panel++, col += PANEL) {
                rows(MAIN_VECTORS, scratch, in, inOff, p0, p1, cin, wd, panel * panelSize,
                        relu6, residual, residualOff + col, out, outOff + col, cout, null);
            }
            if (tailVectors > 0) {
                rows(tailVectors, scratch, in, inOff, p0, p1, cin, wd, tailPanelOff, relu6,
                        residual, residualOff + tailCol, out, outOff + tailCol, cout, tailMask);
            }
        }
    }

    /** {@code cin == 0}: every pixel is {@code act(bias) (+ residual)}; not a hot path. */
    private static void biasOnly(int pixels, float[] wd, boolean relu6, float[] res, int resOff,
                                 float[] out, int outOff, int cout) {
        for (int p = 0; p < pixels; p++) {
            for (int co = 0; co < cout; co++) {
                // With cin = 0 a panel is just its bias row, so channel co sits at index co.
                float v = wd[co];
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

    /**
     * Pixels {@code [p0, p1)} of one panel of {@code vectors} vectors: whole multi-row tiles, then
     * the remaining pixels one by one. {@code resOff} and {@code outOff} point at the panel's
     * first channel of pixel 0.
     */
    private static void rows(int vectors, float[] scratch, float[] in, int inOff, int p0, int p1,
                             int cin, float[] wd, int panelOff, boolean relu6, float[] res,
                             int resOff, float[] out, int outOff, int cout,
                             VectorMask<Float> lastMask) {
        int p = p0;
        switch (vectors) {
            case 4:
                for (; p + GemmMr6Nr4v.ROWS <= p1; p += GemmMr6Nr4v.ROWS) {
                    GemmMr6Nr4v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                    PointwiseEpilogue.finish(scratch, GemmMr6Nr4v.ROWS, 4, relu6,
                            res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                }
                for (; p < p1; p++) {
                    GemmMr1Nr4v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                    PointwiseEpilogue.finish(scratch, 1, 4, relu6,
                            res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                }
                break;
            case 3:
                if (lastMask == null && !(relu6 && res != null)) {
                    // Full panels with one of the network's three epilogues (ReLU6, linear,
                    // linear + residual): the epilogue runs in registers, no scratch round trip.
                    if (relu6) {
                        for (; p + GemmMr7Nr3v.ROWS <= p1; p += GemmMr7Nr3v.ROWS) {
                            GemmMr7Nr3v.tileRelu6(in, inOff + p * cin, cin, wd, panelOff,
                                    out, outOff + p * cout, cout);
                        }
                    } else if (res == null) {
                        for (; p + GemmMr7Nr3v.ROWS <= p1; p += GemmMr7Nr3v.ROWS) {
                            GemmMr7Nr3v.tileLinear(in, inOff + p * cin, cin, wd, panelOff,
                                    out, outOff + p * cout, cout);
                        }
                    } else {
                        for (; p + GemmMr7Nr3v.ROWS <= p1; p += GemmMr7Nr3v.ROWS) {
                            GemmMr7Nr3v.tileResidual(in, inOff + p * cin, cin, wd, panelOff,
                                    res, resOff + p * cout, out, outOff + p * cout, cout);
                        }
                    }
                }
                for (; p + GemmMr7Nr3v.ROWS <= p1; p += GemmMr7Nr3v.ROWS) {
                    GemmMr7Nr3v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                    PointwiseEpilogue.finish(scratch, GemmMr7Nr3v.ROWS, 3, relu6,
                            res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                }
                for (; p < p1; p++) {
                    GemmMr1Nr3v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                    PointwiseEpilogue.finish(scratch, 1, 3, relu6,
                            res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                }
                break;
            case 2:
                if (WIDE_REGISTER_FILE) {
                    for (; p + GemmMr7Nr2v.ROWS <= p1; p += GemmMr7Nr2v.ROWS) {
                        GemmMr7Nr2v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                        PointwiseEpilogue.finish(scratch, GemmMr7Nr2v.ROWS, 2, relu6,
                                res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                    }
                } else {
                    for (; p + GemmMr6Nr2v.ROWS <= p1; p += GemmMr6Nr2v.ROWS) {
                        GemmMr6Nr2v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                        PointwiseEpilogue.finish(scratch, GemmMr6Nr2v.ROWS, 2, relu6,
                                res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                    }
                }
                for (; p < p1; p++) {
                    GemmMr1Nr2v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                    PointwiseEpilogue.finish(scratch, 1, 2, relu6,
                            res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                }
                break;
            case 1:
                if (WIDE_REGISTER_FILE) {
                    for (; p + GemmMr14Nr1v.ROWS <= p1; p += GemmMr14Nr1v.ROWS) {
                        GemmMr14Nr1v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                        PointwiseEpilogue.finish(scratch, GemmMr14Nr1v.ROWS, 1, relu6,
                                res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                    }
                }
                for (; p + GemmMr7Nr1v.ROWS <= p1; p += GemmMr7Nr1v.ROWS) {
                    GemmMr7Nr1v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                    PointwiseEpilogue.finish(scratch, GemmMr7Nr1v.ROWS, 1, relu6,
                            res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                }
                for (; p < p1; p++) {
                    GemmMr1Nr1v.tile(in, inOff + p * cin, cin, wd, panelOff, scratch);
                    PointwiseEpilogue.finish(scratch, 1, 1, relu6,
                            res, resOff + p * cout, out, outOff + p * cout, cout, lastMask);
                }
                break;
            default:
                throw new AssertionError("no tile of " + vectors + " vectors");
        }
    }
}
