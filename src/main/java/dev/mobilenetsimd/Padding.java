package dev.mobilenetsimd;

/**
 * How a 3x3 window is padded at the borders. Both conventions give the same output size,
 * {@code ceil(in / stride)}; they differ in which side gets the padding (for stride 2 on an even
 * input; on an odd one they pad alike).
 */
public enum Padding {
    /** PyTorch/torchvision: one zero row/column on every side of a 3x3 window. */
    SYMMETRIC,
    /**
     * TensorFlow "SAME": output = ceil(in / stride); the total padding
     * {@code max((out - 1) * stride + 3 - in, 0)} is split with the smaller half before. For stride
     * 2 on an even input that is 0 rows/columns top-left and 1 bottom-right.
     */
    TF_SAME;

    /**
     * Output size of a 3x3 window with this padding over {@code in} pixels with {@code stride}.
     *
     * @param in input pixels along the axis
     * @param stride the window's stride
     * @return output pixels along the axis
     * @throws IllegalArgumentException if {@code in} or {@code stride} is below 1
     */
    public int outputSize(int in, int stride) {
        if (in < 1 || stride < 1) {
            throw new IllegalArgumentException("input size " + in + ", stride " + stride
                    + ": both must be at least 1");
        }
        // in long: in + stride - 1 overflowed for sizes near Integer.MAX_VALUE (a negative size)
        return (int) (this == SYMMETRIC ? (in - 1L) / stride + 1
                : ((long) in + stride - 1) / stride);
    }

    /**
     * Zero rows (or columns) before the first input pixel.
     *
     * @param in input pixels along the axis
     * @param stride the window's stride
     * @return the padding before the first input pixel: 0 or 1
     * @throws IllegalArgumentException if {@code in} or {@code stride} is below 1
     */
    public int before(int in, int stride) {
        outputSize(in, stride); // checks the arguments
        if (this == SYMMETRIC) {
            return 1;
        }
        long total = Math.max((outputSize(in, stride) - 1L) * stride + 3 - in, 0);
        return (int) (total / 2);
    }

    /**
     * Parses {@code symmetric}/{@code pytorch} or {@code tf}/{@code same}/{@code tf_same}/
     * {@code tf-same}.
     *
     * @param s the name, in any case, white space around it ignored (as
     *     {@code KernelSets.byName} does)
     * @return that padding
     * @throws IllegalArgumentException for anything else
     */
    public static Padding parse(String s) {
        // strip, not trim: the white space KernelSets.checkName drops (trim kept an em space
        // and dropped control characters that are not white space, such as NUL)
        String given = s == null ? null : s.strip();
        switch (given == null ? "" : given.toLowerCase(java.util.Locale.ROOT)) {
            case "symmetric": case "pytorch": return SYMMETRIC;
            case "tf": case "same": case "tf_same": case "tf-same": return TF_SAME;
            default:
                throw new IllegalArgumentException("unknown padding '" + given
                        + "': expected 'symmetric' (PyTorch) or 'tf' (TensorFlow SAME)");
        }
    }
}
