package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;

/**
 * The Vector API backend: a facade over one class per kernel family (see the package docs).
 * Same contract as the scalar reference kernels; loaded reflectively by
 * {@link dev.mobilenetsimd.kernels.KernelSets} only when {@code jdk.incubator.vector} is present.
 */
public final class VectorKernels implements KernelSet {
    /** The single instance; its width is fixed by {@code VectorWidth.SPECIES}. */
    public static final VectorKernels INSTANCE = new VectorKernels();

    private VectorKernels() {}

    @Override public String name() { return "vector-" + vectorBitSize(); }

    @Override public int vectorBitSize() { return VectorWidth.SPECIES.vectorBitSize(); }

    @Override
    public PackedWeights packPointwise(float[] w, float[] bias, int cin, int cout) {
        return PointwiseGemm.pack(w, bias, cin, cout);
    }

    @Override
    public void pointwise(float[] in, int inOff, int pixels, PackedWeights w, Activation act,
                          float[] residual, int residualOff, float[] out, int outOff) {
        PointwiseGemm.run(in, inOff, pixels, w, act, residual, residualOff, out, outOff);
    }

    @Override
    public void pointwiseRows(float[] in, int inOff, int rows, int rowPixels, PackedWeights w,
                              Activation act, float[] out, int outOff, int outRowStride) {
        KernelSet.checkPointwiseRows(rows, rowPixels, w, outRowStride);
        PointwiseGemm.runRows(in, inOff, rows, rowPixels, w, act, out, outOff, outRowStride);
    }

    @Override
    public int[] pointwiseChannelBlocks(PackedWeights w) {
        return PointwiseGemm.channelBlocks(w);
    }

    @Override
    public void pointwiseChannels(float[] in, int inOff, int pixels, PackedWeights w, int coFrom,
                                  int coTo, Activation act, float[] residual, int residualOff,
                                  float[] out, int outOff) {
        PointwiseGemm.runChannels(in, inOff, pixels, w, coFrom, coTo, act, residual, residualOff,
                out, outOff);
    }

    @Override
    public void pointwiseRowsChannels(float[] in, int inOff, int rows, int rowPixels,
                                      PackedWeights w, int coFrom, int coTo, Activation act,
                                      float[] out, int outOff, int outRowStride) {
        KernelSet.checkPointwiseRows(rows, rowPixels, w, outRowStride);
        PointwiseGemm.runRowsChannels(in, inOff, rows, rowPixels, w, coFrom, coTo, act, out,
                outOff, outRowStride);
    }

    @Override
    public PackedWeights packDepthwise(float[] w, float[] bias, int channels) {
        return Depthwise3x3.pack(w, bias, channels);
    }

    @Override
    public void depthwiseRowPair(float[] src, int r0, int r1, int r2, int r3, int r4, int inW,
                                 int stride, int padLeft, PackedWeights w, Activation act,
                                 float[] out, int outA, int outB, int outW) {
        Depthwise3x3.rowPair(src, r0, r1, r2, r3, r4, inW, stride, padLeft, w, act, out, outA,
                outB, outW);
    }

    @Override
    public void depthwiseRow(float[] src, int top, int mid, int bottom, int inW, int stride,
                             int padLeft, PackedWeights w, Activation act, float[] out, int outOff,
                             int outW) {
        Depthwise3x3.row(src, top, mid, bottom, inW, stride, padLeft, w, act, out, outOff, outW);
    }

    @Override
    public int depthwiseChannelAlign() {
        return VectorWidth.LANES;
    }

    @Override
    public void depthwiseRowChannels(float[] src, int top, int mid, int bottom, int inW,
                                     int stride, int padLeft, PackedWeights w, int chFrom,
                                     int chTo, Activation act, float[] out, int outOff,
                                     int outW) {
        Depthwise3x3.row(src, top, mid, bottom, inW, stride, padLeft, w, chFrom, chTo, act, out,
                outOff, outW);
    }

    @Override
    public void depthwiseRowPairChannels(float[] src, int r0, int r1, int r2, int r3, int r4,
                                         int inW, int stride, int padLeft, PackedWeights w,
                                         int chFrom, int chTo, Activation act, float[] out,
                                         int outA, int outB, int outW) {
        Depthwise3x3.rowPair(src, r0, r1, r2, r3, r4, inW, stride, padLeft, w, chFrom, chTo, act,
                out, outA, outB, outW);
    }

    @Override
    public PackedWeights packConv3x3(float[] w, float[] bias, int cin, int cout) {
        return Conv3x3.pack(w, bias, cin, cout);
    }

    @Override
    public void conv3x3Rows(float[] in, int inOff, int inH, int inW, int stride, int padTop,
                            int padLeft, PackedWeights w, Activation act, float[] out, int outOff,
                            int outRowFloats, int outW, int rowStart, int rowEnd) {
        Conv3x3.run(in, inOff, inH, inW, stride, padTop, padLeft, w, act, out, outOff,
                outRowFloats, outW, rowStart, rowEnd);
    }

    @Override
    public void globalAveragePool(float[] in, int inOff, int pixels, int channels, float[] out,
                                  int outOff) {
        KernelSet.checkPool(pixels, channels);
        Head.globalAveragePool(in, inOff, pixels, channels, out, outOff);
    }

    @Override
    public PackedWeights packDense(float[] w, float[] bias, int inFeatures, int outFeatures) {
        return Head.packDense(w, bias, inFeatures, outFeatures);
    }

    @Override
    public void dense(float[] in, int inOff, PackedWeights w, float[] out, int outOff) {
        Head.dense(in, inOff, w, out, outOff);
    }

    @Override
    public void relu6(float[] a, int off, int len) {
        KernelSet.checkCount("len", len);
        Elementwise.relu6(a, off, len);
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
        KernelSet.checkCount("len", len);
        Elementwise.add(a, aOff, b, bOff, out, outOff, len);
    }
}
