package dev.mobilenetsimd.plan;

import dev.mobilenetsimd.kernels.Activation;

/**
 * One weighted layer of the network: what a weight slot holds. Kernels are stored in the canonical
 * layouts of {@link dev.mobilenetsimd.kernels.KernelSet} (output channel fastest), biases as one
 * float per output channel.
 */
public final class Layer {
    /** The kinds of weighted layer in MobileNetV2. */
    public enum Kind {
        /** Full 3x3 convolution (the stem), kernel {@code [3][3][cin][cout]}. */
        CONV3X3,
        /** 1x1 convolution, kernel {@code [cin][cout]}. */
        POINTWISE,
        /** 3x3 depthwise convolution, kernel {@code [3][3][c]}. */
        DEPTHWISE,
        /** Fully connected classifier, kernel {@code [in][out]}. */
        DENSE
    }

    private final int index;
    private final String name;
    private final Kind kind;
    private final int inChannels;
    private final int outChannels;
    private final Activation activation;

    Layer(int index, String name, Kind kind, int inChannels, int outChannels,
            Activation activation) {
        this.index = index;
        this.name = name;
        this.kind = kind;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.activation = activation;
    }

    /**
     * Position in {@link ExecutionPlan#layers()}, from 0: the weight slot.
     *
     * @return the index
     */
    public int index() { return index; }

    /**
     * A readable name such as {@code "block3.expand"}.
     *
     * @return the name
     */
    public String name() { return name; }

    /**
     * What the layer computes.
     *
     * @return the kind
     */
    public Kind kind() { return kind; }

    /**
     * Input channels (input features for the classifier).
     *
     * @return the input channels
     */
    public int inChannels() { return inChannels; }

    /**
     * Output channels (classes for the classifier).
     *
     * @return the output channels
     */
    public int outChannels() { return outChannels; }

    /**
     * The activation fused into this layer's store.
     *
     * @return the activation
     */
    public Activation activation() { return activation; }

    /**
     * Floats in the canonical kernel.
     *
     * @return the kernel's length
     * @throws ArithmeticException if it passes int range (a classifier of 10^6 classes at α 4:
     *     such a configuration can be planned, but its weights fit no Java array)
     */
    public int kernelLength() {
        return Math.toIntExact(kernelFloats());
    }

    /**
     * Floats in the canonical kernel, counted in {@code long}: past int range for the largest
     * configurations, whose weights cannot be built ({@link #kernelLength()} throws there).
     *
     * @return the kernel's length
     */
    public long kernelFloats() {
        long in = inChannels, out = outChannels;
        switch (kind) {
            case CONV3X3: return 9 * in * out;
            case DEPTHWISE: return 9 * out;
            default: return in * out;
        }
    }

    /**
     * Inputs that feed one output (for weight initialisation).
     *
     * @return the fan-in
     */
    public int fanIn() {
        switch (kind) {
            case CONV3X3: return 9 * inChannels;
            case DEPTHWISE: return 9;
            default: return inChannels;
        }
    }

    /**
     * Floats in the bias (one per output channel).
     *
     * @return the bias's length
     */
    public int biasLength() { return outChannels; }

    /**
     * Parameters: kernel plus bias.
     *
     * @return the parameter count
     */
    public long params() { return kernelFloats() + biasLength(); }

    @Override
    public String toString() {
        return name + " " + kind + " " + inChannels + "->" + outChannels;
    }
}
