package dev.mobilenetsimd.kernels;

/**
 * One backend's kernels for MobileNetV2, NHWC float32. Every implementation has the same contract
 * ({@code ScalarKernels} is the reference and test oracle; {@code VectorKernels} the Vector API
 * implementation), so the runtime can swap backends without changing a plan.
 *
 * <p>Tensors live in plain {@code float[]} arrays addressed by an offset; NHWC means the channel
 * index runs fastest, so pixel {@code p} of a tensor with {@code c} channels starts at
 * {@code off + p * c}. Kernels write nothing but their outputs and allocate nothing per call (the
 * vector backend keeps a small scratch array per thread, made at the thread's first call). An
 * output is final only once the call returns: the vector {@link #pointwise} of a linear layer
 * with a residual may store the product, then add the residual in a second pass.
 *
 * <p>Canonical (unpacked) weight layouts, as {@code pack*} methods take them:
 * <ul>
 *   <li>pointwise 1x1 and dense: {@code w[ci * cout + co]} (input-major, "IO");</li>
 *   <li>depthwise 3x3: {@code w[(ky * 3 + kx) * c + ch]} ("HWC");</li>
 *   <li>full 3x3 convolution: {@code w[((ky * 3 + kx) * cin + ci) * cout + co]} ("HWIO").</li>
 * </ul>
 * A {@code null} bias means zeros.
 *
 * <p><b>NaN and infinities</b> (identical in every backend; {@code NonFiniteTest} checks it):
 * kernels never reject or filter non-finite values, they compute IEEE float arithmetic. A NaN
 * operand makes every output it feeds NaN; an infinite one makes ±Inf, or NaN where +Inf meets
 * -Inf in one sum or Inf is multiplied by 0. Then the store epilogue applies the activation as
 * {@link Activation#apply} does ({@code min(max(x, 0), 6)} with {@link Math#max}/{@link Math#min}
 * rules): ReLU6 maps NaN to NaN, +Inf to 6, -Inf to 0; LINEAR passes all three through. The
 * residual is added after the activation, so a non-finite residual reaches the output.
 * {@link #globalAveragePool}, {@link #dense} and {@link #add} have no activation: NaN and ±Inf
 * propagate. Which taps exist is decided by position, never by value: padding columns are skipped,
 * padding rows of {@link #depthwiseRow} are the zero row the caller passes (so an infinite
 * weight meeting one gives NaN, as in the scalar reference). Finite overflow (a sum beyond
 * {@code Float.MAX_VALUE}) may differ between backends, since fused multiply-add and summation
 * order change intermediate results.
 */
public interface KernelSet {

    /**
     * A short name, e.g. {@code "scalar"} or {@code "vector-512"}.
     *
     * @return the backend's name
     */
    String name();

    /**
     * Width of the float vectors used, in bits; 0 for the scalar backend.
     *
     * @return the vector width in bits, or 0
     */
    int vectorBitSize();

    // ---- pointwise 1x1 convolution (a GEMM: pixels x cin times cin x cout) -----------------

    /**
     * Packs {@code w[cin][cout]} and {@code bias[cout]} for {@link #pointwise}.
     *
     * @param w the canonical weights, {@code cin * cout} floats
     * @param bias {@code cout} floats, or {@code null} for zeros
     * @param cin input channels
     * @param cout output channels
     * @return the packed layer, for this kernel set only
     * @throws IllegalArgumentException if a channel count is negative or {@code w} or {@code bias}
     *         does not hold the floats the channel counts give
     */
    PackedWeights packPointwise(float[] w, float[] bias, int cin, int cout);

    /**
     * {@code out[p][co] = act(bias[co] + sum_ci in[p][ci] * w[ci][co]) (+ residual[p][co])}
     * for {@code p < pixels}. The residual, when not {@code null}, is added after the activation
     * (MobileNetV2 only adds it to linear projections). {@code in}, {@code out} and
     * {@code residual} are dense {@code pixels x channels} blocks; {@code out} must not overlap
     * {@code in}, but may be the same region as {@code residual}.
     *
     * @param in the input pixels
     * @param inOff index in {@code in} of pixel 0
     * @param pixels the number of pixels
     * @param w the layer, packed by {@link #packPointwise}
     * @param act the activation
     * @param residual the tensor added after the activation, or {@code null} for none
     * @param residualOff index in {@code residual} of pixel 0
     * @param out the output pixels
     * @param outOff index in {@code out} of pixel 0
     * @throws IllegalArgumentException if {@code pixels < 0}
     */
    void pointwise(float[] in, int inOff, int pixels, PackedWeights w, Activation act,
                   float[] residual, int residualOff, float[] out, int outOff);

    /**
     * {@link #pointwise} of {@code rows x rowPixels} dense input pixels, without residual, whose
     * output rows are {@code outRowStride} floats apart: input pixel {@code p} goes to
     * {@code out[outOff + (p / rowPixels) * outRowStride + (p % rowPixels) * cout + co]}, and the
     * floats between output rows are not touched. It lets a caller write rows with margins (the
     * fused block's zero-bordered ring rows) in one call rather than one call per row. Backends
     * that tile pixels across row ends override it; this default, the scalar twin, makes one
     * {@link #pointwise} call per row.
     *
     * @param in the input pixels, dense
     * @param inOff index in {@code in} of pixel 0
     * @param rows the number of rows
     * @param rowPixels pixels per row
     * @param w the layer, packed by {@link #packPointwise}
     * @param act the activation
     * @param out the output rows
     * @param outOff index in {@code out} of row 0
     * @param outRowStride floats from one output row's start to the next one's
     * @throws IllegalArgumentException if {@code rows < 0}, {@code rowPixels < 1} or
     *         {@code outRowStride < rowPixels * cout} (output rows would overlap)
     */
    default void pointwiseRows(float[] in, int inOff, int rows, int rowPixels, PackedWeights w,
                               Activation act, float[] out, int outOff, int outRowStride) {
        checkPointwiseRows(rows, rowPixels, w, outRowStride);
        for (int r = 0; r < rows; r++) {
            pointwise(in, inOff + r * rowPixels * w.inChannels, rowPixels, w, act, null, 0,
                    out, outOff + r * outRowStride);
        }
    }

    /**
     * The argument checks of {@link #pointwiseRows}, shared by its implementations.
     *
     * @param rows as {@link #pointwiseRows} takes it
     * @param rowPixels as {@link #pointwiseRows} takes it
     * @param w as {@link #pointwiseRows} takes it
     * @param outRowStride as {@link #pointwiseRows} takes it
     * @throws IllegalArgumentException as {@link #pointwiseRows} documents
     */
    static void checkPointwiseRows(int rows, int rowPixels, PackedWeights w, int outRowStride) {
        if (rows < 0 || rowPixels < 1) {
            throw new IllegalArgumentException("pointwiseRows needs rows >= 0 and rowPixels >= 1,"
                    + " got rows=" + rows + ", rowPixels=" + rowPixels);
        }
        final long rowFloats = (long) rowPixels * w.outChannels;
        if (outRowStride < rowFloats) {
            throw new IllegalArgumentException("output rows of " + rowPixels + " pixels x "
                    + w.outChannels + " channels need outRowStride >= " + rowFloats + ", got "
                    + outRowStride);
        }
    }

    /**
     * Where {@link #pointwiseChannels} may cut this layer's output channels: ascending, from 0 to
     * {@code w.outChannels}. Between two neighbours lies one of the backend's own blocks (for the
     * vector backend a weight panel, whole vectors wide), so a range of blocks costs what those
     * channels cost in the whole call. A layer split across threads by output channels is split
     * at these boundaries. Returns a new array: ask once, when the steps are built, not per
     * inference (the kernels themselves allocate nothing per call).
     *
     * @param w the layer, packed by {@link #packPointwise}
     * @return the channel boundaries, a new array
     */
    int[] pointwiseChannelBlocks(PackedWeights w);

    /**
     * {@link #pointwise} for output channels {@code [coFrom, coTo)} only: each output pixel gets
     * those channels exactly (bitwise) as the whole call computes them; its other channels are
     * not touched, and the residual is read for these channels only. Pixels stay
     * {@code w.outChannels} floats apart in {@code out} and {@code residual}.
     *
     * @param in the input pixels
     * @param inOff index in {@code in} of pixel 0
     * @param pixels the number of pixels
     * @param w the layer, packed by {@link #packPointwise}
     * @param coFrom the first output channel written
     * @param coTo one past the last output channel written
     * @param act the activation
     * @param residual the tensor added after the activation, or {@code null} for none
     * @param residualOff index in {@code residual} of pixel 0
     * @param out the output pixels
     * @param outOff index in {@code out} of pixel 0 (channel 0, not {@code coFrom})
     * @throws IllegalArgumentException if {@code pixels < 0}, {@code coFrom > coTo} or either
     *         is not one of {@link #pointwiseChannelBlocks}{@code (w)}
     */
    void pointwiseChannels(float[] in, int inOff, int pixels, PackedWeights w, int coFrom,
                           int coTo, Activation act, float[] residual, int residualOff,
                           float[] out, int outOff);

    /**
     * {@link #pointwiseRows} for output channels {@code [coFrom, coTo)} only, as
     * {@link #pointwiseChannels}. This default, the scalar twin, makes one call per row.
     *
     * @param in the input pixels, dense
     * @param inOff index in {@code in} of pixel 0
     * @param rows the number of rows
     * @param rowPixels pixels per row
     * @param w the layer, packed by {@link #packPointwise}
     * @param coFrom the first output channel written
     * @param coTo one past the last output channel written
     * @param act the activation
     * @param out the output rows
     * @param outOff index in {@code out} of row 0 (channel 0, not {@code coFrom})
     * @param outRowStride floats from one output row's start to the next one's
     * @throws IllegalArgumentException as {@link #pointwiseRows} and {@link #pointwiseChannels}
     */
    default void pointwiseRowsChannels(float[] in, int inOff, int rows, int rowPixels,
                                       PackedWeights w, int coFrom, int coTo, Activation act,
                                       float[] out, int outOff, int outRowStride) {
        checkPointwiseRows(rows, rowPixels, w, outRowStride);
        for (int r = 0; r < rows; r++) {
            pointwiseChannels(in, inOff + r * rowPixels * w.inChannels, rowPixels, w, coFrom,
                    coTo, act, null, 0, out, outOff + r * outRowStride);
        }
    }

    // ---- depthwise 3x3 convolution, one output row ------------------------------------------

    /**
     * Packs {@code w[3][3][c]} and {@code bias[c]} for {@link #depthwiseRow}.
     *
     * @param w the canonical weights, {@code 9 * channels} floats
     * @param bias {@code channels} floats, or {@code null} for zeros
     * @param channels the channel count {@code c}
     * @return the packed layer, for this kernel set only
     * @throws IllegalArgumentException if {@code channels} is negative or {@code w} or {@code bias}
     *         does not hold the floats it gives
     */
    PackedWeights packDepthwise(float[] w, float[] bias, int channels);

    /**
     * One output row of a 3x3 depthwise convolution. {@code top}, {@code mid} and {@code bottom}
     * are the offsets in {@code src} of the three input rows the filter covers (each {@code inW}
     * pixels of {@code c} channels); a padding row is passed as the offset of a row of zeros.
     * Output pixel {@code x} reads input columns {@code x * stride - padLeft + kx},
     * {@code kx = 0..2}; columns outside {@code [0, inW)} count as zero.
     * Writes {@code outW * c} floats at {@code out[outOff]}: bias, taps, then {@code act}.
     *
     * @param src the array holding the input rows
     * @param top offset in {@code src} of the input row of filter row 0
     * @param mid offset in {@code src} of the input row of filter row 1
     * @param bottom offset in {@code src} of the input row of filter row 2
     * @param inW input pixels per row
     * @param stride the horizontal stride
     * @param padLeft zero columns left of input column 0
     * @param w the layer, packed by {@link #packDepthwise}
     * @param act the activation
     * @param out the output array
     * @param outOff index in {@code out} of the output row
     * @param outW output pixels in the row
     * @throws IllegalArgumentException if {@code stride < 1} or {@code padLeft < 0}
     */
    void depthwiseRow(float[] src, int top, int mid, int bottom, int inW, int stride, int padLeft,
                      PackedWeights w, Activation act, float[] out, int outOff, int outW);

    /**
     * Two adjacent output rows of a 3x3 depthwise convolution, A and B, from the input rows at
     * offsets {@code r0..r4}: row A reads {@code r0, r1, r2}; row B, one output row further,
     * reads {@code r1, r2, r3} for stride 1 ({@code r4} is then unused) and {@code r2, r3, r4}
     * for stride 2. Exactly (bitwise) the two {@link #depthwiseRow} calls it stands for, writing
     * row A at {@code out[outA]} and row B at {@code out[outB]}; the output rows must not overlap
     * the input rows. Backends that keep the shared input rows in registers override it; this
     * default, the scalar twin, makes the two calls.
     *
     * @param src the array holding the input rows
     * @param r0 offset in {@code src} of the first input row
     * @param r1 offset in {@code src} of the second input row
     * @param r2 offset in {@code src} of the third input row
     * @param r3 offset in {@code src} of the fourth input row
     * @param r4 offset in {@code src} of the fifth input row (read for stride 2 only)
     * @param inW input pixels per row
     * @param stride the stride, 1 or 2
     * @param padLeft zero columns left of input column 0
     * @param w the layer, packed by {@link #packDepthwise}
     * @param act the activation
     * @param out the output array
     * @param outA index in {@code out} of output row A
     * @param outB index in {@code out} of output row B
     * @param outW output pixels per row
     * @throws IllegalArgumentException if {@code stride} is not 1 or 2 or {@code padLeft < 0}
     */
    default void depthwiseRowPair(float[] src, int r0, int r1, int r2, int r3, int r4, int inW,
                                  int stride, int padLeft, PackedWeights w, Activation act,
                                  float[] out, int outA, int outB, int outW) {
        if (stride != 1 && stride != 2) {
            throw new IllegalArgumentException("a row pair needs stride 1 or 2, got " + stride);
        }
        depthwiseRow(src, r0, r1, r2, inW, stride, padLeft, w, act, out, outA, outW);
        if (stride == 1) {
            depthwiseRow(src, r1, r2, r3, inW, stride, padLeft, w, act, out, outB, outW);
        } else {
            depthwiseRow(src, r2, r3, r4, inW, stride, padLeft, w, act, out, outB, outW);
        }
    }

    /**
     * Channel ranges of {@link #depthwiseRowChannels} start at a multiple of this and end at one
     * or at the channel count: 1 for the scalar backend, the lane count for the vector backend.
     * Every boundary of {@link #pointwiseChannelBlocks} is such a multiple, so an expansion split
     * by output channels can split its depthwise the same way.
     *
     * @return the channel alignment, at least 1
     */
    int depthwiseChannelAlign();

    /**
     * {@link #depthwiseRow} for channels {@code [chFrom, chTo)} only: those channels of each
     * output pixel exactly (bitwise) as the whole call computes them, the others not touched.
     * Pixels stay {@code c} floats apart in the input and output rows.
     *
     * @param src the array holding the input rows
     * @param top offset in {@code src} of the input row of filter row 0
     * @param mid offset in {@code src} of the input row of filter row 1
     * @param bottom offset in {@code src} of the input row of filter row 2
     * @param inW input pixels per row
     * @param stride the horizontal stride
     * @param padLeft zero columns left of input column 0
     * @param w the layer, packed by {@link #packDepthwise}
     * @param chFrom the first channel written
     * @param chTo one past the last channel written
     * @param act the activation
     * @param out the output array
     * @param outOff index in {@code out} of the output row (channel 0, not {@code chFrom})
     * @param outW output pixels in the row
     * @throws IllegalArgumentException if the range is not inside {@code [0, c]} or its ends are
     *         not multiples of {@link #depthwiseChannelAlign} (or {@code c}), {@code stride < 1}
     *         or {@code padLeft < 0}
     */
    void depthwiseRowChannels(float[] src, int top, int mid, int bottom, int inW, int stride,
                              int padLeft, PackedWeights w, int chFrom, int chTo, Activation act,
                              float[] out, int outOff, int outW);

    /**
     * {@link #depthwiseRowPair} for channels {@code [chFrom, chTo)} only, as
     * {@link #depthwiseRowChannels}. This default, the scalar twin, makes the two calls.
     *
     * @param src the array holding the input rows
     * @param r0 offset in {@code src} of the first input row
     * @param r1 offset in {@code src} of the second input row
     * @param r2 offset in {@code src} of the third input row
     * @param r3 offset in {@code src} of the fourth input row
     * @param r4 offset in {@code src} of the fifth input row (read for stride 2 only)
     * @param inW input pixels per row
     * @param stride the stride, 1 or 2
     * @param padLeft zero columns left of input column 0
     * @param w the layer, packed by {@link #packDepthwise}
     * @param chFrom the first channel written
     * @param chTo one past the last channel written
     * @param act the activation
     * @param out the output array
     * @param outA index in {@code out} of output row A (channel 0, not {@code chFrom})
     * @param outB index in {@code out} of output row B (channel 0, not {@code chFrom})
     * @param outW output pixels per row
     * @throws IllegalArgumentException as {@link #depthwiseRowPair} and
     *         {@link #depthwiseRowChannels}
     */
    default void depthwiseRowPairChannels(float[] src, int r0, int r1, int r2, int r3, int r4,
                                          int inW, int stride, int padLeft, PackedWeights w,
                                          int chFrom, int chTo, Activation act, float[] out,
                                          int outA, int outB, int outW) {
        if (stride != 1 && stride != 2) {
            throw new IllegalArgumentException("a row pair needs stride 1 or 2, got " + stride);
        }
        depthwiseRowChannels(src, r0, r1, r2, inW, stride, padLeft, w, chFrom, chTo, act, out,
                outA, outW);
        if (stride == 1) {
            depthwiseRowChannels(src, r1, r2, r3, inW, stride, padLeft, w, chFrom, chTo, act,
                    out, outB, outW);
        } else {
            depthwiseRowChannels(src, r2, r3, r4, inW, stride, padLeft, w, chFrom, chTo, act,
                    out, outB, outW);
        }
    }

    // ---- full 3x3 convolution (the stem: cin = 3) -------------------------------------------

    /**
     * Packs {@code w[3][3][cin][cout]} and {@code bias[cout]} for {@link #conv3x3}.
     *
     * @param w the canonical weights, {@code 9 * cin * cout} floats
     * @param bias {@code cout} floats, or {@code null} for zeros
     * @param cin input channels
     * @param cout output channels
     * @return the packed layer, for this kernel set only
     * @throws IllegalArgumentException if a channel count is negative or {@code w} or {@code bias}
     *         does not hold the floats the channel counts give
     */
    PackedWeights packConv3x3(float[] w, float[] bias, int cin, int cout);

    /**
     * Output rows {@code [rowStart, rowEnd)} of a 3x3 convolution of an {@code inH x inW x cin}
     * tensor with stride {@code stride}: output pixel (y, x) reads input (y * stride - padTop + ky,
     * x * stride - padLeft + kx), zero outside the input. The output tensor is
     * {@code outH x outW x cout} at {@code out[outOff]} (rows outside the range are untouched).
     *
     * @param in the input tensor
     * @param inOff index in {@code in} of its first float
     * @param inH input rows
     * @param inW input pixels per row
     * @param stride the stride in both directions
     * @param padTop zero rows above input row 0
     * @param padLeft zero columns left of input column 0
     * @param w the layer, packed by {@link #packConv3x3}
     * @param act the activation
     * @param out the output tensor
     * @param outOff index in {@code out} of its first float (of row 0, even if
     *         {@code rowStart > 0})
     * @param outH output rows
     * @param outW output pixels per row
     * @param rowStart the first output row computed
     * @param rowEnd one past the last output row computed
     * @throws IllegalArgumentException if {@code stride < 1} or a padding is negative
     */
    default void conv3x3(float[] in, int inOff, int inH, int inW, int stride, int padTop,
                         int padLeft, PackedWeights w, Activation act, float[] out, int outOff,
                         int outH, int outW, int rowStart, int rowEnd) {
        final int rowFloats = outW * w.outChannels;
        conv3x3Rows(in, inOff, inH, inW, stride, padTop, padLeft, w, act, out,
                outOff + rowStart * rowFloats, rowFloats, outW, rowStart, rowEnd);
    }

    /**
     * {@link #conv3x3}'s output rows {@code [rowStart, rowEnd)}, each stored apart from the
     * others: row {@code y} at {@code out[outOff + (y - rowStart) * outRowFloats]}, its
     * {@code outW * cout} floats contiguous. Lets a caller write rows into slots of a ring with
     * padding between them (a fused block computing its input rows from the stem).
     *
     * @param in the input tensor
     * @param inOff index in {@code in} of its first float
     * @param inH input rows
     * @param inW input pixels per row
     * @param stride the stride in both directions
     * @param padTop zero rows above input row 0
     * @param padLeft zero columns left of input column 0
     * @param w the layer, packed by {@link #packConv3x3}
     * @param act the activation
     * @param out the output array
     * @param outOff index in {@code out} of output row {@code rowStart}
     * @param outRowFloats floats from one output row's start to the next one's
     * @param outW output pixels per row
     * @param rowStart the first output row computed
     * @param rowEnd one past the last output row computed
     * @throws IllegalArgumentException if {@code outRowFloats < outW * cout} (rows would overlap),
     *         {@code stride < 1} or a padding is negative
     */
    void conv3x3Rows(float[] in, int inOff, int inH, int inW, int stride, int padTop, int padLeft,
                     PackedWeights w, Activation act, float[] out, int outOff, int outRowFloats,
                     int outW, int rowStart, int rowEnd);

    /**
     * The argument check of {@link #conv3x3Rows}, shared by its implementations.
     *
     * @param outRowFloats as {@link #conv3x3Rows} takes it
     * @param outW as {@link #conv3x3Rows} takes it
     * @param w as {@link #conv3x3Rows} takes it
     * @throws IllegalArgumentException as {@link #conv3x3Rows} documents
     */
    static void checkConv3x3Rows(int outRowFloats, int outW, PackedWeights w) {
        final long rowFloats = (long) outW * w.outChannels;
        if (outRowFloats < rowFloats) {
            throw new IllegalArgumentException("output rows " + outRowFloats + " floats apart"
                    + " overlap: a row is " + outW + " x " + w.outChannels + " floats");
        }
    }

    /**
     * The stride and padding check of {@link #conv3x3Rows} and {@link #conv3x3}, shared by their
     * implementations.
     *
     * @param stride as {@link #conv3x3Rows} takes it
     * @param padTop as {@link #conv3x3Rows} takes it
     * @param padLeft as {@link #conv3x3Rows} takes it
     * @throws IllegalArgumentException if {@code stride < 1} or a padding is negative
     */
    static void checkWindow(int stride, int padTop, int padLeft) {
        if (stride < 1 || padTop < 0 || padLeft < 0) {
            throw new IllegalArgumentException("stride " + stride + ", padTop " + padTop
                    + ", padLeft " + padLeft
                    + ": expected a stride of 1 or more and a padding of 0 or more");
        }
    }

    /**
     * The stride and padding check of {@link #depthwiseRow} and its channel and pair forms,
     * shared by their implementations.
     *
     * @param stride as {@link #depthwiseRow} takes it
     * @param padLeft as {@link #depthwiseRow} takes it
     * @throws IllegalArgumentException if {@code stride < 1} or {@code padLeft < 0}
     */
    static void checkWindow(int stride, int padLeft) {
        if (stride < 1 || padLeft < 0) {
            throw new IllegalArgumentException("stride " + stride + ", padLeft " + padLeft
                    + ": expected a stride of 1 or more and a padding of 0 or more");
        }
    }

    /**
     * The pixel count check of {@link #pointwise} and {@link #pointwiseChannels}, shared by their
     * implementations.
     *
     * @param pixels as {@link #pointwise} takes it
     * @throws IllegalArgumentException if {@code pixels < 0}
     */
    static void checkPixels(int pixels) {
        checkCount("pixels", pixels);
    }

    /**
     * The count check of the kernels that take a length or a count ({@link #relu6},
     * {@link #add}, {@link #pointwise}'s pixels), shared by their implementations so that every
     * backend refuses a negative one with the same message (they did nothing for it, silently).
     *
     * @param name the argument's name, as the message gives it
     * @param count the length or count
     * @throws IllegalArgumentException if {@code count < 0}
     */
    static void checkCount(String name, int count) {
        if (count < 0) {
            throw new IllegalArgumentException(name + " = " + count + ": expected 0 or more");
        }
    }

    /**
     * The argument check of {@link #globalAveragePool}, shared by its implementations.
     *
     * @param pixels as {@link #globalAveragePool} takes it
     * @param channels as {@link #globalAveragePool} takes it
     * @throws IllegalArgumentException if {@code pixels < 1} or {@code channels < 0}
     */
    static void checkPool(int pixels, int channels) {
        // no pixels: the mean of none is 0 / 0, and every channel was written as NaN
        if (pixels < 1) {
            throw new IllegalArgumentException("globalAveragePool of pixels = " + pixels
                    + ": expected 1 or more (the mean of no pixels is not a number)");
        }
        checkCount("channels", channels);
    }

    // ---- head ----------------------------------------------------------------------------------

    /**
     * {@code out[ch] = mean over p < pixels of in[p][ch]}.
     *
     * @param in the input pixels
     * @param inOff index in {@code in} of pixel 0
     * @param pixels the number of pixels averaged
     * @param channels channels per pixel
     * @param out the output, {@code channels} floats
     * @param outOff index in {@code out} of channel 0
     * @throws IllegalArgumentException if {@code pixels < 1} or {@code channels < 0}
     */
    void globalAveragePool(float[] in, int inOff, int pixels, int channels, float[] out,
            int outOff);

    /**
     * Packs {@code w[in][out]} and {@code bias[out]} for {@link #dense}.
     *
     * @param w the canonical weights, {@code inFeatures * outFeatures} floats
     * @param bias {@code outFeatures} floats, or {@code null} for zeros
     * @param inFeatures input features
     * @param outFeatures output features (classes)
     * @return the packed layer, for this kernel set only
     * @throws IllegalArgumentException if a feature count is negative or {@code w} or {@code bias}
     *         does not hold the floats the feature counts give
     */
    PackedWeights packDense(float[] w, float[] bias, int inFeatures, int outFeatures);

    /**
     * Fully connected layer (a GEMV): {@code out[o] = bias[o] + sum_i in[i] * w[i][o]}.
     *
     * @param in the input features
     * @param inOff index in {@code in} of feature 0
     * @param w the layer, packed by {@link #packDense}
     * @param out the output features
     * @param outOff index in {@code out} of feature 0
     */
    void dense(float[] in, int inOff, PackedWeights w, float[] out, int outOff);

    // ---- element-wise ------------------------------------------------------------------------

    /**
     * In place: {@code a[i] = min(max(a[i], 0), 6)} for {@code i in [off, off + len)}.
     *
     * @param a the array changed
     * @param off index in {@code a} of the first element
     * @param len the number of elements
     * @throws IllegalArgumentException if {@code len < 0}
     */
    void relu6(float[] a, int off, int len);

    /**
     * {@code out[i] = a[i] + b[i]} for {@code len} elements (regions may coincide).
     *
     * @param a the first operand
     * @param aOff index in {@code a} of element 0
     * @param b the second operand
     * @param bOff index in {@code b} of element 0
     * @param out the result
     * @param outOff index in {@code out} of element 0
     * @param len the number of elements
     * @throws IllegalArgumentException if {@code len < 0}
     */
    void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len);
}
