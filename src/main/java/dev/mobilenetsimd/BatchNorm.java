package dev.mobilenetsimd;

import java.util.Objects;

/** Folds batch normalisation into the convolution before it. */
public final class BatchNorm {
    private BatchNorm() {}

    /**
     * Folds {@code y = gamma * (conv(x) + bias - mean) / sqrt(var + eps) + beta} into the
     * convolution: scales {@code kernel} in place, per output channel, and returns the new bias.
     * The kernel must be in a canonical layout with the output channel fastest (all layouts of
     * {@link dev.mobilenetsimd.kernels.KernelSet} are), so element {@code i} belongs to output
     * channel {@code i % channels}.
     *
     * @param kernel   convolution kernel, scaled in place
     * @param bias     the convolution's bias, or {@code null} for none
     * @param gamma    batch-norm scale, one per output channel
     * @param beta     batch-norm shift
     * @param mean     running mean
     * @param variance running variance (finite and non-negative)
     * @param eps      epsilon added to the variance, finite and non-negative (e.g. 1e-5 in
     *                 PyTorch, 1e-3 in TF-slim)
     * @return the folded bias
     * @throws NullPointerException     if an argument other than {@code bias} is null
     * @throws IllegalArgumentException if the lengths disagree (or the kernel is empty), a
     *                                  variance is negative, infinite or NaN,
     *                                  {@code eps} is negative or not finite,
     *                                  {@code variance + eps} is not positive, or a folded value
     *                                  (kernel or bias) is not finite; the kernel is then left
     *                                  unchanged
     */
    public static float[] fold(float[] kernel, float[] bias, float[] gamma, float[] beta,
                               float[] mean, float[] variance, float eps) {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(gamma, "gamma");
        Objects.requireNonNull(beta, "beta");
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(variance, "variance");
        int c = gamma.length;
        if (c == 0) {
            throw new IllegalArgumentException("gamma is empty: expected one entry per output"
                    + " channel");
        }
        checkLength("beta", beta, c);
        checkLength("mean", mean, c);
        checkLength("variance", variance, c);
        if (bias != null) {
            checkLength("bias", bias, c);
        }
        if (kernel.length == 0 || kernel.length % c != 0) {
            throw new IllegalArgumentException("kernel of " + kernel.length
                    + " floats is not a whole number of rows of " + c + " output channels"
                    + " (one row or more)");
        }
        // A negative eps or variance (a damaged file) was accepted while their sum stayed
        // positive, and scaled the channel by an arbitrary factor.
        if (!(eps >= 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("eps = " + eps + ": must be finite and"
                    + " non-negative");
        }
        // Everything is computed and checked before the kernel is touched: a rejected call
        // leaves it unchanged.
        float[] scale = new float[c];
        float[] folded = new float[c];
        for (int i = 0; i < c; i++) {
            // +Infinity too: its scale 0 zeroed the channel, and the folded values passed
            if (!(variance[i] >= 0) || Float.isInfinite(variance[i])) {
                throw new IllegalArgumentException("variance[" + i + "] = " + variance[i]
                        + ": a variance must be finite and non-negative, with variance + eps"
                        + " positive");
            }
            if (!(variance[i] + eps > 0)) {
                throw new IllegalArgumentException("variance[" + i + "] + eps = "
                        + (variance[i] + eps) + ": must be positive");
            }
            scale[i] = (float) (gamma[i] / Math.sqrt((double) variance[i] + eps));
            float b = bias == null ? 0f : bias[i];
            folded[i] = (b - mean[i]) * scale[i] + beta[i];
            if (!Float.isFinite(scale[i]) || !Float.isFinite(folded[i])) {
                throw new IllegalArgumentException("channel " + i + ": gamma " + gamma[i]
                        + ", beta " + beta[i] + ", mean " + mean[i] + ", variance " + variance[i]
                        + ", bias " + b + " fold to scale " + scale[i] + " and bias " + folded[i]
                        + ": must be finite");
            }
        }
        // The folded kernel too: a large weight times a large scale became +-Infinity (and a NaN
        // weight stayed NaN) in the kernel without an exception.
        for (int i = 0; i < kernel.length; i++) {
            if (!Float.isFinite(kernel[i] * scale[i % c])) {
                throw new IllegalArgumentException("kernel[" + i + "] = " + kernel[i]
                        + " times channel " + (i % c) + "'s scale " + scale[i % c] + " is "
                        + kernel[i] * scale[i % c] + ": the folded kernel must be finite");
            }
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] *= scale[i % c];
        }
        return folded;
    }

    private static void checkLength(String what, float[] a, int c) {
        if (a.length != c) {
            throw new IllegalArgumentException(what + " has " + a.length + " entries; expected " + c
                    + " (one per output channel, as gamma)");
        }
    }
}
