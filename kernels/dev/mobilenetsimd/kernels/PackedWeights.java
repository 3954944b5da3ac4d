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
    /**
     * Output channels (for depthwise equal to {@link #inChannels}; for the classifier: classes).
     */
    public final int outChannels;
    /**
     * The array that holds the packed floats, bias included. It may be shared with other layers
     * (see {@link #copyTo}): this layer's floats are {@code data[offset, offset + length)}.
     */
    public final float[] data;
    /** Index in {@link #data} of this layer's first float. */
    public final int offset;
    /** Number of packed floats of this layer. */
    public final int length;

    /**
     * Packed weights that own the whole of {@code data}.
     *
     * @param layout identifies the layout
     * @param inChannels input channels (input features)
     * @param outChannels output channels (output features)
     * @param data the packed floats, bias included
     * @throws IllegalArgumentException if a channel count is negative, or {@code data} has fewer
     *         floats than {@code outChannels} (every layout holds a bias per output channel)
     */
    public PackedWeights(String layout, int inChannels, int outChannels, float[] data) {
        this(layout, inChannels, outChannels, data, 0,
                Objects.requireNonNull(data, "data").length);
    }

    /**
     * Packed weights stored at {@code data[offset, offset + length)}.
     *
     * @param layout identifies the layout
     * @param inChannels input channels (input features)
     * @param outChannels output channels (output features)
     * @param data the array holding the packed floats
     * @param offset index in {@code data} of the first float
     * @param length the number of packed floats
     * @throws IllegalArgumentException if the range is not inside {@code data}, a channel count
     *         is negative, or {@code length < outChannels} (every layout holds a bias per output
     *         channel)
     */
    public PackedWeights(String layout, int inChannels, int outChannels, float[] data, int offset,
                         int length) {
        this.layout = Objects.requireNonNull(layout, "layout");
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.data = Objects.requireNonNull(data, "data");
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IllegalArgumentException("packed range [" + offset + ", " + offset + " + "
                    + length + ") is not inside an array of " + data.length + " floats");
        }
        // The kernels size their loops by the channel counts: a negative one, or a layer too
        // short for its own biases, was read past its floats (or not at all) without a word.
        if (inChannels < 0 || outChannels < 0) {
            throw new IllegalArgumentException("packed weights of " + inChannels + " -> "
                    + outChannels + " channels: expected channel counts of 0 or more");
        }
        if (length < outChannels) {
            throw new IllegalArgumentException("packed weights of " + inChannels + " -> "
                    + outChannels + " channels in " + length + " floats: expected at least "
                    + outChannels + ", a bias per output channel");
        }
        this.offset = offset;
        this.length = length;
    }

    /**
     * Copies these floats to {@code store[at, at + length)} and returns the same layer stored
     * there. Kernels read a layer only from {@link #offset} on, so the copy computes exactly
     * what this one does. A runtime uses it to put all layers of a model in one large array whose
     * position in memory it can count on, each layer on a 64-byte boundary.
     *
     * @param store the array copied to
     * @param at index in {@code store} of the first float copied
     * @return the layer at its new place
     * @throws IllegalArgumentException if {@code store} has no room for {@link #length} floats at
     *         {@code at}
     */
    public PackedWeights copyTo(float[] store, int at) {
        Objects.requireNonNull(store, "store");
        if (at < 0 || at > store.length - length) {
            throw new IllegalArgumentException("no room for " + length + " floats at " + at
                    + " in an array of " + store.length);
        }
        System.arraycopy(data, offset, store, at, length);
        return new PackedWeights(layout, inChannels, outChannels, store, at, length);
    }

    /**
     * Throws if these weights were not packed in {@code expected} layout. It checks the name
     * only: a kernel checks the length too, with {@link #requireLayout(String, long)}.
     *
     * @param expected the layout the caller's kernels read
     * @return these weights
     * @throws IllegalArgumentException if they have another layout
     */
    public PackedWeights requireLayout(String expected) {
        if (!layout.equals(expected)) {
            throw new IllegalArgumentException(
                    "weights packed as '" + layout + "' passed to a kernel expecting '"
                    + expected + "'");
        }
        return this;
    }

    /**
     * Throws if these weights were not packed in {@code expected} layout, or do not hold the
     * {@code floats} that layout has for {@link #inChannels} and {@link #outChannels}: weights
     * made with the public constructors, of the right name but too short for their channels,
     * were read past their end (an ArrayIndexOutOfBoundsException, or another layer's floats
     * in a shared array).
     *
     * @param expected the layout the caller's kernels read
     * @param floats the floats that layout holds for these channel counts
     * @return these weights
     * @throws IllegalArgumentException if they have another layout or another length
     */
    public PackedWeights requireLayout(String expected, long floats) {
        requireLayout(expected);
        if (length != floats) {
            throw new IllegalArgumentException("weights packed as '" + layout + "' for "
                    + inChannels + " -> " + outChannels + " channels hold " + length
                    + " floats, where that layout has " + floats + ": expected the layer as"
                    + " this kernel set packed it");
        }
        return this;
    }
}
