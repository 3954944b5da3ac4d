package dev.mobilenetsimd.plan;

/** How the inverted residual blocks are executed. */
public enum ExecutionMode {
    /**
     * Each block streams bands of rows through cache: expand (on demand, into a small ring of
     * rows), depthwise, project with the residual; the expanded tensor never exists whole.
     */
    FUSED,
    /** Layer by layer: the expanded and depthwise tensors are written whole, then read back. */
    LAYERWISE
}
