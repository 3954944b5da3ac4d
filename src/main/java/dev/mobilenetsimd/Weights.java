package dev.mobilenetsimd;

import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Layer;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * The weights of one network: a kernel and a bias per weighted layer of the plan, in the canonical
 * layouts of {@link dev.mobilenetsimd.kernels.KernelSet} (output channel fastest). Batch norm is
 * expected folded in (see {@link BatchNorm#fold}). Not thread-safe while being filled; a model
 * packs its own copy, so changing weights afterwards does not affect built models.
 */
public final class Weights {
    private final ModelConfig config;
    private final List<Layer> layers;
    private final float[][] kernels;
    private final float[][] biases;

    private Weights(ModelConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        ExecutionPlan plan = ExecutionPlan.build(config);
        this.layers = plan.layers();
        this.kernels = new float[layers.size()][];
        this.biases = new float[layers.size()][];
        plan.weightsTooLarge().ifPresent(why -> { // before allocating anything
            throw new IllegalArgumentException(why + ": " + config
                    + " is too large (reduce classes or alpha)");
        });
        for (Layer l : layers) {
            kernels[l.index()] = new float[l.kernelLength()];
            biases[l.index()] = new float[l.biasLength()];
        }
    }

    /**
     * All-zero weights for {@code config}, to be filled with {@link #set}.
     *
     * @param config the configuration
     * @return zero weights, every layer's arrays allocated
     * @throws NullPointerException     if {@code config} is null
     * @throws IllegalArgumentException if a layer of {@code config}, or all of them together,
     *         need more weights than one Java array holds ({@link ExecutionPlan#weightsTooLarge})
     */
    public static Weights zeros(ModelConfig config) {
        return new Weights(config);
    }

    /**
     * Deterministic random weights: He-style normal kernels (standard deviation
     * {@code sqrt(2 / fanIn)} before ReLU6, {@code sqrt(1 / fanIn)} for linear layers) so
     * activations stay finite through all layers, and small uniform biases in [-0.1, 0.1].
     * The same seed gives the same weights on every JVM.
     *
     * @param config the configuration
     * @param seed the random generator's seed
     * @return the weights
     * @throws NullPointerException     if {@code config} is null
     * @throws IllegalArgumentException if a layer of {@code config}, or all of them together,
     *         need more weights than one Java array holds ({@link ExecutionPlan#weightsTooLarge})
     */
    public static Weights random(ModelConfig config, long seed) {
        Weights w = new Weights(config);
        Random rnd = new Random(seed);
        for (Layer l : w.layers) {
            double gain = l.activation() == dev.mobilenetsimd.kernels.Activation.RELU6 ? 2.0 : 1.0;
            float std = (float) Math.sqrt(gain / l.fanIn());
            float[] k = w.kernels[l.index()];
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) rnd.nextGaussian() * std;
            }
            float[] b = w.biases[l.index()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (rnd.nextFloat() * 2f - 1f) * 0.1f;
            }
        }
        return w;
    }

    /**
     * The configuration these weights belong to.
     *
     * @return the configuration
     */
    public ModelConfig config() { return config; }

    /**
     * The weighted layers, in plan order.
     *
     * @return the layers, unmodifiable
     */
    public List<Layer> layers() { return layers; }

    /**
     * The layer named {@code name} (e.g. {@code "block3.expand"}).
     *
     * @param name the layer's name
     * @return that layer
     * @throws IllegalArgumentException if no layer has that name
     */
    public Layer layer(String name) {
        for (Layer l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("no layer named '" + name + "'; layers are "
                + layers.stream().map(Layer::name).toList());
    }

    /**
     * The live kernel array of layer {@code index} (canonical layout). Values written to it are
     * not checked until {@link #checkFinite()}, which {@link MobileNetV2#create} calls.
     *
     * @param index the layer's {@link Layer#index()}
     * @return the array itself: writes to it change these weights
     * @throws IllegalArgumentException unless {@code 0 <= index < layers().size()}
     */
    public float[] kernel(int index) { return kernels[checkIndex(index)]; }

    /**
     * The live bias array of layer {@code index}; checked as {@link #kernel(int)} is.
     *
     * @param index the layer's {@link Layer#index()}
     * @return the array itself: writes to it change these weights
     * @throws IllegalArgumentException unless {@code 0 <= index < layers().size()}
     */
    public float[] bias(int index) { return biases[checkIndex(index)]; }

    /**
     * Checks that every kernel and bias value is finite, as {@link #set} checks its arrays: a
     * NaN or infinity written through {@link #kernel(int)} or {@link #bias(int)} reached the
     * logits of every image as NaN without a word. {@link MobileNetV2#create} and the ONNX
     * export call it.
     *
     * @throws IllegalArgumentException naming the first layer, array and index whose value is
     *                                  not finite
     */
    public void checkFinite() {
        for (Layer l : layers) {
            check(l, "kernel", kernels[l.index()], l.kernelLength());
            check(l, "bias", biases[l.index()], l.biasLength());
        }
    }

    /**
     * Copies a kernel and bias into slot {@code index}.
     *
     * @param index the layer's {@link Layer#index()}
     * @param kernel the kernel, {@link Layer#kernelLength()} floats in canonical layout
     * @param bias the bias, {@link Layer#biasLength()} floats
     * @throws IllegalArgumentException if the index is not a layer's, a length does not match the
     *                                  layer, or a value is not finite
     */
    public void set(int index, float[] kernel, float[] bias) {
        Layer l = layers.get(checkIndex(index));
        check(l, "kernel", kernel, l.kernelLength());
        check(l, "bias", bias, l.biasLength());
        System.arraycopy(kernel, 0, kernels[index], 0, kernel.length);
        System.arraycopy(bias, 0, biases[index], 0, bias.length);
    }

    private static void check(Layer l, String what, float[] a, int expected) {
        if (a == null || a.length != expected) {
            throw new IllegalArgumentException(l.name() + " " + what + ": expected " + expected
                    + " floats (" + l.kind() + " " + l.inChannels() + "->" + l.outChannels()
                    + "), got " + (a == null ? "null" : a.length));
        }
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                throw new IllegalArgumentException(l.name() + " " + what + "[" + i + "] = " + a[i]
                        + ": weights must be finite");
            }
        }
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= layers.size()) {
            throw new IllegalArgumentException(
                    "layer index " + index + " out of range: expected 0 to " + (layers.size() - 1));
        }
        return index;
    }
}
