package dev.mobilenetsimd;

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
     * @param variance running variance (non-negative)
     * @param eps      epsilon added to the variance (e.g. 1e-5 in PyTorch, 1e-3 in TF-slim)
     * @return the folded bias
     */
    public static float[] fold(float[] kernel, float[] bias, float[] gamma, float[] beta,
                               float[] mean, float[] variance, float eps) {
        int c = gamma.length;
        if (beta.length != c || mean.length != c || variance.length != c || (bias != null && bias.length != c)) {
            throw new IllegalArgumentException("batch-norm vectors must all have " + c + " entries");
        }
        if (c == 0 || kernel.length % c != 0) {
            throw new IllegalArgumentException("kernel of " + kernel.length
                    + " floats is not a whole number of rows of " + c + " output channels");
        }
        float[] scale = new float[c];
        float[] folded = new float[c];
        for (int i = 0; i < c; i++) {
            if (!(variance[i] + eps > 0)) {
                throw new IllegalArgumentException("variance[" + i + "] + eps = " + (variance[i] + eps)
                        + ": must be positive");
            }
            scale[i] = (float) (gamma[i] / Math.sqrt((double) variance[i] + eps));
            float b = bias == null ? 0f : bias[i];
            folded[i] = (b - mean[i]) * scale[i] + beta[i];
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] *= scale[i % c];
        }
        return folded;
    }
}
