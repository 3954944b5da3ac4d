package dev.mobilenetsimd.kernels.scalar;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import java.util.Arrays;

/**
 * The reference kernels: plain loops in the most obvious order, the baseline users benchmark
 * against and the oracle every vector kernel is tested with. "Packing" keeps the canonical layout
 * with the bias appended, so these loops read exactly what the {@link KernelSet} contract states.
 *
 * <p>Accumulation order is fixed (bias first, then taps or input channels in increasing order), so
 * results are deterministic for a given JVM.
 */
public final class ScalarKernels implements KernelSet {
    /** The single instance (stateless). */
    public static final ScalarKernels INSTANCE = new ScalarKernels();

    static final String POINTWISE = "scalar-pointwise-io";
    static final String DEPTHWISE = "scalar-depthwise-hwc";
    static final String CONV3X3 = "scalar-conv3x3-hwio";
    static final String DENSE = "scalar-dense-io";

    private ScalarKernels() {}

    @Override public String name() { return "scalar"; }

    @Override public int vectorBitSize() { return 0; }

    /** Canonical weights followed by the bias (zeros if null). */
    private static PackedWeights packWithBias(String layout, float[] w, long wLen, float[] bias,
                                              int in, int out) {
        if (in < 0 || out < 0) {
            throw new IllegalArgumentException("negative channel count: in=" + in + ", out=" + out);
        }
        if (wLen + out > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(in + "->" + out + " channels need " + wLen
                    + " weights: more than one Java array holds");
        }
        checkLength("weights", w, (int) wLen);
        if (bias != null) {
            checkLength("bias", bias, out);
        }
        float[] data = new float[(int) wLen + out];
        System.arraycopy(w, 0, data, 0, (int) wLen);
        if (bias != null) {
            System.arraycopy(bias, 0, data, (int) wLen, out);
        }
        return new PackedWeights(layout, in, out, data);
    }

    /**
     * The floats of {@code w}'s canonical layout: {@code taps} weights per input and output
     * channel (1 for a matrix, 9 for a 3x3 filter), then a bias per output channel.
     */
    private static long canonicalFloats(PackedWeights w, int taps) {
        return (long) taps * w.inChannels * w.outChannels + w.outChannels;
    }

    static void checkLength(String what, float[] a, int expected) {
        if (a == null) {
            throw new IllegalArgumentException(what + " is null; expected " + expected + " floats");
        }
        if (a.length != expected) {
            throw new IllegalArgumentException(
                    what + " has " + a.length + " floats; expected " + expected);
        }
    }

    // ---- pointwise ---------------------------------------------------------------------------

    @Override
    public PackedWeights packPointwise(float[] w, float[] bias, int cin, int cout) {
        return packWithBias(POINTWISE, w, (long) cin * cout, bias, cin, cout);
    }

    @Override
    public void pointwise(float[] in, int inOff, int pixels, PackedWeights w, Activation act,
                          float[] residual, int residualOff, float[] out, int outOff) {
        w.requireLayout(POINTWISE, canonicalFloats(w, 1));
        KernelSet.checkPixels(pixels);
        final int cin = w.inChannels, cout = w.outChannels;
        final float[] wd = w.data;
        final int base = w.offset;
        final int biasOff = base + cin * cout;
        for (int p = 0; p < pixels; p++) {
            final int inRow = inOff + p * cin;
            int co = 0;
            // Four output channels at a time: four independent sums keep the FP adder busy and
            // read four neighbouring weights per input value. Same order of additions as the
            // one-channel loop below, so results do not depend on the blocking.
            for (; co + 4 <= cout; co += 4) {
                float a0 = wd[biasOff + co], a1 = wd[biasOff + co + 1];
                float a2 = wd[biasOff + co + 2], a3 = wd[biasOff + co + 3];
                for (int ci = 0; ci < cin; ci++) {
                    float x = in[inRow + ci];
                    int wi = base + ci * cout + co;
                    a0 += x * wd[wi];
                    a1 += x * wd[wi + 1];
                    a2 += x * wd[wi + 2];
                    a3 += x * wd[wi + 3];
                }
                store(a0, act, residual, residualOff, out, outOff, p * cout + co);
                store(a1, act, residual, residualOff, out, outOff, p * cout + co + 1);
                store(a2, act, residual, residualOff, out, outOff, p * cout + co + 2);
                store(a3, act, residual, residualOff, out, outOff, p * cout + co + 3);
            }
            for (; co < cout; co++) {
                float acc = wd[biasOff + co];
                for (int ci = 0; ci < cin; ci++) {
                    acc += in[inRow + ci] * wd[base + ci * cout + co];
                }
                store(acc, act, residual, residualOff, out, outOff, p * cout + co);
            }
        }
    }

    /** Channel blocks of this many channels: a split granularity like the vector panels'. */
    private static final int CHANNEL_BLOCK = 16;

    @Override
    public int[] pointwiseChannelBlocks(PackedWeights w) {
        w.requireLayout(POINTWISE, canonicalFloats(w, 1));
        final int cout = w.outChannels;
        final int blocks = (cout + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
        final int[] b = new int[blocks + 1];
        for (int i = 0; i < blocks; i++) {
            b[i] = i * CHANNEL_BLOCK;
        }
        b[blocks] = cout;
        return b;
    }

    @Override
    public void pointwiseChannels(float[] in, int inOff, int pixels, PackedWeights w, int coFrom,
                                  int coTo, Activation act, float[] residual, int residualOff,
                                  float[] out, int outOff) {
        w.requireLayout(POINTWISE, canonicalFloats(w, 1));
        KernelSet.checkPixels(pixels);
        final int cout = w.outChannels;
        if (coFrom < 0 || coFrom > coTo || coTo > cout
                || coFrom % CHANNEL_BLOCK != 0 && coFrom != cout
                || coTo % CHANNEL_BLOCK != 0 && coTo != cout) {
            throw new IllegalArgumentException("output channels [" + coFrom + ", " + coTo
                    + ") are not a range between this layer's channel blocks "
                    + Arrays.toString(pointwiseChannelBlocks(w))
                    + " (see pointwiseChannelBlocks)");
        }
        pointwiseChannelRange(in, inOff, pixels, w, coFrom, coTo, act, residual, residualOff,
                out, outOff);
    }

    /**
     * {@link #pointwise}'s loop over output channels {@code [coFrom, coTo)} only; kept apart from
     * it since one loop shared by both entry points made C2 compile the former one-channel
     * depthwise's whole-row path 1.8x slower (the depthwise's per-pixel methods, shared, are not).
     */
    private static void pointwiseChannelRange(float[] in, int inOff, int pixels, PackedWeights w,
                                              int coFrom, int coTo, Activation act,
                                              float[] residual, int residualOff, float[] out,
                                              int outOff) {
        final int cin = w.inChannels, cout = w.outChannels;
        final float[] wd = w.data;
        final int base = w.offset;
        final int biasOff = base + cin * cout;
        for (int p = 0; p < pixels; p++) {
            final int inRow = inOff + p * cin;
            int co = coFrom;
            // Four output channels at a time: four independent sums keep the FP adder busy and
            // read four neighbouring weights per input value. Same order of additions as the
            // one-channel loop below, so results do not depend on the blocking.
            for (; co + 4 <= coTo; co += 4) {
                float a0 = wd[biasOff + co], a1 = wd[biasOff + co + 1];
                float a2 = wd[biasOff + co + 2], a3 = wd[biasOff + co + 3];
                for (int ci = 0; ci < cin; ci++) {
                    float x = in[inRow + ci];
                    int wi = base + ci * cout + co;
                    a0 += x * wd[wi];
                    a1 += x * wd[wi + 1];
                    a2 += x * wd[wi + 2];
                    a3 += x * wd[wi + 3];
                }
                store(a0, act, residual, residualOff, out, outOff, p * cout + co);
                store(a1, act, residual, residualOff, out, outOff, p * cout + co + 1);
                store(a2, act, residual, residualOff, out, outOff, p * cout + co + 2);
                store(a3, act, residual, residualOff, out, outOff, p * cout + co + 3);
            }
            for (; co < coTo; co++) {
                float acc = wd[biasOff + co];
                for (int ci = 0; ci < cin; ci++) {
                    acc += in[inRow + ci] * wd[base + ci * cout + co];
                }
                store(acc, act, residual, residualOff, out, outOff, p * cout + co);
            }
        }
    }

    /** The pointwise epilogue: activation, then the residual, then one store. */
    private static void store(float acc, Activation act, float[] residual, int residualOff,
                              float[] out, int outOff, int i) {
        float v = act.apply(acc);
        if (residual != null) {
            v += residual[residualOff + i];
        }
        out[outOff + i] = v;
    }

    // ---- depthwise ---------------------------------------------------------------------------

    @Override
    public PackedWeights packDepthwise(float[] w, float[] bias, int channels) {
        return packWithBias(DEPTHWISE, w, 9L * channels, bias, channels, channels);
    }

    @Override
    public void depthwiseRow(float[] src, int top, int mid, int bottom, int inW, int stride,
                             int padLeft, PackedWeights w, Activation act, float[] out, int outOff,
                             int outW) {
        w.requireLayout(DEPTHWISE, 10L * w.inChannels); // 9 taps and a bias each
        KernelSet.checkWindow(stride, padLeft);
        depthwiseChannelRange(src, top, mid, bottom, inW, stride, padLeft, w, 0, w.inChannels,
                act, out, outOff, outW);
    }

    @Override
    public int depthwiseChannelAlign() {
        return 1;
    }

    @Override
    public void depthwiseRowChannels(float[] src, int top, int mid, int bottom, int inW,
                                     int stride, int padLeft, PackedWeights w, int chFrom,
                                     int chTo, Activation act, float[] out, int outOff,
                                     int outW) {
        w.requireLayout(DEPTHWISE, 10L * w.inChannels); // 9 taps and a bias each
        KernelSet.checkWindow(stride, padLeft);
        if (chFrom < 0 || chFrom > chTo || chTo > w.inChannels) {
            throw new IllegalArgumentException("channels [" + chFrom + ", " + chTo + ") of "
                    + w.inChannels + ": a range must lie inside [0, " + w.inChannels + "]");
        }
        depthwiseChannelRange(src, top, mid, bottom, inW, stride, padLeft, w, chFrom, chTo, act,
                out, outOff, outW);
    }

    /**
     * Channels {@code [chFrom, chTo)} of one output row ({@link #depthwiseRow} passes them all).
     * Which taps fall inside the input row is decided here, once per output pixel, rather than per
     * tap and channel: all three columns in the interior, fewer at the borders.
     *
     * <p>The pixel methods sum four channels at a time, as pointwise does: one sum per channel
     * was a chain of nine dependent additions with a border test per tap (3.1-3.4 GFLOP/s, under
     * half the scalar pointwise). Every channel's sum keeps that one-channel loop's order (bias,
     * then the taps in {@code ky, kx} order, columns outside the row skipped, then the
     * activation), so the results are bitwise the same. Both entry points share this loop: the
     * whole-row path measured as fast as through a copy of its own.
     */
    private static void depthwiseChannelRange(float[] src, int top, int mid, int bottom, int inW,
                                              int stride, int padLeft, PackedWeights w,
                                              int chFrom, int chTo, Activation act, float[] out,
                                              int outOff, int outW) {
        final int c = w.inChannels;
        for (int x = 0; x < outW; x++) {
            final int ix0 = x * stride - padLeft; // the input column of tap kx = 0
            final int o = outOff + x * c;
            if (ix0 >= 0 && ix0 + 3 <= inW) {
                depthwiseInteriorPixel(src, top + ix0 * c, mid + ix0 * c, bottom + ix0 * c, w,
                        chFrom, chTo, act, out, o);
            } else {
                depthwiseBorderPixel(src, top, mid, bottom, ix0, Math.max(0, -ix0),
                        Math.min(3, inW - ix0), w, chFrom, chTo, act, out, o);
            }
        }
    }

    /**
     * One output pixel whose nine taps all lie inside the input; {@code s0, s1, s2} index its
     * top-left input pixel in the three rows. The nine taps are written out: with loops over
     * {@code ky} and {@code kx} (constant bounds) in it, the channel loop ran 10-15% slower.
     */
    private static void depthwiseInteriorPixel(float[] src, int s0, int s1, int s2,
                                               PackedWeights w, int chFrom, int chTo,
                                               Activation act, float[] out, int o) {
        final int c = w.inChannels;
        final float[] wd = w.data;
        final int base = w.offset;
        final int biasOff = base + 9 * c;
        int ch = chFrom;
        for (; ch + 4 <= chTo; ch += 4) {
            float a0 = wd[biasOff + ch], a1 = wd[biasOff + ch + 1];
            float a2 = wd[biasOff + ch + 2], a3 = wd[biasOff + ch + 3];
            int wi = base + ch; // the weights of tap (ky, kx), then of the next tap, c further
            int si = s0 + ch; // row ky = 0: kx = 0, 1, 2
            a0 += src[si] * wd[wi];
            a1 += src[si + 1] * wd[wi + 1];
            a2 += src[si + 2] * wd[wi + 2];
            a3 += src[si + 3] * wd[wi + 3];
            si += c;
            wi += c;
            a0 += src[si] * wd[wi];
            a1 += src[si + 1] * wd[wi + 1];
            a2 += src[si + 2] * wd[wi + 2];
            a3 += src[si + 3] * wd[wi + 3];
            si += c;
            wi += c;
            a0 += src[si] * wd[wi];
            a1 += src[si + 1] * wd[wi + 1];
            a2 += src[si + 2] * wd[wi + 2];
            a3 += src[si + 3] * wd[wi + 3];
            si = s1 + ch; // row ky = 1
            wi += c;
            a0 += src[si] * wd[wi];
            a1 += src[si + 1] * wd[wi + 1];
            a2 += src[si + 2] * wd[wi + 2];
            a3 += src[si + 3] * wd[wi + 3];
            si += c;
            wi += c;
            a0 += src[si] * wd[wi];
            a1 += src[si + 1] * wd[wi + 1];
            a2 += src[si + 2] * wd[wi + 2];
            a3 += src[si + 3] * wd[wi + 3];
            si += c;
            wi += c;
            a0 += src[si] * wd[wi];
            a1 += src[si + 1] * wd[wi + 1];
            a2 += src[si + 2] * wd[wi + 2];
            a3 += src[si + 3] * wd[wi + 3];
            si = s2 + ch; // row ky = 2
            wi += c;
            a0 += src[si] * wd[wi];
            a1 += src[si + 1] * wd[wi + 1];
            a2 += src[si + 2] * wd[wi + 2];
            a3 += src[si + 3] * wd[wi + 3];
            si += c;
            wi += c;
            a0 += src[si] * wd[wi];
            a1 += src[si + 1] * wd[wi + 1];
            a2 += src[si + 2] * wd[wi + 2];
            a3 += src[si + 3] * wd[wi + 3];
            si += c;
            wi += c;
            a0 += src[si] * wd[wi];
            a1 += src[si + 1] * wd[wi + 1];
            a2 += src[si + 2] * wd[wi + 2];
            a3 += src[si + 3] * wd[wi + 3];
            out[o + ch] = act.apply(a0);
            out[o + ch + 1] = act.apply(a1);
            out[o + ch + 2] = act.apply(a2);
            out[o + ch + 3] = act.apply(a3);
        }
        for (; ch < chTo; ch++) { // the last chTo - chFrom mod 4 channels, one at a time
            float acc = wd[biasOff + ch];
            for (int ky = 0; ky < 3; ky++) {
                final int row = ky == 0 ? s0 : ky == 1 ? s1 : s2;
                for (int kx = 0; kx < 3; kx++) {
                    acc += src[row + kx * c + ch] * wd[base + (ky * 3 + kx) * c + ch];
                }
            }
            out[o + ch] = act.apply(acc);
        }
    }

    /**
     * One output pixel at a border: only taps {@code kx} in {@code [kxLo, kxHi)} fall inside the
     * row (input column {@code ix0 + kx}); the others read zero padding and are skipped.
     */
    private static void depthwiseBorderPixel(float[] src, int top, int mid, int bottom, int ix0,
                                             int kxLo, int kxHi, PackedWeights w, int chFrom,
                                             int chTo, Activation act, float[] out, int o) {
        final int c = w.inChannels;
        final float[] wd = w.data;
        final int base = w.offset;
        final int biasOff = base + 9 * c;
        int ch = chFrom;
        for (; ch + 4 <= chTo; ch += 4) {
            float a0 = wd[biasOff + ch], a1 = wd[biasOff + ch + 1];
            float a2 = wd[biasOff + ch + 2], a3 = wd[biasOff + ch + 3];
            for (int ky = 0; ky < 3; ky++) {
                // not an int[] of the three rows: C2 does not scalar-replace an array indexed
                // by a loop variable, and an inference must allocate nothing
                final int row = ky == 0 ? top : ky == 1 ? mid : bottom;
                for (int kx = kxLo; kx < kxHi; kx++) {
                    int si = row + (ix0 + kx) * c + ch;
                    int wi = base + (ky * 3 + kx) * c + ch;
                    a0 += src[si] * wd[wi];
                    a1 += src[si + 1] * wd[wi + 1];
                    a2 += src[si + 2] * wd[wi + 2];
                    a3 += src[si + 3] * wd[wi + 3];
                }
            }
            out[o + ch] = act.apply(a0);
            out[o + ch + 1] = act.apply(a1);
            out[o + ch + 2] = act.apply(a2);
            out[o + ch + 3] = act.apply(a3);
        }
        for (; ch < chTo; ch++) {
            float acc = wd[biasOff + ch];
            for (int ky = 0; ky < 3; ky++) {
                final int row = ky == 0 ? top : ky == 1 ? mid : bottom;
                for (int kx = kxLo; kx < kxHi; kx++) {
                    acc += src[row + (ix0 + kx) * c + ch] * wd[base + (ky * 3 + kx) * c + ch];
                }
            }
            out[o + ch] = act.apply(acc);
        }
    }

    // ---- full 3x3 convolution -------------------------------------------------------------------

    @Override
    public PackedWeights packConv3x3(float[] w, float[] bias, int cin, int cout) {
        return packWithBias(CONV3X3, w, 9L * cin * cout, bias, cin, cout);
    }

    @Override
    public void conv3x3Rows(float[] in, int inOff, int inH, int inW, int stride, int padTop,
                            int padLeft, PackedWeights w, Activation act, float[] out, int outOff,
                            int outRowFloats, int outW, int rowStart, int rowEnd) {
        w.requireLayout(CONV3X3, canonicalFloats(w, 9));
        KernelSet.checkWindow(stride, padTop, padLeft);
        KernelSet.checkConv3x3Rows(outRowFloats, outW, w);
        final int cin = w.inChannels, cout = w.outChannels;
        final float[] wd = w.data;
        final int base = w.offset;
        final int biasOff = base + 9 * cin * cout;
        for (int y = rowStart; y < rowEnd; y++) {
            for (int x = 0; x < outW; x++) {
                final int o = outOff + (y - rowStart) * outRowFloats + x * cout;
                int co = 0;
                // Four output channels at a time, as pointwise does: one sum per channel was
                // bound by the adder's latency (1.7 GFLOP/s, the slowest scalar kernel), and the
                // four read neighbouring weights. Each sum keeps the one-channel loop's order.
                for (; co + 4 <= cout; co += 4) {
                    float a0 = wd[biasOff + co], a1 = wd[biasOff + co + 1];
                    float a2 = wd[biasOff + co + 2], a3 = wd[biasOff + co + 3];
                    for (int ky = 0; ky < 3; ky++) {
                        int iy = y * stride - padTop + ky;
                        if (iy < 0 || iy >= inH) {
                            continue;
                        }
                        for (int kx = 0; kx < 3; kx++) {
                            int ix = x * stride - padLeft + kx;
                            if (ix < 0 || ix >= inW) {
                                continue;
                            }
                            int px = inOff + (iy * inW + ix) * cin;
                            int wi = base + (ky * 3 + kx) * cin * cout + co;
                            for (int ci = 0; ci < cin; ci++, wi += cout) {
                                float v = in[px + ci];
                                a0 += v * wd[wi];
                                a1 += v * wd[wi + 1];
                                a2 += v * wd[wi + 2];
                                a3 += v * wd[wi + 3];
                            }
                        }
                    }
                    out[o + co] = act.apply(a0);
                    out[o + co + 1] = act.apply(a1);
                    out[o + co + 2] = act.apply(a2);
                    out[o + co + 3] = act.apply(a3);
                }
                for (; co < cout; co++) {
                    float acc = wd[biasOff + co];
                    for (int ky = 0; ky < 3; ky++) {
                        int iy = y * stride - padTop + ky;
                        if (iy < 0 || iy >= inH) {
                            continue;
                        }
                        for (int kx = 0; kx < 3; kx++) {
                            int ix = x * stride - padLeft + kx;
                            if (ix < 0 || ix >= inW) {
                                continue;
                            }
                            for (int ci = 0; ci < cin; ci++) {
                                acc += in[inOff + (iy * inW + ix) * cin + ci]
                                        * wd[base + ((ky * 3 + kx) * cin + ci) * cout + co];
                            }
                        }
                    }
                    out[o + co] = act.apply(acc);
                }
            }
        }
    }

    // ---- head --------------------------------------------------------------------------------

    @Override
    public void globalAveragePool(float[] in, int inOff, int pixels, int channels, float[] out,
                                  int outOff) {
        KernelSet.checkPool(pixels, channels);
        for (int ch = 0; ch < channels; ch++) {
            float sum = 0f;
            for (int p = 0; p < pixels; p++) {
                sum += in[inOff + p * channels + ch];
            }
            out[outOff + ch] = sum / pixels;
        }
    }

    @Override
    public PackedWeights packDense(float[] w, float[] bias, int inFeatures, int outFeatures) {
        return packWithBias(DENSE, w, (long) inFeatures * outFeatures, bias, inFeatures,
                outFeatures);
    }

    @Override
    public void dense(float[] in, int inOff, PackedWeights w, float[] out, int outOff) {
        w.requireLayout(DENSE, canonicalFloats(w, 1));
        final int n = w.inChannels, k = w.outChannels;
        final float[] wd = w.data;
        final int base = w.offset;
        int o = 0;
        // Four outputs at a time, as pointwise does: one sum per output was bound by the
        // adder's latency and read each weight's cache line once per output of it (16 times
        // over). Each sum keeps the one-output loop's order.
        for (; o + 4 <= k; o += 4) {
            float a0 = wd[base + n * k + o], a1 = wd[base + n * k + o + 1];
            float a2 = wd[base + n * k + o + 2], a3 = wd[base + n * k + o + 3];
            for (int i = 0, wi = base + o; i < n; i++, wi += k) {
                float v = in[inOff + i];
                a0 += v * wd[wi];
                a1 += v * wd[wi + 1];
                a2 += v * wd[wi + 2];
                a3 += v * wd[wi + 3];
            }
            out[outOff + o] = a0;
            out[outOff + o + 1] = a1;
            out[outOff + o + 2] = a2;
            out[outOff + o + 3] = a3;
        }
        for (; o < k; o++) {
            float acc = wd[base + n * k + o];
            for (int i = 0; i < n; i++) {
                acc += in[inOff + i] * wd[base + i * k + o];
            }
            out[outOff + o] = acc;
        }
    }

    // ---- element-wise ------------------------------------------------------------------------

    @Override
    public void relu6(float[] a, int off, int len) {
        KernelSet.checkCount("len", len);
        for (int i = off; i < off + len; i++) {
            a[i] = Activation.RELU6.apply(a[i]);
        }
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
        KernelSet.checkCount("len", len);
        for (int i = 0; i < len; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }
}
