package dev.mobilenetsimd.kernels;

/**
 * The activation a kernel applies in its store epilogue.
 *
 * <p>NaN semantics (identical in every backend): {@link #RELU6} is {@code min(max(x, 0), 6)} with
 * {@link Math#max}/{@link Math#min} rules, so a NaN input stays NaN, {@code +Inf} becomes 6 and
 * {@code -Inf} becomes 0. {@link #LINEAR} passes every value through unchanged.
 */
public enum Activation {
    /** No activation: the linear bottleneck of the projection layers. */
    LINEAR,
    /** Clamp to [0, 6]. */
    RELU6;

    /**
     * Applies this activation to one value: the scalar definition every backend must match.
     *
     * @param x the value before the activation
     * @return the value after it
     */
    public float apply(float x) {
        return this == RELU6 ? Math.min(Math.max(x, 0f), 6f) : x;
    }
}
