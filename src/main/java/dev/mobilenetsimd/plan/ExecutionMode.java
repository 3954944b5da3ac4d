package dev.mobilenetsimd.plan;

/** How the inverted residual blocks are executed. */
public enum ExecutionMode {
    /**
     * Each block streams bands of rows through cache: expand (on demand, into a small ring of
     * rows), depthwise, project with the residual; the expanded tensor never exists whole.
     */
    FUSED,
    /** Layer by layer: the expanded and depthwise tensors are written whole, then read back. */
    LAYERWISE;

    /**
     * Parses {@code fused}, or {@code layerwise} (also named {@code unfused}): the names the
     * command line's {@code --mode} and the bench tools take, in one place.
     *
     * @param name the name, in any case, white space around it ignored (as
     *     {@link dev.mobilenetsimd.Padding#parse} does)
     * @return that mode
     * @throws IllegalArgumentException for anything else
     */
    public static ExecutionMode parse(String name) {
        String given = name == null ? null : name.strip();
        switch (given == null ? "" : given.toLowerCase(java.util.Locale.ROOT)) {
            case "fused": return FUSED;
            case "layerwise": case "unfused": return LAYERWISE;
            default:
                throw new IllegalArgumentException("unknown mode '" + given
                        + "': expected fused, or layerwise (also named unfused)");
        }
    }
}
