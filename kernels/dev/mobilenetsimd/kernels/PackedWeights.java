package dev.mobilenetsimd.kernels;

import java.util.Objects;

/**
 * Weights and bias of one layer, packed once by a {@link KernelSet} into the layout its kernels
 * stream. The layout is private to the kernel set that packed it: pass a packed layer only to
 * the kernel set that made it (kernels check {@link #layout}).
 */
public final class PackedWeights {
    /** Identifies the layout; kernels reject weights packed for another layout. */
    public final String layout;
    /** Input channels (for the classifier: input features). */
    public final int inChannels;
    /** Output channels (for depthwise equal to {@link #inChannels}; for the classifier: classes). */
    public final int outChannels;
    /** The packed floats, bias included. */
    public final float[] data;

    public PackedWeights(String layout, int inChannels, int outChannels, float[] data) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.data = Objects.requireNonNull(data, "data");
    }

    /** Throws if these weights were not packed in {@code expected} layout. */
    public PackedWeights requireLayout(String expected) {
        if (!layout.equals(expected)) {
            throw new IllegalArgumentException(
                    "weights packed as '" + layout + "' passed to a kernel expecting '" + expected + "'");
        }
        return this;
    }
}
