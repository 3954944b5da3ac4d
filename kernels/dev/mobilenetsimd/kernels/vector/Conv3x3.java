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
 * Full 3x3 convolution for the stem (cin = 3, cout = 8..48), NHWC, output channels along the
 * lanes: each step broadcasts one input value and FMAs it into a vector of output channels.
 *
 * <p>Packed layout ({@link #LAYOUT}): per block of {@code LANES} output channels,
 * {@code 9 * cin} tap vectors in {@code (ky, kx, ci)} order, then the bias vector; channels past
 * {@code cout} are zero, so the arithmetic is never masked, only the last block's store. On
 * JDK 17 and on AArch64 without SVE ({@link VectorWidth#MASKED_MEMORY_INTRINSICS}), where a
 * masked store is Java code that allocates (~0.6-1 MB per inference at α 0.75 and 1.3, 512 bits,
 * on JDK 17), that store goes to per-thread scratch and the block's channels are copied.
 * Note that for one ky the {@code 3 * cin} taps {@code (kx, ci)} read {@code 3 * cin}
 * consecutive input floats, so the inner loop is a plain run over j.
 *
 * <p>Register tiles in the interior: 12 output pixels x 2 whole channel blocks (24 accumulators;
 * per j: 2 weight loads + 12 broadcasts for 24 FMAs; only with 32 vector registers), 4 x 2 for
 * the columns left over and when the second block is partial, then 4 x 1 for an odd last block;
 * border pixels (output row or column whose window leaves the input) sum, per kernel row, the
 * run of taps whose columns are inside the input.
 *
 * <p><b>One loop per kernel row, never a loop nest around the accumulators.</b> JDK 17's C2
 * did not intrinsify an FMA whose accumulator came through a loop inside a loop ({@code ky},
 * then {@code j}): every such FMA ran as Java code and allocated its result, and the stem took
 * 8 ms instead of 0.3 (the whole network 14.4 instead of 6.3 ms). So each tile runs three
 * sequential loops over {@code j}, one per kernel row; JDK 25 compiles both forms alike. The
 * tiles are methods of their own so that each stays small enough for C1 (one that C1 cannot
 * compile may never reach C2; {@code tools/lowering/tier-check.sh} checks).
 *
 * <p>PrintIntrinsics (JDK 25, -XX:-TieredCompilation, 128/256/512 bits): every call intrinsified;
 * the only messages in Conv3x3 are stores first deferred and then "late inline succeeded".
 * Stores and activation are written inline (a helper taking a vector was not inlined once the
 * method got big, boxing every output) and the two tile shapes live in separate methods.
 */
final class Conv3x3 {
    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;
    private static final int L = VectorWidth.LANES;
    /** Pixels per interior register tile. */
    private static final int PX = 4;
    /** Names the lane width: weights packed at one width are unusable at another. */
    static final String LAYOUT = "vector-conv3x3-taps-bias-lanes" + L;

    private Conv3x3() {}

    /**
     * Packs canonical {@code w[((ky*3+kx)*cin+ci)*cout+co]} and {@code bias[cout]} (null =
     * zeros).
     */
    static PackedWeights pack(float[] w, float[] bias, int cin, int cout) {
        PackChecks.channels(cin, cout);
        PackChecks.length("weights", w, 9L * cin * cout);
        final int taps = 9 * cin;
        if (bias != null) {
            PackChecks.length("bias", bias, cout);
        }
        float[] d = new float[PackChecks.packedLength(packedFloats(cin, cout))];
        for (int co = 0; co < cout; co++) {
            int base = (co / L) * (taps + 1) * L + co % L;
            for (int t = 0; t < taps; t++) {
                d[base + t * L] = w[t * cout + co];
            }
            d[base + taps * L] = bias == null ? 0f : bias[co];
        }
        return new PackedWeights(LAYOUT, cin, cout, d);
    }

    /** The floats of {@link #LAYOUT}: per block of lanes, 9 x cin taps and the bias. */
    private static long packedFloats(int cin, int cout) {
        return ((long) cout + L - 1) / L * (9L * cin + 1) * L;
    }

    /** See {@link dev.mobilenetsimd.kernels.KernelSet#conv3x3Rows}. */
    static void run(float[] in, int inOff, int inH, int inW, int stride, int padTop, int padLeft,
                    PackedWeights w, Activation act, float[] out, int outOff, int outRowFloats,
                    int outW, int rowStart, int rowEnd) {
        w.requireLayout(LAYOUT, packedFloats(w.inChannels, w.outChannels));
        KernelSet.checkWindow(stride, padTop, padLeft);
        KernelSet.checkConv3x3Rows(outRowFloats, outW, w);
        final int cin = w.inChannels, cout = w.outChannels;
        final boolean relu = act == Activation.RELU6;
        final int blocks = (cout + L - 1) / L;
        // Interior columns: every kx inside [0, inW).
        final int xLo0 = Math.min(outW, (padLeft + stride - 1) / stride);
        final int last = inW - 3 + padLeft;
        final int xHi0 = Math.max(xLo0, last < 0 ? 0 : Math.min(outW, last / stride + 1));
        for (int y = rowStart; y < rowEnd; y++) {
            final int iy0 = y * stride - padTop;
            final boolean rowInside = iy0 >= 0 && iy0 + 2 < inH;
            final int xLo = rowInside ? xLo0 : outW;
            final int xHi = rowInside ? xHi0 : outW;
            final int outRow = outOff + (y - rowStart) * outRowFloats;
            for (int x = 0; x < xLo; x++) {
                borderPixel(in, inOff, inH, inW, stride, padTop, padLeft, cin, cout, blocks,
                        w.data, w.offset, relu, out, outRow + x * cout, y, x);
            }
            for (int x = xHi; x < outW; x++) {
                borderPixel(in, inOff, inH, inW, stride, padTop, padLeft, cin, cout, blocks,
                        w.data, w.offset, relu, out, outRow + x * cout, y, x);
            }
            if (xLo < xHi) {
                interiorRow(in, inOff + (iy0 * inW - padLeft) * cin, inW * cin, stride * cin, cin,
                        cout, blocks, w.data, w.offset, relu, out, outRow, xLo, xHi);
            }
        }
    }

    /**
     * The interior of one output row for a pair of whole channel blocks, 12 pixels per step:
     * 24 accumulators, and per tap 2 weight loads + 12 broadcasts for 24 FMAs (0.58 loads per
     * FMA, against 0.75 for the 4-pixel tile). The pixels' inputs are {@code pixStride} floats
     * apart, so the broadcasts need no more address registers than the 4-pixel tile. Returns the
     * first column not done; same tap order as the 4-pixel tile, so results are bitwise the same.
     */
    private static int interiorTile12(float[] in, int rowBase, int rowStride, int pixStride,
                                      int run, int cout, int wb0, int wb1, float[] wd,
                                      boolean relu, float[] out, int outCol, int xLo, int xHi) {
        int x = xLo;
        for (; x + 12 <= xHi; x += 12) {
            tile12(in, rowBase + x * pixStride, rowStride, pixStride, run, cout, wb0, wb1, wd,
                    relu, out, outCol + x * cout);
        }
        return x;
    }

    /**
     * One step of {@link #interiorTile12}: 12 pixels from input offset {@code p0}, stored from
     * {@code out[q]}.
     */
    private static void tile12(float[] in, int p0, int rowStride, int pixStride, int run,
                               int cout, int wb0, int wb1, float[] wd, boolean relu, float[] out,
                               int q) {
        final FloatVector bias0 = FloatVector.fromArray(S, wd, wb0 + 3 * run * L);
        final FloatVector bias1 = FloatVector.fromArray(S, wd, wb1 + 3 * run * L);
        FloatVector a00 = bias0, a01 = bias1;
        FloatVector a10 = bias0, a11 = bias1;
        FloatVector a20 = bias0, a21 = bias1;
        FloatVector a30 = bias0, a31 = bias1;
        FloatVector a40 = bias0, a41 = bias1;
        FloatVector a50 = bias0, a51 = bias1;
        FloatVector a60 = bias0, a61 = bias1;
        FloatVector a70 = bias0, a71 = bias1;
        FloatVector a80 = bias0, a81 = bias1;
        FloatVector a90 = bias0, a91 = bias1;
        FloatVector a100 = bias0, a101 = bias1;
        FloatVector a110 = bias0, a111 = bias1;
        // one loop per kernel row, not a loop nest (class comment)
        for (int j = 0, r = p0, wk = 0; j < run; j++) {
            final FloatVector v0 = FloatVector.fromArray(S, wd, wb0 + wk + j * L);
            final FloatVector v1 = FloatVector.fromArray(S, wd, wb1 + wk + j * L);
            FloatVector i;
            i = FloatVector.broadcast(S, in[r + j]);
            a00 = i.fma(v0, a00);
            a01 = i.fma(v1, a01);
            i = FloatVector.broadcast(S, in[r + pixStride + j]);
            a10 = i.fma(v0, a10);
            a11 = i.fma(v1, a11);
            i = FloatVector.broadcast(S, in[r + 2 * pixStride + j]);
            a20 = i.fma(v0, a20);
            a21 = i.fma(v1, a21);
            i = FloatVector.broadcast(S, in[r + 3 * pixStride + j]);
            a30 = i.fma(v0, a30);
            a31 = i.fma(v1, a31);
            i = FloatVector.broadcast(S, in[r + 4 * pixStride + j]);
            a40 = i.fma(v0, a40);
            a41 = i.fma(v1, a41);
            i = FloatVector.broadcast(S, in[r + 5 * pixStride + j]);
            a50 = i.fma(v0, a50);
            a51 = i.fma(v1, a51);
            i = FloatVector.broadcast(S, in[r + 6 * pixStride + j]);
            a60 = i.fma(v0, a60);
            a61 = i.fma(v1, a61);
            i = FloatVector.broadcast(S, in[r + 7 * pixStride + j]);
            a70 = i.fma(v0, a70);
            a71 = i.fma(v1, a71);
            i = FloatVector.broadcast(S, in[r + 8 * pixStride + j]);
            a80 = i.fma(v0, a80);
            a81 = i.fma(v1, a81);
            i = FloatVector.broadcast(S, in[r + 9 * pixStride + j]);
            a90 = i.fma(v0, a90);
            a91 = i.fma(v1, a91);
            i = FloatVector.broadcast(S, in[r + 10 * pixStride + j]);
            a100 = i.fma(v0, a100);
            a101 = i.fma(v1, a101);
            i = FloatVector.broadcast(S, in[r + 11 * pixStride + j]);
            a110 = i.fma(v0, a110);
            a111 = i.fma(v1, a111);
        }
        for (int j = 0, r = p0 + rowStride, wk = run * L; j < run; j++) {
            final FloatVector v0 = FloatVector.fromArray(S, wd, wb0 + wk + j * L);
            final FloatVector v1 = FloatVector.fromArray(S, wd, wb1 + wk + j * L);
            FloatVector i;
            i = FloatVector.broadcast(S, in[r + j]);
            a00 = i.fma(v0, a00);
            a01 = i.fma(v1, a01);
            i = FloatVector.broadcast(S, in[r + pixStride + j]);
            a10 = i.fma(v0, a10);
            a11 = i.fma(v1, a11);
            i = FloatVector.broadcast(S, in[r + 2 * pixStride + j]);
            a20 = i.fma(v0, a20);
            a21 = i.fma(v1, a21);
            i = FloatVector.broadcast(S, in[r + 3 * pixStride + j]);
            a30 = i.fma(v0, a30);
            a31 = i.fma(v1, a31);
            i = FloatVector.broadcast(S, in[r + 4 * pixStride + j]);
            a40 = i.fma(v0, a40);
            a41 = i.fma(v1, a41);
            i = FloatVector.broadcast(S, in[r + 5 * pixStride + j]);
            a50 = i.fma(v0, a50);
            a51 = i.fma(v1, a51);
            i = FloatVector.broadcast(S, in[r + 6 * pixStride + j]);
            a60 = i.fma(v0, a60);
            a61 = i.fma(v1, a61);
            i = FloatVector.broadcast(S, in[r + 7 * pixStride + j]);
            a70 = i.fma(v0, a70);
            a71 = i.fma(v1, a71);
            i = FloatVector.broadcast(S, in[r + 8 * pixStride + j]);
            a80 = i.fma(v0, a80);
            a81 = i.fma(v1, a81);
            i = FloatVector.broadcast(S, in[r + 9 * pixStride + j]);
            a90 = i.fma(v0, a90);
            a91 = i.fma(v1, a91);
            i = FloatVector.broadcast(S, in[r + 10 * pixStride + j]);
            a100 = i.fma(v0, a100);
            a101 = i.fma(v1, a101);
            i = FloatVector.broadcast(S, in[r + 11 * pixStride + j]);
            a110 = i.fma(v0, a110);
            a111 = i.fma(v1, a111);
        }
        for (int j = 0, r = p0 + 2 * rowStride, wk = 2 * run * L; j < run; j++) {
            final FloatVector v0 = FloatVector.fromArray(S, wd, wb0 + wk + j * L);
            final FloatVector v1 = FloatVector.fromArray(S, wd, wb1 + wk + j * L);
            FloatVector i;
            i = FloatVector.broadcast(S, in[r + j]);
            a00 = i.fma(v0, a00);
            a01 = i.fma(v1, a01);
            i = FloatVector.broadcast(S, in[r + pixStride + j]);
            a10 = i.fma(v0, a10);
            a11 = i.fma(v1, a11);
            i = FloatVector.broadcast(S, in[r + 2 * pixStride + j]);
            a20 = i.fma(v0, a20);
            a21 = i.fma(v1, a21);
            i = FloatVector.broadcast(S, in[r + 3 * pixStride + j]);
            a30 = i.fma(v0, a30);
            a31 = i.fma(v1, a31);
            i = FloatVector.broadcast(S, in[r + 4 * pixStride + j]);
            a40 = i.fma(v0, a40);
            a41 = i.fma(v1, a41);
            i = FloatVector.broadcast(S, in[r + 5 * pixStride + j]);
            a50 = i.fma(v0, a50);
            a51 = i.fma(v1, a51);
            i = FloatVector.broadcast(S, in[r + 6 * pixStride + j]);
            a60 = i.fma(v0, a60);
            a61 = i.fma(v1, a61);
            i = FloatVector.broadcast(S, in[r + 7 * pixStride + j]);
            a70 = i.fma(v0, a70);
            a71 = i.fma(v1, a71);
            i = FloatVector.broadcast(S, in[r + 8 * pixStride + j]);
            a80 = i.fma(v0, a80);
            a81 = i.fma(v1, a81);
            i = FloatVector.broadcast(S, in[r + 9 * pixStride + j]);
            a90 = i.fma(v0, a90);
            a91 = i.fma(v1, a91);
            i = FloatVector.broadcast(S, in[r + 10 * pixStride + j]);
            a100 = i.fma(v0, a100);
            a101 = i.fma(v1, a101);
            i = FloatVector.broadcast(S, in[r + 11 * pixStride + j]);
            a110 = i.fma(v0, a110);
            a111 = i.fma(v1, a111);
        }
        a00 = relu ? (RELU6_BLEND
                ? a00.blend(0f, a00.compare(LE, 0f)).blend(6f, a00.compare(GT, 6f))
                : a00.max(0f).min(6f)) : a00;
        a00.intoArray(out, q);
        a01 = relu ? (RELU6_BLEND
                ? a01.blend(0f, a01.compare(LE, 0f)).blend(6f, a01.compare(GT, 6f))
                : a01.max(0f).min(6f)) : a01;
        a01.intoArray(out, q + L);
        a10 = relu ? (RELU6_BLEND
                ? a10.blend(0f, a10.compare(LE, 0f)).blend(6f, a10.compare(GT, 6f))
                : a10.max(0f).min(6f)) : a10;
        a10.intoArray(out, q + cout);
        a11 = relu ? (RELU6_BLEND
                ? a11.blend(0f, a11.compare(LE, 0f)).blend(6f, a11.compare(GT, 6f))
                : a11.max(0f).min(6f)) : a11;
        a11.intoArray(out, q + cout + L);
        a20 = relu ? (RELU6_BLEND
                ? a20.blend(0f, a20.compare(LE, 0f)).blend(6f, a20.compare(GT, 6f))
                : a20.max(0f).min(6f)) : a20;
        a20.intoArray(out, q + 2 * cout);
        a21 = relu ? (RELU6_BLEND
                ? a21.blend(0f, a21.compare(LE, 0f)).blend(6f, a21.compare(GT, 6f))
                : a21.max(0f).min(6f)) : a21;
        a21.intoArray(out, q + 2 * cout + L);
        a30 = relu ? (RELU6_BLEND
                ? a30.blend(0f, a30.compare(LE, 0f)).blend(6f, a30.compare(GT, 6f))
                : a30.max(0f).min(6f)) : a30;
        a30.intoArray(out, q + 3 * cout);
        a31 = relu ? (RELU6_BLEND
                ? a31.blend(0f, a31.compare(LE, 0f)).blend(6f, a31.compare(GT, 6f))
                : a31.max(0f).min(6f)) : a31;
        a31.intoArray(out, q + 3 * cout + L);
        a40 = relu ? (RELU6_BLEND
                ? a40.blend(0f, a40.compare(LE, 0f)).blend(6f, a40.compare(GT, 6f))
                : a40.max(0f).min(6f)) : a40;
        a40.intoArray(out, q + 4 * cout);
        a41 = relu ? (RELU6_BLEND
                ? a41.blend(0f, a41.compare(LE, 0f)).blend(6f, a41.compare(GT, 6f))
                : a41.max(0f).min(6f)) : a41;
        a41.intoArray(out, q + 4 * cout + L);
        a50 = relu ? (RELU6_BLEND
                ? a50.blend(0f, a50.compare(LE, 0f)).blend(6f, a50.compare(GT, 6f))
                : a50.max(0f).min(6f)) : a50;
        a50.intoArray(out, q + 5 * cout);
        a51 = relu ? (RELU6_BLEND
                ? a51.blend(0f, a51.compare(LE, 0f)).blend(6f, a51.compare(GT, 6f))
                : a51.max(0f).min(6f)) : a51;
        a51.intoArray(out, q + 5 * cout + L);
        a60 = relu ? (RELU6_BLEND
                ? a60.blend(0f, a60.compare(LE, 0f)).blend(6f, a60.compare(GT, 6f))
                : a60.max(0f).min(6f)) : a60;
        a60.intoArray(out, q + 6 * cout);
        a61 = relu ? (RELU6_BLEND
                ? a61.blend(0f, a61.compare(LE, 0f)).blend(6f, a61.compare(GT, 6f))
                : a61.max(0f).min(6f)) : a61;
        a61.intoArray(out, q + 6 * cout + L);
        a70 = relu ? (RELU6_BLEND
                ? a70.blend(0f, a70.compare(LE, 0f)).blend(6f, a70.compare(GT, 6f))
                : a70.max(0f).min(6f)) : a70;
        a70.intoArray(out, q + 7 * cout);
        a71 = relu ? (RELU6_BLEND
                ? a71.blend(0f, a71.compare(LE, 0f)).blend(6f, a71.compare(GT, 6f))
                : a71.max(0f).min(6f)) : a71;
        a71.intoArray(out, q + 7 * cout + L);
        a80 = relu ? (RELU6_BLEND
                ? a80.blend(0f, a80.compare(LE, 0f)).blend(6f, a80.compare(GT, 6f))
                : a80.max(0f).min(6f)) : a80;
        a80.intoArray(out, q + 8 * cout);
        a81 = relu ? (RELU6_BLEND
                ? a81.blend(0f, a81.compare(LE, 0f)).blend(6f, a81.compare(GT, 6f))
                : a81.max(0f).min(6f)) : a81;
        a81.intoArray(out, q + 8 * cout + L);
        a90 = relu ? (RELU6_BLEND
                ? a90.blend(0f, a90.compare(LE, 0f)).blend(6f, a90.compare(GT, 6f))
                : a90.max(0f).min(6f)) : a90;
        a90.intoArray(out, q + 9 * cout);
        a91 = relu ? (RELU6_BLEND
                ? a91.blend(0f, a91.compare(LE, 0f)).blend(6f, a91.compare(GT, 6f))
                : a91.max(0f).min(6f)) : a91;
        a91.intoArray(out, q + 9 * cout + L);
        a100 = relu ? (RELU6_BLEND
                ? a100.blend(0f, a100.compare(LE, 0f)).blend(6f, a100.compare(GT, 6f))
                : a100.max(0f).min(6f)) : a100;
        a100.intoArray(out, q + 10 * cout);
        a101 = relu ? (RELU6_BLEND
                ? a101.blend(0f, a101.compare(LE, 0f)).blend(6f, a101.compare(GT, 6f))
                : a101.max(0f).min(6f)) : a101;
        a101.intoArray(out, q + 10 * cout + L);
        a110 = relu ? (RELU6_BLEND
                ? a110.blend(0f, a110.compare(LE, 0f)).blend(6f, a110.compare(GT, 6f))
                : a110.max(0f).min(6f)) : a110;
        a110.intoArray(out, q + 11 * cout);
        a111 = relu ? (RELU6_BLEND
                ? a111.blend(0f, a111.compare(LE, 0f)).blend(6f, a111.compare(GT, 6f))
                : a111.max(0f).min(6f)) : a111;
        a111.intoArray(out, q + 11 * cout + L);
    }

    /**
     * Output columns {@code [xLo, xHi)} of one row whose whole window is inside the input;
     * {@code rowBase} is the input offset of (iy0, -padLeft), i.e. pixel x starts at
     * {@code rowBase + x * pixStride}.
     */
    private static void interiorRow(float[] in, int rowBase, int rowStride, int pixStride,
                                    int cin, int cout, int blocks, float[] wd, int wBase,
                                    boolean relu, float[] out, int outRow, int xLo, int xHi) {
        final int taps = 9 * cin, run = 3 * cin, blockLen = (taps + 1) * L;
        int blk = 0;
        for (; blk + 2 <= blocks; blk += 2) {
            final int wb0 = wBase + blk * blockLen, wb1 = wb0 + blockLen;
            final boolean partial = (blk + 2) * L > cout;
            int x = partial || !PointwiseGemm.WIDE_REGISTER_FILE ? xLo
                    : interiorTile12(in, rowBase, rowStride, pixStride, run, cout, wb0, wb1, wd,
                            relu, out, outRow + blk * L, xLo, xHi);
            x = tiles4x2(in, rowBase, rowStride, pixStride, run, cout, blk, wb0, wb1, wd, relu,
                    partial, out, outRow, x, xHi);
            pixels1x2(in, rowBase, rowStride, pixStride, run, cout, blk, wb0, wb1, wd, relu,
                    partial, out, outRow, x, xHi);
        }
        if (blk < blocks) {
            interiorSingleBlock(in, rowBase, rowStride, pixStride, cin, cout, blk, wd, wBase,
                    relu, out, outRow, xLo, xHi);
        }
    }

    /**
     * {@link #interiorRow}'s 4 x 2 tiles from column {@code x} while four columns remain; returns
     * the first column not done. Methods of their own keep {@code interiorRow} small enough for
     * C1 (see the class comment).
     */
    private static int tiles4x2(float[] in, int rowBase, int rowStride, int pixStride, int run,
                                int cout, int blk, int wb0, int wb1, float[] wd, boolean relu,
                                boolean partial, float[] out, int outRow, int x, int xHi) {
        final FloatVector bias0 = FloatVector.fromArray(S, wd, wb0 + 3 * run * L);
        final FloatVector bias1 = FloatVector.fromArray(S, wd, wb1 + 3 * run * L);
        final float[] tail = partial && !MASKED_MEMORY_INTRINSICS ? TAIL_SCRATCH.get() : null;
        for (; x + PX <= xHi; x += PX) {
            FloatVector a00 = bias0, a01 = bias1, a10 = bias0, a11 = bias1;
            FloatVector a20 = bias0, a21 = bias1, a30 = bias0, a31 = bias1;
            final int p0 = rowBase + x * pixStride;
            // one loop per kernel row, not a loop nest (class comment)
            for (int j = 0, r = p0, wk = 0; j < run; j++) {
                final FloatVector v0 = FloatVector.fromArray(S, wd, wb0 + wk + j * L);
                final FloatVector v1 = FloatVector.fromArray(S, wd, wb1 + wk + j * L);
                FloatVector i = FloatVector.broadcast(S, in[r + j]);
                a00 = i.fma(v0, a00);
                a01 = i.fma(v1, a01);
                i = FloatVector.broadcast(S, in[r + pixStride + j]);
                a10 = i.fma(v0, a10);
                a11 = i.fma(v1, a11);
                i = FloatVector.broadcast(S, in[r + 2 * pixStride + j]);
                a20 = i.fma(v0, a20);
                a21 = i.fma(v1, a21);
                i = FloatVector.broadcast(S, in[r + 3 * pixStride + j]);
                a30 = i.fma(v0, a30);
                a31 = i.fma(v1, a31);
            }
            for (int j = 0, r = p0 + rowStride, wk = run * L; j < run; j++) {
                final FloatVector v0 = FloatVector.fromArray(S, wd, wb0 + wk + j * L);
                final FloatVector v1 = FloatVector.fromArray(S, wd, wb1 + wk + j * L);
                FloatVector i = FloatVector.broadcast(S, in[r + j]);
                a00 = i.fma(v0, a00);
                a01 = i.fma(v1, a01);
                i = FloatVector.broadcast(S, in[r + pixStride + j]);
                a10 = i.fma(v0, a10);
                a11 = i.fma(v1, a11);
                i = FloatVector.broadcast(S, in[r + 2 * pixStride + j]);
                a20 = i.fma(v0, a20);
                a21 = i.fma(v1, a21);
                i = FloatVector.broadcast(S, in[r + 3 * pixStride + j]);
                a30 = i.fma(v0, a30);
                a31 = i.fma(v1, a31);
            }
            for (int j = 0, r = p0 + 2 * rowStride, wk = 2 * run * L; j < run; j++) {
                final FloatVector v0 = FloatVector.fromArray(S, wd, wb0 + wk + j * L);
                final FloatVector v1 = FloatVector.fromArray(S, wd, wb1 + wk + j * L);
                FloatVector i = FloatVector.broadcast(S, in[r + j]);
                a00 = i.fma(v0, a00);
                a01 = i.fma(v1, a01);
                i = FloatVector.broadcast(S, in[r + pixStride + j]);
                a10 = i.fma(v0, a10);
                a11 = i.fma(v1, a11);
                i = FloatVector.broadcast(S, in[r + 2 * pixStride + j]);
                a20 = i.fma(v0, a20);
                a21 = i.fma(v1, a21);
                i = FloatVector.broadcast(S, in[r + 3 * pixStride + j]);
                a30 = i.fma(v0, a30);
                a31 = i.fma(v1, a31);
            }
            final int q = outRow + x * cout + blk * L;
            if (!partial) {
                a00 = relu ? (RELU6_BLEND
                        ? a00.blend(0f, a00.compare(LE, 0f)).blend(6f, a00.compare(GT, 6f))
                        : a00.max(0f).min(6f)) : a00;
                a00.intoArray(out, q);
                a01 = relu ? (RELU6_BLEND
                        ? a01.blend(0f, a01.compare(LE, 0f)).blend(6f, a01.compare(GT, 6f))
                        : a01.max(0f).min(6f)) : a01;
                a01.intoArray(out, q + L);
                a10 = relu ? (RELU6_BLEND
                        ? a10.blend(0f, a10.compare(LE, 0f)).blend(6f, a10.compare(GT, 6f))
                        : a10.max(0f).min(6f)) : a10;
                a10.intoArray(out, q + cout);
                a11 = relu ? (RELU6_BLEND
                        ? a11.blend(0f, a11.compare(LE, 0f)).blend(6f, a11.compare(GT, 6f))
                        : a11.max(0f).min(6f)) : a11;
                a11.intoArray(out, q + cout + L);
                a20 = relu ? (RELU6_BLEND
                        ? a20.blend(0f, a20.compare(LE, 0f)).blend(6f, a20.compare(GT, 6f))
                        : a20.max(0f).min(6f)) : a20;
                a20.intoArray(out, q + 2 * cout);
                a21 = relu ? (RELU6_BLEND
                        ? a21.blend(0f, a21.compare(LE, 0f)).blend(6f, a21.compare(GT, 6f))
                        : a21.max(0f).min(6f)) : a21;
                a21.intoArray(out, q + 2 * cout + L);
                a30 = relu ? (RELU6_BLEND
                        ? a30.blend(0f, a30.compare(LE, 0f)).blend(6f, a30.compare(GT, 6f))
                        : a30.max(0f).min(6f)) : a30;
                a30.intoArray(out, q + 3 * cout);
                a31 = relu ? (RELU6_BLEND
                        ? a31.blend(0f, a31.compare(LE, 0f)).blend(6f, a31.compare(GT, 6f))
                        : a31.max(0f).min(6f)) : a31;
                a31.intoArray(out, q + 3 * cout + L);
            } else {
                final VectorMask<Float> m =
                        MASKED_MEMORY_INTRINSICS ? S.indexInRange((blk + 1) * L, cout) : null;
                a00 = relu ? (RELU6_BLEND
                        ? a00.blend(0f, a00.compare(LE, 0f)).blend(6f, a00.compare(GT, 6f))
                        : a00.max(0f).min(6f)) : a00;
                a00.intoArray(out, q);
                a01 = relu ? (RELU6_BLEND
                        ? a01.blend(0f, a01.compare(LE, 0f)).blend(6f, a01.compare(GT, 6f))
                        : a01.max(0f).min(6f)) : a01;
                if (MASKED_MEMORY_INTRINSICS) {
                    a01.intoArray(out, q + L, m);
                } else { // no masked stores (class comment)
                    a01.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q + L, cout - (blk + 1) * L);
                }
                a10 = relu ? (RELU6_BLEND
                        ? a10.blend(0f, a10.compare(LE, 0f)).blend(6f, a10.compare(GT, 6f))
                        : a10.max(0f).min(6f)) : a10;
                a10.intoArray(out, q + cout);
                a11 = relu ? (RELU6_BLEND
                        ? a11.blend(0f, a11.compare(LE, 0f)).blend(6f, a11.compare(GT, 6f))
                        : a11.max(0f).min(6f)) : a11;
                if (MASKED_MEMORY_INTRINSICS) {
                    a11.intoArray(out, q + cout + L, m);
                } else { // no masked stores (class comment)
                    a11.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q + cout + L, cout - (blk + 1) * L);
                }
                a20 = relu ? (RELU6_BLEND
                        ? a20.blend(0f, a20.compare(LE, 0f)).blend(6f, a20.compare(GT, 6f))
                        : a20.max(0f).min(6f)) : a20;
                a20.intoArray(out, q + 2 * cout);
                a21 = relu ? (RELU6_BLEND
                        ? a21.blend(0f, a21.compare(LE, 0f)).blend(6f, a21.compare(GT, 6f))
                        : a21.max(0f).min(6f)) : a21;
                if (MASKED_MEMORY_INTRINSICS) {
                    a21.intoArray(out, q + 2 * cout + L, m);
                } else { // no masked stores (class comment)
                    a21.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q + 2 * cout + L, cout - (blk + 1) * L);
                }
                a30 = relu ? (RELU6_BLEND
                        ? a30.blend(0f, a30.compare(LE, 0f)).blend(6f, a30.compare(GT, 6f))
                        : a30.max(0f).min(6f)) : a30;
                a30.intoArray(out, q + 3 * cout);
                a31 = relu ? (RELU6_BLEND
                        ? a31.blend(0f, a31.compare(LE, 0f)).blend(6f, a31.compare(GT, 6f))
                        : a31.max(0f).min(6f)) : a31;
                if (MASKED_MEMORY_INTRINSICS) {
                    a31.intoArray(out, q + 3 * cout + L, m);
                } else { // no masked stores (class comment)
                    a31.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q + 3 * cout + L, cout - (blk + 1) * L);
                }
            }
        }
        return x;
    }

    /** {@link #interiorRow}'s single columns {@code [x, xHi)}, both blocks. */
    private static void pixels1x2(float[] in, int rowBase, int rowStride, int pixStride,
                                  int run, int cout, int blk, int wb0, int wb1, float[] wd,
                                  boolean relu, boolean partial, float[] out, int outRow, int x,
                                  int xHi) {
        final FloatVector bias0 = FloatVector.fromArray(S, wd, wb0 + 3 * run * L);
        final FloatVector bias1 = FloatVector.fromArray(S, wd, wb1 + 3 * run * L);
        final float[] tail = partial && !MASKED_MEMORY_INTRINSICS ? TAIL_SCRATCH.get() : null;
        for (; x < xHi; x++) {
            FloatVector a0 = bias0, a1 = bias1;
            final int p0 = rowBase + x * pixStride;
            // one loop per kernel row, not a loop nest (class comment)
            for (int j = 0, r = p0, wk = 0; j < run; j++) {
                final FloatVector i = FloatVector.broadcast(S, in[r + j]);
                a0 = i.fma(FloatVector.fromArray(S, wd, wb0 + wk + j * L), a0);
                a1 = i.fma(FloatVector.fromArray(S, wd, wb1 + wk + j * L), a1);
            }
            for (int j = 0, r = p0 + rowStride, wk = run * L; j < run; j++) {
                final FloatVector i = FloatVector.broadcast(S, in[r + j]);
                a0 = i.fma(FloatVector.fromArray(S, wd, wb0 + wk + j * L), a0);
                a1 = i.fma(FloatVector.fromArray(S, wd, wb1 + wk + j * L), a1);
            }
            for (int j = 0, r = p0 + 2 * rowStride, wk = 2 * run * L; j < run; j++) {
                final FloatVector i = FloatVector.broadcast(S, in[r + j]);
                a0 = i.fma(FloatVector.fromArray(S, wd, wb0 + wk + j * L), a0);
                a1 = i.fma(FloatVector.fromArray(S, wd, wb1 + wk + j * L), a1);
            }
            final int q = outRow + x * cout + blk * L;
            a0 = relu ? (RELU6_BLEND
                    ? a0.blend(0f, a0.compare(LE, 0f)).blend(6f, a0.compare(GT, 6f))
                    : a0.max(0f).min(6f)) : a0;
            a0.intoArray(out, q);
            if (!partial) {
                a1 = relu ? (RELU6_BLEND
                        ? a1.blend(0f, a1.compare(LE, 0f)).blend(6f, a1.compare(GT, 6f))
                        : a1.max(0f).min(6f)) : a1;
                a1.intoArray(out, q + L);
            } else {
                a1 = relu ? (RELU6_BLEND
                        ? a1.blend(0f, a1.compare(LE, 0f)).blend(6f, a1.compare(GT, 6f))
                        : a1.max(0f).min(6f)) : a1;
                if (MASKED_MEMORY_INTRINSICS) {
                    a1.intoArray(out, q + L, S.indexInRange((blk + 1) * L, cout));
                } else { // no masked stores (class comment)
                    a1.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q + L, cout - (blk + 1) * L);
                }
            }
        }
    }

    /**
     * The last, odd channel block of an interior row: 4 x 1 tiles. A method of its own because
     * one method with both tile shapes was big enough that C2 stopped inlining
     * ({@code NodeCountInliningCutoff}) and left some stores un-intrinsified.
     */
    private static void interiorSingleBlock(float[] in, int rowBase, int rowStride, int pixStride,
                                            int cin, int cout, int blk, float[] wd,
                                            int wBase, boolean relu, float[] out, int outRow,
                                            int xLo, int xHi) {
        final int taps = 9 * cin, run = 3 * cin, blockLen = (taps + 1) * L;
        // One block left (an odd block count): 4 x 1 tiles.
        final int wb0 = wBase + blk * blockLen;
        final FloatVector bias0 = FloatVector.fromArray(S, wd, wb0 + taps * L);
        final boolean partial = (blk + 1) * L > cout;
        // only when it is used: JDK 17 builds the mask in Java code, allocating it
        final VectorMask<Float> m =
                partial && MASKED_MEMORY_INTRINSICS ? S.indexInRange(blk * L, cout) : null;
        final float[] tail = partial && !MASKED_MEMORY_INTRINSICS ? TAIL_SCRATCH.get() : null;
        int x = xLo;
        for (; x + PX <= xHi; x += PX) {
            FloatVector a0 = bias0, a1 = bias0, a2 = bias0, a3 = bias0;
            final int p0 = rowBase + x * pixStride;
            // one loop per kernel row, not a loop nest (class comment)
            for (int j = 0, r = p0, wk = wb0; j < run; j++) {
                final FloatVector v = FloatVector.fromArray(S, wd, wk + j * L);
                a0 = FloatVector.broadcast(S, in[r + j]).fma(v, a0);
                a1 = FloatVector.broadcast(S, in[r + pixStride + j]).fma(v, a1);
                a2 = FloatVector.broadcast(S, in[r + 2 * pixStride + j]).fma(v, a2);
                a3 = FloatVector.broadcast(S, in[r + 3 * pixStride + j]).fma(v, a3);
            }
            for (int j = 0, r = p0 + rowStride, wk = wb0 + run * L; j < run; j++) {
                final FloatVector v = FloatVector.fromArray(S, wd, wk + j * L);
                a0 = FloatVector.broadcast(S, in[r + j]).fma(v, a0);
                a1 = FloatVector.broadcast(S, in[r + pixStride + j]).fma(v, a1);
                a2 = FloatVector.broadcast(S, in[r + 2 * pixStride + j]).fma(v, a2);
                a3 = FloatVector.broadcast(S, in[r + 3 * pixStride + j]).fma(v, a3);
            }
            for (int j = 0, r = p0 + 2 * rowStride, wk = wb0 + 2 * run * L; j < run; j++) {
                final FloatVector v = FloatVector.fromArray(S, wd, wk + j * L);
                a0 = FloatVector.broadcast(S, in[r + j]).fma(v, a0);
                a1 = FloatVector.broadcast(S, in[r + pixStride + j]).fma(v, a1);
                a2 = FloatVector.broadcast(S, in[r + 2 * pixStride + j]).fma(v, a2);
                a3 = FloatVector.broadcast(S, in[r + 3 * pixStride + j]).fma(v, a3);
            }
            final int q = outRow + x * cout + blk * L;
            if (!partial) {
                a0 = relu ? (RELU6_BLEND
                        ? a0.blend(0f, a0.compare(LE, 0f)).blend(6f, a0.compare(GT, 6f))
                        : a0.max(0f).min(6f)) : a0;
                a0.intoArray(out, q);
                a1 = relu ? (RELU6_BLEND
                        ? a1.blend(0f, a1.compare(LE, 0f)).blend(6f, a1.compare(GT, 6f))
                        : a1.max(0f).min(6f)) : a1;
                a1.intoArray(out, q + cout);
                a2 = relu ? (RELU6_BLEND
                        ? a2.blend(0f, a2.compare(LE, 0f)).blend(6f, a2.compare(GT, 6f))
                        : a2.max(0f).min(6f)) : a2;
                a2.intoArray(out, q + 2 * cout);
                a3 = relu ? (RELU6_BLEND
                        ? a3.blend(0f, a3.compare(LE, 0f)).blend(6f, a3.compare(GT, 6f))
                        : a3.max(0f).min(6f)) : a3;
                a3.intoArray(out, q + 3 * cout);
            } else {
                a0 = relu ? (RELU6_BLEND
                        ? a0.blend(0f, a0.compare(LE, 0f)).blend(6f, a0.compare(GT, 6f))
                        : a0.max(0f).min(6f)) : a0;
                if (MASKED_MEMORY_INTRINSICS) {
                    a0.intoArray(out, q, m);
                } else { // no masked stores (class comment)
                    a0.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q, cout - blk * L);
                }
                a1 = relu ? (RELU6_BLEND
                        ? a1.blend(0f, a1.compare(LE, 0f)).blend(6f, a1.compare(GT, 6f))
                        : a1.max(0f).min(6f)) : a1;
                if (MASKED_MEMORY_INTRINSICS) {
                    a1.intoArray(out, q + cout, m);
                } else { // no masked stores (class comment)
                    a1.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q + cout, cout - blk * L);
                }
                a2 = relu ? (RELU6_BLEND
                        ? a2.blend(0f, a2.compare(LE, 0f)).blend(6f, a2.compare(GT, 6f))
                        : a2.max(0f).min(6f)) : a2;
                if (MASKED_MEMORY_INTRINSICS) {
                    a2.intoArray(out, q + 2 * cout, m);
                } else { // no masked stores (class comment)
                    a2.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q + 2 * cout, cout - blk * L);
                }
                a3 = relu ? (RELU6_BLEND
                        ? a3.blend(0f, a3.compare(LE, 0f)).blend(6f, a3.compare(GT, 6f))
                        : a3.max(0f).min(6f)) : a3;
                if (MASKED_MEMORY_INTRINSICS) {
                    a3.intoArray(out, q + 3 * cout, m);
                } else { // no masked stores (class comment)
                    a3.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q + 3 * cout, cout - blk * L);
                }
            }
        }
        for (; x < xHi; x++) {
            FloatVector a = bias0;
            final int p0 = rowBase + x * pixStride;
            // one loop per kernel row, not a loop nest (class comment)
            for (int j = 0, r = p0, wk = wb0; j < run; j++) {
                a = FloatVector.broadcast(S, in[r + j])
                        .fma(FloatVector.fromArray(S, wd, wk + j * L), a);
            }
            for (int j = 0, r = p0 + rowStride, wk = wb0 + run * L; j < run; j++) {
                a = FloatVector.broadcast(S, in[r + j])
                        .fma(FloatVector.fromArray(S, wd, wk + j * L), a);
            }
            for (int j = 0, r = p0 + 2 * rowStride, wk = wb0 + 2 * run * L; j < run; j++) {
                a = FloatVector.broadcast(S, in[r + j])
                        .fma(FloatVector.fromArray(S, wd, wk + j * L), a);
            }
            final int q = outRow + x * cout + blk * L;
            if (!partial) {
                a = relu ? (RELU6_BLEND
                        ? a.blend(0f, a.compare(LE, 0f)).blend(6f, a.compare(GT, 6f))
                        : a.max(0f).min(6f)) : a;
                a.intoArray(out, q);
            } else {
                a = relu ? (RELU6_BLEND
                        ? a.blend(0f, a.compare(LE, 0f)).blend(6f, a.compare(GT, 6f))
                        : a.max(0f).min(6f)) : a;
                if (MASKED_MEMORY_INTRINSICS) {
                    a.intoArray(out, q, m);
                } else { // no masked stores (class comment)
                    a.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q, cout - blk * L);
                }
            }
        }
    }

    /** One output pixel whose window may leave the input: every tap tested. */
    private static void borderPixel(float[] in, int inOff, int inH, int inW, int stride,
                                    int padTop, int padLeft, int cin, int cout, int blocks,
                                    float[] wd, int wBase, boolean relu, float[] out, int q,
                                    int y, int x) {
        final int taps = 9 * cin, blockLen = (taps + 1) * L;
        // The window's columns inside the input, [kxLo, kxHi): per kernel row, one contiguous
        // run of (kxHi - kxLo) * cin input floats and as many weight vectors; a row outside the
        // input is an empty run. Taps are summed in the same order as the interior tiles.
        final int ix0 = x * stride - padLeft, iy0 = y * stride - padTop;
        final int kxLo = Math.max(0, -ix0), kxHi = Math.min(3, inW - ix0);
        final int n = Math.max(0, kxHi - kxLo) * cin;
        final int n0 = iy0 >= 0 && iy0 < inH ? n : 0;
        final int n1 = iy0 + 1 >= 0 && iy0 + 1 < inH ? n : 0;
        final int n2 = iy0 + 2 >= 0 && iy0 + 2 < inH ? n : 0;
        final int ip = inOff + (iy0 * inW + ix0 + kxLo) * cin;
        final float[] tail = blocks * L > cout && !MASKED_MEMORY_INTRINSICS
                ? TAIL_SCRATCH.get() : null;
        for (int blk = 0; blk < blocks; blk++) {
            final int wb = wBase + blk * blockLen + kxLo * cin * L;
            FloatVector a = FloatVector.fromArray(S, wd, wBase + blk * blockLen + taps * L);
            // one loop per kernel row, not a loop nest (class comment)
            for (int t = 0, r = ip, wk = wb; t < n0; t++) {
                a = FloatVector.broadcast(S, in[r + t])
                        .fma(FloatVector.fromArray(S, wd, wk + t * L), a);
            }
            for (int t = 0, r = ip + inW * cin, wk = wb + 3 * cin * L; t < n1; t++) {
                a = FloatVector.broadcast(S, in[r + t])
                        .fma(FloatVector.fromArray(S, wd, wk + t * L), a);
            }
            for (int t = 0, r = ip + 2 * inW * cin, wk = wb + 6 * cin * L; t < n2; t++) {
                a = FloatVector.broadcast(S, in[r + t])
                        .fma(FloatVector.fromArray(S, wd, wk + t * L), a);
            }
            if ((blk + 1) * L <= cout) {
                a = relu ? (RELU6_BLEND
                        ? a.blend(0f, a.compare(LE, 0f)).blend(6f, a.compare(GT, 6f))
                        : a.max(0f).min(6f)) : a;
                a.intoArray(out, q + blk * L);
            } else {
                a = relu ? (RELU6_BLEND
                        ? a.blend(0f, a.compare(LE, 0f)).blend(6f, a.compare(GT, 6f))
                        : a.max(0f).min(6f)) : a;
                if (MASKED_MEMORY_INTRINSICS) {
                    a.intoArray(out, q + blk * L, S.indexInRange(blk * L, cout));
                } else { // no masked stores (class comment)
                    a.intoArray(tail, 0);
                    System.arraycopy(tail, 0, out, q + blk * L, cout - blk * L);
                }
            }
        }
    }


}
