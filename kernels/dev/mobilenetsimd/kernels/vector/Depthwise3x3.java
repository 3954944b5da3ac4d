package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import static dev.mobilenetsimd.kernels.vector.VectorWidth.MASKED_MEMORY_INTRINSICS;
import static dev.mobilenetsimd.kernels.vector.VectorWidth.TAIL_SCRATCH;
import static dev.mobilenetsimd.kernels.vector.VectorWidth.RELU6_BLEND;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Depthwise 3x3 convolution, one output row, NHWC, channels along the vector lanes.
 *
 * <p>Packed layout ({@link #LAYOUT}): for each block of {@code LANES} channels, 10 vectors in a
 * row: the bias, then the 9 taps in {@code ky * 3 + kx} order; channels past {@code c} are zero.
 * So one block's weights are 10 consecutive vectors and the kernel keeps all of them in registers
 * while it sweeps x across the row (channel block outer, x inner): 10 + 4 accumulators + a few
 * inputs fit the 32 (AVX-512) or 16 (AVX2) vector registers.
 *
 * <p>Column ranges: {@code [xLo, xHi)} are the output columns whose three input columns all lie
 * inside {@code [0, inW)}; they run without any border test, four outputs per step so that
 * neighbouring outputs share their input loads (stride 1: 6 columns x 3 rows = 18 loads for 36
 * FMAs instead of 36; stride 2: 27 loads). The at most one or two border columns on each side
 * take a path with per-tap tests. The channel tail ({@code c % LANES}) is one masked block per
 * row, outside the hot loop.
 *
 * <p>{@link #rowPair} computes two adjacent output rows in one sweep (8 accumulators), so the
 * input rows they share are loaded once: the middle two of four for stride 1, the middle one of
 * five for stride 2: 24 loads for 72 FMAs instead of 36 (stride 1), 45 instead of 54 (stride 2),
 * and half the L2 reads per output row when a row triple outgrows L1 (56 wide x 144 channels is
 * 97 KB). Measured on whole layers: 7-35% faster at stride 1, a few percent at stride 2; the loop
 * remains bound by instruction issue (range checks and spilled offsets, reports/LOWERING.md).
 *
 * <p>PrintIntrinsics (JDK 25, -XX:-TieredCompilation, 128/256/512 bits): no "failed to inline
 * (intrinsic)" in any Depthwise3x3 method. Two traps found on the way, both silent 10-50x
 * slowdowns: (1) one method holding all loops was too big for C1 and never reached C2; (2) a
 * small {@code store(vector, ...)} helper was refused inlining (NodeCountInliningCutoff, since
 * Vector API calls inline a lot of IR before they collapse), so every output vector was boxed
 * (~4 GB/s of garbage). Hence: one loop per method, activation + store written inline, never a
 * helper method taking or returning a vector.
 */
final class Depthwise3x3 {
    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;
    private static final int L = VectorWidth.LANES;
    /** Vectors per channel block in the packed weights: bias + 9 taps. */
    private static final int BLOCK_VECTORS = 10;
    /** Names the lane width: weights packed at one width are unusable at another. */
    static final String LAYOUT = "vector-depthwise-bias9taps-lanes" + L;

    private Depthwise3x3() {}

    /** Packs canonical {@code w[(ky*3+kx)*c + ch]} and {@code bias[c]} (null = zeros). */
    static PackedWeights pack(float[] w, float[] bias, int channels) {
        // in long: 9 * channels wrapped to a small int, and a 2-float array passed for 1.9e9
        // channels (the packed array then ran out of heap)
        PackChecks.length("weights", w, 9L * channels);
        if (bias != null) {
            PackChecks.length("bias", bias, channels);
        }
        float[] d = new float[PackChecks.packedLength(packedFloats(channels))];
        for (int ch = 0; ch < channels; ch++) {
            int base = (ch / L) * BLOCK_VECTORS * L + ch % L;
            d[base] = bias == null ? 0f : bias[ch];
            for (int t = 0; t < 9; t++) {
                d[base + (1 + t) * L] = w[t * channels + ch];
            }
        }
        return new PackedWeights(LAYOUT, channels, channels, d);
    }

    /** The floats of {@link #LAYOUT} for {@code channels}: per block of lanes, bias + 9 taps. */
    private static long packedFloats(int channels) {
        return ((long) channels + L - 1) / L * BLOCK_VECTORS * L;
    }

    /** See {@link dev.mobilenetsimd.kernels.KernelSet#depthwiseRow}. */
    static void row(float[] src, int top, int mid, int bottom, int inW, int stride, int padLeft,
                    PackedWeights w, Activation act, float[] out, int outOff, int outW) {
        row(src, top, mid, bottom, inW, stride, padLeft, w, 0, w.inChannels, act, out, outOff,
                outW);
    }

    /**
     * See {@link dev.mobilenetsimd.kernels.KernelSet#depthwiseRowChannels}: the channel blocks of
     * {@code [chFrom, chTo)} only.
     */
    static void row(float[] src, int top, int mid, int bottom, int inW, int stride, int padLeft,
                    PackedWeights w, int chFrom, int chTo, Activation act, float[] out,
                    int outOff, int outW) {
        w.requireLayout(LAYOUT, packedFloats(w.inChannels));
        KernelSet.checkWindow(stride, padLeft);
        final int c = w.inChannels;
        checkChannels(c, chFrom, chTo);
        final boolean relu = act == Activation.RELU6;
        final int xLo = interiorStart(stride, padLeft, outW);
        final int xHi = interiorEnd(inW, stride, padLeft, outW, xLo);
        final int full = S.loopBound(c);
        final int blocksEnd = Math.min(full, chTo);
        for (int cb = chFrom; cb < blocksEnd; cb += L) {
            fullBlock(src, top, mid, bottom, inW, stride, padLeft, w.data,
                    w.offset + (cb / L) * BLOCK_VECTORS * L, c, cb, relu, out, outOff, outW, xLo,
                    xHi);
        }
        if (chFrom <= full && full < chTo) {
            tailBlock(src, top, mid, bottom, inW, stride, padLeft, w.data,
                    w.offset + (full / L) * BLOCK_VECTORS * L, c, full, relu, out, outOff, outW);
        }
    }

    /**
     * First interior output column: the first x whose window starts inside the row,
     * {@code x * stride - padLeft >= 0}.
     */
    private static int interiorStart(int stride, int padLeft, int outW) {
        return Math.min(outW, (padLeft + stride - 1) / stride);
    }

    /**
     * End (exclusive) of the interior output columns, at least {@code xLo}: the last interior x
     * has its window end inside the row, {@code x * stride - padLeft + 2 <= inW - 1}.
     */
    private static int interiorEnd(int inW, int stride, int padLeft, int outW, int xLo) {
        final int last = inW - 3 + padLeft;
        return Math.max(xLo, last < 0 ? 0 : Math.min(outW, last / stride + 1));
    }

    /**
     * A channel range of a depthwise call: it starts at a multiple of the lane count and ends at
     * one or at {@code c}, so it is whole channel blocks and, at most, the tail block.
     */
    static void checkChannels(int c, int chFrom, int chTo) {
        if (chFrom < 0 || chFrom > chTo || chTo > c || chFrom % L != 0 && chFrom != c
                || chTo % L != 0 && chTo != c) {
            throw new IllegalArgumentException("channels [" + chFrom + ", " + chTo + ") of " + c
                    + ": a range must start at a multiple of " + L + " and end at one or at " + c);
        }
    }

    /** See {@link dev.mobilenetsimd.kernels.KernelSet#depthwiseRowPair}. */
    static void rowPair(float[] src, int r0, int r1, int r2, int r3, int r4, int inW, int stride,
                        int padLeft, PackedWeights w, Activation act, float[] out, int outA,
                        int outB, int outW) {
        rowPair(src, r0, r1, r2, r3, r4, inW, stride, padLeft, w, 0, w.inChannels, act, out,
                outA, outB, outW);
    }

    /** See {@link dev.mobilenetsimd.kernels.KernelSet#depthwiseRowPairChannels}. */
    static void rowPair(float[] src, int r0, int r1, int r2, int r3, int r4, int inW, int stride,
                        int padLeft, PackedWeights w, int chFrom, int chTo, Activation act,
                        float[] out, int outA, int outB, int outW) {
        if (stride != 1 && stride != 2) {
            throw new IllegalArgumentException("a row pair needs stride 1 or 2, got " + stride);
        }
        // row B's three input rows
        final int b0 = stride == 1 ? r1 : r2;
        final int b1 = stride == 1 ? r2 : r3;
        final int b2 = stride == 1 ? r3 : r4;
        if (!PointwiseGemm.WIDE_REGISTER_FILE) {
            // 8 accumulators + 10 weights + inputs need 32 vector registers
            row(src, r0, r1, r2, inW, stride, padLeft, w, chFrom, chTo, act, out, outA, outW);
            row(src, b0, b1, b2, inW, stride, padLeft, w, chFrom, chTo, act, out, outB, outW);
            return;
        }
        w.requireLayout(LAYOUT, packedFloats(w.inChannels));
        KernelSet.checkWindow(stride, padLeft);
        final int c = w.inChannels;
        checkChannels(c, chFrom, chTo);
        final boolean relu = act == Activation.RELU6;
        final int xLo = interiorStart(stride, padLeft, outW);
        final int xHi = interiorEnd(inW, stride, padLeft, outW, xLo);
        final int full = S.loopBound(c);
        final int blocksEnd = Math.min(full, chTo);
        final boolean borders = hasBorderColumns(xLo, xHi, outW);
        for (int cb = chFrom; cb < blocksEnd; cb += L) {
            final int wo = w.offset + (cb / L) * BLOCK_VECTORS * L;
            if (borders) {
                borderColumns(src, r0, r1, r2, inW, stride, padLeft, w.data, wo, c, cb, relu,
                        out, outA, outW, xLo, xHi);
                borderColumns(src, b0, b1, b2, inW, stride, padLeft, w.data, wo, c, cb, relu,
                        out, outB, outW, xLo, xHi);
            }
            if (stride == 1) {
                interiorPairStride1(src, r0, r1, r2, r3, padLeft, w.data, wo, c, cb, relu, out,
                        outA, outB, xLo, xHi);
            } else {
                interiorPairStride2(src, r0, r1, r2, r3, r4, padLeft, w.data, wo, c, cb, relu,
                        out, outA, outB, xLo, xHi);
            }
        }
        if (chFrom <= full && full < chTo) {
            final int wo = w.offset + (full / L) * BLOCK_VECTORS * L;
            tailBlock(src, r0, r1, r2, inW, stride, padLeft, w.data, wo, c, full, relu, out,
                    outA, outW);
            tailBlock(src, b0, b1, b2, inW, stride, padLeft, w.data, wo, c, full, relu, out,
                    outB, outW);
        }
    }

    /**
     * One full block of LANES channels across the whole row. Split into four methods, each
     * loading the block's 10 weight vectors into registers itself: one method holding all four
     * loops was too big for C1 ("out of virtual registers") and then never reached C2, running
     * the Vector API un-intrinsified at 1 GFLOP/s.
     */
    private static void fullBlock(float[] src, int top, int mid, int bottom, int inW, int stride,
                                  int padLeft, float[] wd, int wo, int c, int cb, boolean relu,
                                  float[] out, int outOff, int outW, int xLo, int xHi) {
        if (hasBorderColumns(xLo, xHi, outW)) {
            borderColumns(src, top, mid, bottom, inW, stride, padLeft, wd, wo, c, cb, relu, out,
                    outOff, outW, xLo, xHi);
        }
        int x = xLo;
        if (stride == 1) {
            x = interiorStride1(src, top, mid, bottom, padLeft, wd, wo, c, cb, relu, out,
                    outOff, xLo, xHi);
        } else if (stride == 2) {
            x = interiorStride2(src, top, mid, bottom, padLeft, wd, wo, c, cb, relu, out,
                    outOff, xLo, xHi);
        }
        interiorSingle(src, top, mid, bottom, stride, padLeft, wd, wo, c, cb, relu, out, outOff,
                x, xHi);
    }

    /**
     * Whether a row has border columns at all: rows with their padding in memory (the fused
     * blocks' ring) have none, and skip the {@link #borderColumns} call and its weight loads.
     */
    private static boolean hasBorderColumns(int xLo, int xHi, int outW) {
        return xLo > 0 || xHi < outW;
    }

    /** Border columns (left [0, xLo), right [xHi, outW)): each input column tested. */
    private static void borderColumns(float[] src, int top, int mid, int bottom, int inW,
                                  int stride, int padLeft, float[] wd, int wo, int c, int cb,
                                  boolean relu, float[] out, int outOff, int outW, int xLo,
                                  int xHi) {
        final FloatVector bias = FloatVector.fromArray(S, wd, wo);
        final FloatVector w0 = FloatVector.fromArray(S, wd, wo + L);
        final FloatVector w1 = FloatVector.fromArray(S, wd, wo + 2 * L);
        final FloatVector w2 = FloatVector.fromArray(S, wd, wo + 3 * L);
        final FloatVector w3 = FloatVector.fromArray(S, wd, wo + 4 * L);
        final FloatVector w4 = FloatVector.fromArray(S, wd, wo + 5 * L);
        final FloatVector w5 = FloatVector.fromArray(S, wd, wo + 6 * L);
        final FloatVector w6 = FloatVector.fromArray(S, wd, wo + 7 * L);
        final FloatVector w7 = FloatVector.fromArray(S, wd, wo + 8 * L);
        final FloatVector w8 = FloatVector.fromArray(S, wd, wo + 9 * L);
        final int t = top + cb, m = mid + cb, b = bottom + cb, o = outOff + cb;
        for (int pass = 0; pass < 2; pass++) {
            final int xa = pass == 0 ? 0 : xHi, xb = pass == 0 ? xLo : outW;
            for (int x = xa; x < xb; x++) {
                FloatVector acc = bias;
                int ix = x * stride - padLeft;
                if (ix >= 0 && ix < inW) {
                    int p = ix * c;
                    acc = FloatVector.fromArray(S, src, t + p).fma(w0, acc);
                    acc = FloatVector.fromArray(S, src, m + p).fma(w3, acc);
                    acc = FloatVector.fromArray(S, src, b + p).fma(w6, acc);
                }
                if (ix + 1 >= 0 && ix + 1 < inW) {
                    int p = (ix + 1) * c;
                    acc = FloatVector.fromArray(S, src, t + p).fma(w1, acc);
                    acc = FloatVector.fromArray(S, src, m + p).fma(w4, acc);
                    acc = FloatVector.fromArray(S, src, b + p).fma(w7, acc);
                }
                if (ix + 2 >= 0 && ix + 2 < inW) {
                    int p = (ix + 2) * c;
                    acc = FloatVector.fromArray(S, src, t + p).fma(w2, acc);
                    acc = FloatVector.fromArray(S, src, m + p).fma(w5, acc);
                    acc = FloatVector.fromArray(S, src, b + p).fma(w8, acc);
                }
                acc = relu ? (RELU6_BLEND
                        ? acc.blend(0f, acc.compare(LE, 0f)).blend(6f, acc.compare(GT, 6f))
                        : acc.max(0f).min(6f)) : acc;
                acc.intoArray(out, o + x * c);
            }
        }

    }

    /** Stride-1 interior, four outputs per step; returns the first column not done. */
    private static int interiorStride1(float[] src, int top, int mid, int bottom, int padLeft,
                                       float[] wd, int wo, int c, int cb, boolean relu,
                                       float[] out, int outOff, int xLo, int xHi) {
        final FloatVector bias = FloatVector.fromArray(S, wd, wo);
        final FloatVector w0 = FloatVector.fromArray(S, wd, wo + L);
        final FloatVector w1 = FloatVector.fromArray(S, wd, wo + 2 * L);
        final FloatVector w2 = FloatVector.fromArray(S, wd, wo + 3 * L);
        final FloatVector w3 = FloatVector.fromArray(S, wd, wo + 4 * L);
        final FloatVector w4 = FloatVector.fromArray(S, wd, wo + 5 * L);
        final FloatVector w5 = FloatVector.fromArray(S, wd, wo + 6 * L);
        final FloatVector w6 = FloatVector.fromArray(S, wd, wo + 7 * L);
        final FloatVector w7 = FloatVector.fromArray(S, wd, wo + 8 * L);
        final FloatVector w8 = FloatVector.fromArray(S, wd, wo + 9 * L);
        final int t = top + cb, m = mid + cb, b = bottom + cb, o = outOff + cb;
        int x = xLo;
        // Four outputs share input columns: output k reads columns k, k+1, k+2 of six.
        for (; x <= xHi - 4; x += 4) {
            final int p = (x - padLeft) * c;
            FloatVector a0 = bias, a1 = bias, a2 = bias, a3 = bias;
            FloatVector i0, i1, i2, i3, i4, i5;

            i0 = FloatVector.fromArray(S, src, t + p);
            i1 = FloatVector.fromArray(S, src, t + p + c);
            i2 = FloatVector.fromArray(S, src, t + p + 2 * c);
            i3 = FloatVector.fromArray(S, src, t + p + 3 * c);
            i4 = FloatVector.fromArray(S, src, t + p + 4 * c);
            i5 = FloatVector.fromArray(S, src, t + p + 5 * c);
            a0 = i2.fma(w2, i1.fma(w1, i0.fma(w0, a0)));
            a1 = i3.fma(w2, i2.fma(w1, i1.fma(w0, a1)));
            a2 = i4.fma(w2, i3.fma(w1, i2.fma(w0, a2)));
            a3 = i5.fma(w2, i4.fma(w1, i3.fma(w0, a3)));

            i0 = FloatVector.fromArray(S, src, m + p);
            i1 = FloatVector.fromArray(S, src, m + p + c);
            i2 = FloatVector.fromArray(S, src, m + p + 2 * c);
            i3 = FloatVector.fromArray(S, src, m + p + 3 * c);
            i4 = FloatVector.fromArray(S, src, m + p + 4 * c);
            i5 = FloatVector.fromArray(S, src, m + p + 5 * c);
            a0 = i2.fma(w5, i1.fma(w4, i0.fma(w3, a0)));
            a1 = i3.fma(w5, i2.fma(w4, i1.fma(w3, a1)));
            a2 = i4.fma(w5, i3.fma(w4, i2.fma(w3, a2)));
            a3 = i5.fma(w5, i4.fma(w4, i3.fma(w3, a3)));

            i0 = FloatVector.fromArray(S, src, b + p);
            i1 = FloatVector.fromArray(S, src, b + p + c);
            i2 = FloatVector.fromArray(S, src, b + p + 2 * c);
            i3 = FloatVector.fromArray(S, src, b + p + 3 * c);
            i4 = FloatVector.fromArray(S, src, b + p + 4 * c);
            i5 = FloatVector.fromArray(S, src, b + p + 5 * c);
            a0 = i2.fma(w8, i1.fma(w7, i0.fma(w6, a0)));
            a1 = i3.fma(w8, i2.fma(w7, i1.fma(w6, a1)));
            a2 = i4.fma(w8, i3.fma(w7, i2.fma(w6, a2)));
            a3 = i5.fma(w8, i4.fma(w7, i3.fma(w6, a3)));

            final int q = o + x * c;
            a0 = relu ? (RELU6_BLEND
                    ? a0.blend(0f, a0.compare(LE, 0f)).blend(6f, a0.compare(GT, 6f))
                    : a0.max(0f).min(6f)) : a0;
            a0.intoArray(out, q);
            a1 = relu ? (RELU6_BLEND
                    ? a1.blend(0f, a1.compare(LE, 0f)).blend(6f, a1.compare(GT, 6f))
                    : a1.max(0f).min(6f)) : a1;
            a1.intoArray(out, q + c);
            a2 = relu ? (RELU6_BLEND
                    ? a2.blend(0f, a2.compare(LE, 0f)).blend(6f, a2.compare(GT, 6f))
                    : a2.max(0f).min(6f)) : a2;
            a2.intoArray(out, q + 2 * c);
            a3 = relu ? (RELU6_BLEND
                    ? a3.blend(0f, a3.compare(LE, 0f)).blend(6f, a3.compare(GT, 6f))
                    : a3.max(0f).min(6f)) : a3;
            a3.intoArray(out, q + 3 * c);
        }
        return x;
    }

    /** Stride-2 interior, four outputs per step; returns the first column not done. */
    private static int interiorStride2(float[] src, int top, int mid, int bottom, int padLeft,
                                       float[] wd, int wo, int c, int cb, boolean relu,
                                       float[] out, int outOff, int xLo, int xHi) {
        final FloatVector bias = FloatVector.fromArray(S, wd, wo);
        final FloatVector w0 = FloatVector.fromArray(S, wd, wo + L);
        final FloatVector w1 = FloatVector.fromArray(S, wd, wo + 2 * L);
        final FloatVector w2 = FloatVector.fromArray(S, wd, wo + 3 * L);
        final FloatVector w3 = FloatVector.fromArray(S, wd, wo + 4 * L);
        final FloatVector w4 = FloatVector.fromArray(S, wd, wo + 5 * L);
        final FloatVector w5 = FloatVector.fromArray(S, wd, wo + 6 * L);
        final FloatVector w6 = FloatVector.fromArray(S, wd, wo + 7 * L);
        final FloatVector w7 = FloatVector.fromArray(S, wd, wo + 8 * L);
        final FloatVector w8 = FloatVector.fromArray(S, wd, wo + 9 * L);
        final int t = top + cb, m = mid + cb, b = bottom + cb, o = outOff + cb;
        int x = xLo;
        // Four outputs over nine input columns: output k reads columns 2k, 2k+1, 2k+2.
        for (; x <= xHi - 4; x += 4) {
            final int p = (2 * x - padLeft) * c;
            FloatVector a0 = bias, a1 = bias, a2 = bias, a3 = bias;
            FloatVector i0, i1, i2;
            int q;
            q = t + p;
            i0 = FloatVector.fromArray(S, src, q);
            i1 = FloatVector.fromArray(S, src, q + c);
            i2 = FloatVector.fromArray(S, src, q + 2 * c);
            a0 = i2.fma(w2, i1.fma(w1, i0.fma(w0, a0)));
            i0 = FloatVector.fromArray(S, src, q + 3 * c);
            i1 = FloatVector.fromArray(S, src, q + 4 * c);
            a1 = i1.fma(w2, i0.fma(w1, i2.fma(w0, a1)));
            i2 = FloatVector.fromArray(S, src, q + 5 * c);
            i0 = FloatVector.fromArray(S, src, q + 6 * c);
            a2 = i0.fma(w2, i2.fma(w1, i1.fma(w0, a2)));
            i1 = FloatVector.fromArray(S, src, q + 7 * c);
            i2 = FloatVector.fromArray(S, src, q + 8 * c);
            a3 = i2.fma(w2, i1.fma(w1, i0.fma(w0, a3)));

            q = m + p;
            i0 = FloatVector.fromArray(S, src, q);
            i1 = FloatVector.fromArray(S, src, q + c);
            i2 = FloatVector.fromArray(S, src, q + 2 * c);
            a0 = i2.fma(w5, i1.fma(w4, i0.fma(w3, a0)));
            i0 = FloatVector.fromArray(S, src, q + 3 * c);
            i1 = FloatVector.fromArray(S, src, q + 4 * c);
            a1 = i1.fma(w5, i0.fma(w4, i2.fma(w3, a1)));
            i2 = FloatVector.fromArray(S, src, q + 5 * c);
            i0 = FloatVector.fromArray(S, src, q + 6 * c);
            a2 = i0.fma(w5, i2.fma(w4, i1.fma(w3, a2)));
            i1 = FloatVector.fromArray(S, src, q + 7 * c);
            i2 = FloatVector.fromArray(S, src, q + 8 * c);
            a3 = i2.fma(w5, i1.fma(w4, i0.fma(w3, a3)));

            q = b + p;
            i0 = FloatVector.fromArray(S, src, q);
            i1 = FloatVector.fromArray(S, src, q + c);
            i2 = FloatVector.fromArray(S, src, q + 2 * c);
            a0 = i2.fma(w8, i1.fma(w7, i0.fma(w6, a0)));
            i0 = FloatVector.fromArray(S, src, q + 3 * c);
            i1 = FloatVector.fromArray(S, src, q + 4 * c);
            a1 = i1.fma(w8, i0.fma(w7, i2.fma(w6, a1)));
            i2 = FloatVector.fromArray(S, src, q + 5 * c);
            i0 = FloatVector.fromArray(S, src, q + 6 * c);
            a2 = i0.fma(w8, i2.fma(w7, i1.fma(w6, a2)));
            i1 = FloatVector.fromArray(S, src, q + 7 * c);
            i2 = FloatVector.fromArray(S, src, q + 8 * c);
            a3 = i2.fma(w8, i1.fma(w7, i0.fma(w6, a3)));

            q = o + x * c;
            a0 = relu ? (RELU6_BLEND
                    ? a0.blend(0f, a0.compare(LE, 0f)).blend(6f, a0.compare(GT, 6f))
                    : a0.max(0f).min(6f)) : a0;
            a0.intoArray(out, q);
            a1 = relu ? (RELU6_BLEND
                    ? a1.blend(0f, a1.compare(LE, 0f)).blend(6f, a1.compare(GT, 6f))
                    : a1.max(0f).min(6f)) : a1;
            a1.intoArray(out, q + c);
            a2 = relu ? (RELU6_BLEND
                    ? a2.blend(0f, a2.compare(LE, 0f)).blend(6f, a2.compare(GT, 6f))
                    : a2.max(0f).min(6f)) : a2;
            a2.intoArray(out, q + 2 * c);
            a3 = relu ? (RELU6_BLEND
                    ? a3.blend(0f, a3.compare(LE, 0f)).blend(6f, a3.compare(GT, 6f))
                    : a3.max(0f).min(6f)) : a3;
            a3.intoArray(out, q + 3 * c);
        }
        return x;
    }

    /**
     * Stride-1 interior of two adjacent output rows, sliding along the row: row A reads input
     * rows r0-r2 and row B r1-r3. Output column x reads input columns x-1..x+1 (padding 1), so
     * the two left ones of all four rows stay in registers from column x - 1 and each output
     * column loads one new column: 4 loads for 18 FMAs, every interior column, no leftovers
     * (a 4-column step leaves up to three columns to the single-column path, 3 of 7 on the
     * 7-wide blocks). Each FMA's receiver is a weight vector, whose class C2 knows exactly, and
     * each output sums its taps in the same order as {@link #interiorStride1}, so the results
     * are bitwise those of two single-row calls. Does every column of {@code [xLo, xHi)}.
     */
    private static void interiorPairStride1(float[] src, int r0, int r1, int r2, int r3,
                                           int padLeft, float[] wd, int wo, int c, int cb,
                                           boolean relu, float[] out, int outA, int outB,
                                           int xLo, int xHi) {
        final FloatVector bias = FloatVector.fromArray(S, wd, wo);
        final FloatVector w0 = FloatVector.fromArray(S, wd, wo + L);
        final FloatVector w1 = FloatVector.fromArray(S, wd, wo + 2 * L);
        final FloatVector w2 = FloatVector.fromArray(S, wd, wo + 3 * L);
        final FloatVector w3 = FloatVector.fromArray(S, wd, wo + 4 * L);
        final FloatVector w4 = FloatVector.fromArray(S, wd, wo + 5 * L);
        final FloatVector w5 = FloatVector.fromArray(S, wd, wo + 6 * L);
        final FloatVector w6 = FloatVector.fromArray(S, wd, wo + 7 * L);
        final FloatVector w7 = FloatVector.fromArray(S, wd, wo + 8 * L);
        final FloatVector w8 = FloatVector.fromArray(S, wd, wo + 9 * L);
        final int s0 = r0 + cb, s1 = r1 + cb, s2 = r2 + cb, s3 = r3 + cb;
        final int d = outB - outA;
        int x = xLo;
        if (x >= xHi) {
            return;
        }
        int p = (x - padLeft) * c; // first input column of output x
        // the two left input columns of output x, in all four rows
        FloatVector t0 = FloatVector.fromArray(S, src, s0 + p);
        FloatVector t1 = FloatVector.fromArray(S, src, s0 + p + c);
        FloatVector m0 = FloatVector.fromArray(S, src, s1 + p);
        FloatVector m1 = FloatVector.fromArray(S, src, s1 + p + c);
        FloatVector u0 = FloatVector.fromArray(S, src, s2 + p);
        FloatVector u1 = FloatVector.fromArray(S, src, s2 + p + c);
        FloatVector v0 = FloatVector.fromArray(S, src, s3 + p);
        FloatVector v1 = FloatVector.fromArray(S, src, s3 + p + c);
        for (; x < xHi; x++, p += c) {
            final FloatVector t2 = FloatVector.fromArray(S, src, s0 + p + 2 * c);
            final FloatVector m2 = FloatVector.fromArray(S, src, s1 + p + 2 * c);
            final FloatVector u2 = FloatVector.fromArray(S, src, s2 + p + 2 * c);
            final FloatVector v2 = FloatVector.fromArray(S, src, s3 + p + 2 * c);
            // bias, then the taps row by row, left to right (the order of interiorStride1)
            FloatVector a = w2.fma(t2, w1.fma(t1, w0.fma(t0, bias)));
            a = w5.fma(m2, w4.fma(m1, w3.fma(m0, a)));
            a = w8.fma(u2, w7.fma(u1, w6.fma(u0, a)));
            FloatVector b = w2.fma(m2, w1.fma(m1, w0.fma(m0, bias)));
            b = w5.fma(u2, w4.fma(u1, w3.fma(u0, b)));
            b = w8.fma(v2, w7.fma(v1, w6.fma(v0, b)));
            final int q = outA + cb + x * c;
            a = relu ? (RELU6_BLEND
                    ? a.blend(0f, a.compare(LE, 0f)).blend(6f, a.compare(GT, 6f))
                    : a.max(0f).min(6f)) : a;
            a.intoArray(out, q);
            b = relu ? (RELU6_BLEND
                    ? b.blend(0f, b.compare(LE, 0f)).blend(6f, b.compare(GT, 6f))
                    : b.max(0f).min(6f)) : b;
            b.intoArray(out, q + d);
            t0 = t1;
            t1 = t2;
            m0 = m1;
            m1 = m2;
            u0 = u1;
            u1 = u2;
            v0 = v1;
            v1 = v2;
        }
    }

    /**
     * Stride-2 interior of two adjacent output rows, sliding along the row: row A reads input
     * rows r0-r2 and row B r2-r4. Output column x reads input columns 2x-1..2x+1 (padding 1), so
     * neighbours share one column: it stays in registers, and each output column costs 10 loads
     * (two new columns of five rows) for 18 FMAs. A 4-column step that reloaded its 9 columns
     * (45 loads for 72 FMAs) kept so many column offsets live that C2 spilled 84 of them per
     * step. Each FMA's receiver is a weight vector, whose class C2 knows exactly, and each output
     * sums its taps in the same order as {@link #interiorStride2}, so the results are bitwise
     * those of two single-row calls. Does every column of {@code [xLo, xHi)}.
     */
    private static void interiorPairStride2(float[] src, int r0, int r1, int r2, int r3, int r4,
                                           int padLeft, float[] wd, int wo, int c, int cb,
                                           boolean relu, float[] out, int outA, int outB,
                                           int xLo, int xHi) {
        final FloatVector bias = FloatVector.fromArray(S, wd, wo);
        final FloatVector w0 = FloatVector.fromArray(S, wd, wo + L);
        final FloatVector w1 = FloatVector.fromArray(S, wd, wo + 2 * L);
        final FloatVector w2 = FloatVector.fromArray(S, wd, wo + 3 * L);
        final FloatVector w3 = FloatVector.fromArray(S, wd, wo + 4 * L);
        final FloatVector w4 = FloatVector.fromArray(S, wd, wo + 5 * L);
        final FloatVector w5 = FloatVector.fromArray(S, wd, wo + 6 * L);
        final FloatVector w6 = FloatVector.fromArray(S, wd, wo + 7 * L);
        final FloatVector w7 = FloatVector.fromArray(S, wd, wo + 8 * L);
        final FloatVector w8 = FloatVector.fromArray(S, wd, wo + 9 * L);
        final int s0 = r0 + cb, s1 = r1 + cb, s2 = r2 + cb, s3 = r3 + cb, s4 = r4 + cb;
        final int d = outB - outA;
        int x = xLo;
        if (x >= xHi) {
            return;
        }
        int p = (2 * x - padLeft) * c; // first input column of output x
        // the shared column: the left input column of output x, in all five rows
        FloatVector t0 = FloatVector.fromArray(S, src, s0 + p);
        FloatVector m0 = FloatVector.fromArray(S, src, s1 + p);
        FloatVector u0 = FloatVector.fromArray(S, src, s2 + p);
        FloatVector v0 = FloatVector.fromArray(S, src, s3 + p);
        FloatVector z0 = FloatVector.fromArray(S, src, s4 + p);
        for (; x < xHi; x++, p += 2 * c) {
            final FloatVector t1 = FloatVector.fromArray(S, src, s0 + p + c);
            final FloatVector t2 = FloatVector.fromArray(S, src, s0 + p + 2 * c);
            final FloatVector m1 = FloatVector.fromArray(S, src, s1 + p + c);
            final FloatVector m2 = FloatVector.fromArray(S, src, s1 + p + 2 * c);
            final FloatVector u1 = FloatVector.fromArray(S, src, s2 + p + c);
            final FloatVector u2 = FloatVector.fromArray(S, src, s2 + p + 2 * c);
            final FloatVector v1 = FloatVector.fromArray(S, src, s3 + p + c);
            final FloatVector v2 = FloatVector.fromArray(S, src, s3 + p + 2 * c);
            final FloatVector z1 = FloatVector.fromArray(S, src, s4 + p + c);
            final FloatVector z2 = FloatVector.fromArray(S, src, s4 + p + 2 * c);
            // bias, then the taps row by row, left to right (the order of interiorStride2)
            FloatVector a = w2.fma(t2, w1.fma(t1, w0.fma(t0, bias)));
            a = w5.fma(m2, w4.fma(m1, w3.fma(m0, a)));
            a = w8.fma(u2, w7.fma(u1, w6.fma(u0, a)));
            FloatVector b = w2.fma(u2, w1.fma(u1, w0.fma(u0, bias)));
            b = w5.fma(v2, w4.fma(v1, w3.fma(v0, b)));
            b = w8.fma(z2, w7.fma(z1, w6.fma(z0, b)));
            final int q = outA + cb + x * c;
            a = relu ? (RELU6_BLEND
                    ? a.blend(0f, a.compare(LE, 0f)).blend(6f, a.compare(GT, 6f))
                    : a.max(0f).min(6f)) : a;
            a.intoArray(out, q);
            b = relu ? (RELU6_BLEND
                    ? b.blend(0f, b.compare(LE, 0f)).blend(6f, b.compare(GT, 6f))
                    : b.max(0f).min(6f)) : b;
            b.intoArray(out, q + d);
            t0 = t2;
            m0 = m2;
            u0 = u2;
            v0 = v2;
            z0 = z2;
        }
    }

    /** Interior columns [x, xHi) one at a time (leftovers, and any stride), no tests. */
    private static void interiorSingle(float[] src, int top, int mid, int bottom, int stride,
                                       int padLeft, float[] wd, int wo, int c, int cb,
                                       boolean relu, float[] out, int outOff, int x, int xHi) {
        final FloatVector bias = FloatVector.fromArray(S, wd, wo);
        final FloatVector w0 = FloatVector.fromArray(S, wd, wo + L);
        final FloatVector w1 = FloatVector.fromArray(S, wd, wo + 2 * L);
        final FloatVector w2 = FloatVector.fromArray(S, wd, wo + 3 * L);
        final FloatVector w3 = FloatVector.fromArray(S, wd, wo + 4 * L);
        final FloatVector w4 = FloatVector.fromArray(S, wd, wo + 5 * L);
        final FloatVector w5 = FloatVector.fromArray(S, wd, wo + 6 * L);
        final FloatVector w6 = FloatVector.fromArray(S, wd, wo + 7 * L);
        final FloatVector w7 = FloatVector.fromArray(S, wd, wo + 8 * L);
        final FloatVector w8 = FloatVector.fromArray(S, wd, wo + 9 * L);
        final int t = top + cb, m = mid + cb, b = bottom + cb, o = outOff + cb;
        for (; x < xHi; x++) {
            final int p = (x * stride - padLeft) * c;
            FloatVector acc = bias;
            acc = FloatVector.fromArray(S, src, t + p).fma(w0, acc);
            acc = FloatVector.fromArray(S, src, t + p + c).fma(w1, acc);
            acc = FloatVector.fromArray(S, src, t + p + 2 * c).fma(w2, acc);
            acc = FloatVector.fromArray(S, src, m + p).fma(w3, acc);
            acc = FloatVector.fromArray(S, src, m + p + c).fma(w4, acc);
            acc = FloatVector.fromArray(S, src, m + p + 2 * c).fma(w5, acc);
            acc = FloatVector.fromArray(S, src, b + p).fma(w6, acc);
            acc = FloatVector.fromArray(S, src, b + p + c).fma(w7, acc);
            acc = FloatVector.fromArray(S, src, b + p + 2 * c).fma(w8, acc);
            acc = relu ? (RELU6_BLEND
                    ? acc.blend(0f, acc.compare(LE, 0f)).blend(6f, acc.compare(GT, 6f))
                    : acc.max(0f).min(6f)) : acc;
            acc.intoArray(out, o + x * c);
        }
    }

    /**
     * The last {@code c - cb < LANES} channels: masked loads and stores (the next pixel's
     * channels must not be written, and the row may end at the end of the array). Once per
     * row, so plain per-tap tests are fine here.
     */
    private static void tailBlock(float[] src, int top, int mid, int bottom, int inW, int stride,
                                  int padLeft, float[] wd, int wo, int c, int cb, boolean relu,
                                  float[] out, int outOff, int outW) {
        // JDK 17 and NEON, unless a whole vector at the rows' last pixel would leave src (then
        // the masked loop below, as Java code)
        if (!MASKED_MEMORY_INTRINSICS
                && Math.max(top, Math.max(mid, bottom)) + (inW - 1) * c + cb + L <= src.length) {
            tailBlockWithoutMasks(src, top, mid, bottom, inW, stride, padLeft, wd, wo, c, cb, relu,
                    out, outOff, outW);
            return;
        }
        final VectorMask<Float> mask = S.indexInRange(cb, c);
        final FloatVector bias = FloatVector.fromArray(S, wd, wo);
        for (int x = 0; x < outW; x++) {
            FloatVector acc = bias;
            for (int kx = 0; kx < 3; kx++) {
                int ix = x * stride - padLeft + kx;
                if (ix < 0 || ix >= inW) {
                    continue;
                }
                int p = ix * c + cb;
                acc = FloatVector.fromArray(S, src, top + p, mask)
                        .fma(FloatVector.fromArray(S, wd, wo + (1 + kx) * L), acc);
                acc = FloatVector.fromArray(S, src, mid + p, mask)
                        .fma(FloatVector.fromArray(S, wd, wo + (4 + kx) * L), acc);
                acc = FloatVector.fromArray(S, src, bottom + p, mask)
                        .fma(FloatVector.fromArray(S, wd, wo + (7 + kx) * L), acc);
            }
            if (relu) {
                acc = (RELU6_BLEND
                        ? acc.blend(0f, acc.compare(LE, 0f)).blend(6f, acc.compare(GT, 6f))
                        : acc.max(0f).min(6f));
            }
            acc.intoArray(out, outOff + x * c + cb, mask);
        }
    }

    /**
     * {@link #tailBlock} for JDK 17 and AArch64 without SVE, where masked loads and stores are
     * Java code that allocates (block 1 at α 0.75 and 1.3, 512 bits, JDK 17: 1.8-3.6 MB per
     * inference): whole-vector loads, whose lanes past {@code c} meet zero weights and are
     * never stored, and a whole store to per-thread scratch followed by a copy of the
     * {@code c - cb} channels. The caller checks that every load stays inside {@code src}.
     */
    private static void tailBlockWithoutMasks(float[] src, int top, int mid, int bottom, int inW,
                                              int stride, int padLeft, float[] wd, int wo, int c,
                                              int cb, boolean relu, float[] out, int outOff,
                                              int outW) {
        final float[] tail = TAIL_SCRATCH.get();
        final FloatVector bias = FloatVector.fromArray(S, wd, wo);
        // kx unrolled: JDK 17's C2 boxes an accumulator carried through a loop inside a loop
        for (int x = 0; x < outW; x++) {
            FloatVector acc = bias;
            final int ix = x * stride - padLeft;
            if (ix >= 0 && ix < inW) {
                final int p = ix * c + cb;
                acc = FloatVector.fromArray(S, src, top + p)
                        .fma(FloatVector.fromArray(S, wd, wo + L), acc);
                acc = FloatVector.fromArray(S, src, mid + p)
                        .fma(FloatVector.fromArray(S, wd, wo + 4 * L), acc);
                acc = FloatVector.fromArray(S, src, bottom + p)
                        .fma(FloatVector.fromArray(S, wd, wo + 7 * L), acc);
            }
            if (ix + 1 >= 0 && ix + 1 < inW) {
                final int p = (ix + 1) * c + cb;
                acc = FloatVector.fromArray(S, src, top + p)
                        .fma(FloatVector.fromArray(S, wd, wo + 2 * L), acc);
                acc = FloatVector.fromArray(S, src, mid + p)
                        .fma(FloatVector.fromArray(S, wd, wo + 5 * L), acc);
                acc = FloatVector.fromArray(S, src, bottom + p)
                        .fma(FloatVector.fromArray(S, wd, wo + 8 * L), acc);
            }
            if (ix + 2 >= 0 && ix + 2 < inW) {
                final int p = (ix + 2) * c + cb;
                acc = FloatVector.fromArray(S, src, top + p)
                        .fma(FloatVector.fromArray(S, wd, wo + 3 * L), acc);
                acc = FloatVector.fromArray(S, src, mid + p)
                        .fma(FloatVector.fromArray(S, wd, wo + 6 * L), acc);
                acc = FloatVector.fromArray(S, src, bottom + p)
                        .fma(FloatVector.fromArray(S, wd, wo + 9 * L), acc);
            }
            if (relu) {
                acc = (RELU6_BLEND
                        ? acc.blend(0f, acc.compare(LE, 0f)).blend(6f, acc.compare(GT, 6f))
                        : acc.max(0f).min(6f));
            }
            acc.intoArray(tail, 0);
            System.arraycopy(tail, 0, out, outOff + x * c + cb, c - cb);
        }
    }

}
