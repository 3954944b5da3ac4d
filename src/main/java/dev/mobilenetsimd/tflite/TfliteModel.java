package dev.mobilenetsimd.tflite;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.Classifier;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.IoErrors;
import dev.mobilenetsimd.image.Labels;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A MobileNetV2 imported from a TensorFlow Lite flatbuffer ({@code .tflite}): its configuration
 * (width multiplier, resolution, classes and padding, all derived from the graph), its weights
 * dequantized to float32 in our canonical layouts, the normalisation its input expects, and the
 * labels when the file carries them (TensorFlow Lite metadata appends a zip of label files).
 *
 * <p>Supported: float32, float16 and quantized weights (uint8 or int8, per-tensor or per-channel;
 * int32 biases), stored in the layer or, as the converter writes float16 models, behind a
 * DEQUANTIZE; the operators CONV_2D, DEPTHWISE_CONV_2D, ADD, AVERAGE_POOL_2D, MEAN, PAD (when
 * equivalent to a padding convention), RESHAPE, SOFTMAX, FULLY_CONNECTED, QUANTIZE and
 * DEQUANTIZE. The network runs in float32, so a quantized model's outputs differ from
 * TensorFlow Lite's integer kernels by a little quantization noise.
 *
 * <pre>{@code
 * TfliteModel m = TfliteModel.load(Path.of("mobilenet_v2_1.0_224_quant.tflite"));
 * MobileNetV2 net = m.network();                       // logits; softmax is up to the caller
 * try (Classifier c = m.classifier()) {                // softmax, labels from the file
 *     Prediction best = c.classify(Path.of("cat.bmp")).best();
 * }
 * }</pre>
 */
public final class TfliteModel {
    /** Largest file accepted: what one Java array holds. */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private final ModelConfig config;
    private final Weights weights;
    private final InputNormalization inputNormalization;
    private final Labels labels;
    private final String labelsProblem; // null: none
    private final String description;

    private TfliteModel(ModelConfig config, Weights weights, InputNormalization inputNormalization,
                        Labels labels, String labelsProblem, String description) {
        this.config = config;
        this.weights = weights;
        this.inputNormalization = inputNormalization;
        this.labels = labels;
        this.labelsProblem = labelsProblem;
        this.description = description;
    }

    /**
     * Loads a {@code .tflite} file.
     *
     * @param file the {@code .tflite} file
     * @return the imported model
     * @throws ModelFormatException if the file is not a MobileNetV2 TensorFlow Lite model we can
     *                              import (the message says why)
     * @throws IOException          if the file cannot be read or is not a regular file
     * @throws IllegalArgumentException if {@code file} is the empty path
     * @throws NullPointerException if {@code file} is null
     */
    public static TfliteModel load(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        IoErrors.requireNonEmpty(file, "model file path", "a .tflite file");
        requireRegularFile(file);
        // One byte array holds the file: a larger one failed as an OutOfMemoryError.
        long size = Files.isRegularFile(file) ? Files.size(file) : 0;
        if (size > MAX_FILE_BYTES) {
            throw new ModelFormatException(file + ": " + size + " bytes, more than the "
                    + MAX_FILE_BYTES + " a TensorFlow Lite model file may have");
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return read(bytes);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a path that exists but is not a regular file, before reading: a device such as
     * {@code /dev/zero} was read up to the 2 GB limit, and a directory failed as "Is a directory"
     * without its path. A missing file is left to the read, which names it.
     */
    private static void requireRegularFile(Path file) throws IOException {
        if (!Files.isRegularFile(file) && Files.exists(file)) {
            throw new FileSystemException(file.toString(), null, (Files.isDirectory(file)
                    ? "a directory" : "not a regular file") + ", expected a regular .tflite file");
        }
    }

    /**
     * Imports a model from the bytes of a {@code .tflite} file.
     *
     * @param bytes the file's bytes
     * @return the imported model
     * @throws ModelFormatException if the bytes are not a MobileNetV2 TensorFlow Lite model we
     *                              can import
     * @throws NullPointerException if {@code bytes} is null
     */
    public static TfliteModel read(byte[] bytes) throws ModelFormatException {
        Objects.requireNonNull(bytes, "bytes");
        TfliteGraph graph = TfliteReader.read(ByteBuffer.wrap(bytes));
        GraphImporter.Imported imp = GraphImporter.importGraph(graph);
        InputNormalization norm = normalization(imp.input());
        EmbeddedLabels.Found labels = EmbeddedLabels.find(bytes, imp.config().classes(),
                graph.dataEnd);
        return new TfliteModel(imp.config(), imp.weights(), norm, labels.labels(),
                labels.problem(), imp.summary());
    }

    /** The input normalisation implied by the input tensor's type and quantization. */
    static InputNormalization normalization(TfliteGraph.Tensor input) throws ModelFormatException {
        TfliteGraph.Quantization q = input.quantization();
        if (input.type() == TfliteGraph.FLOAT32) {
            // A float input carries no range; MobileNetV2 is trained on [-1, 1].
            return InputNormalization.minusOneToOne();
        }
        if (!q.present() || q.scale().length != 1 || !(q.scale()[0] > 0)
                || Float.isInfinite(q.scale()[0])) {
            throw new ModelFormatException("the quantized input " + input.describe()
                    + " needs one positive scale (" + q + ")");
        }
        long zp = q.zeroPoint().length == 0 ? 0 : q.zeroPoint()[0];
        boolean int8 = input.type() == TfliteGraph.INT8;
        if (zp < (int8 ? -128 : 0) || zp > (int8 ? 127 : 255)) { // 10^6 was taken as is
            throw new ModelFormatException("the quantized input " + input.describe()
                    + " has zero point " + zp + "; expected "
                    + (int8 ? "-128 to 127" : "0 to 255"));
        }
        // An int8 input is fed pixel - 128 (the usual uint8 -> int8 shift).
        double offset = int8 ? zp + 128.0 : zp;
        try {
            return new InputNormalization(q.scale()[0], offset);
        } catch (IllegalArgumentException e) { // a scale that maps pixels past float range
            throw new ModelFormatException("the quantized input " + input.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Largest labels file read from the archive: 16 MB, far beyond 1001 ImageNet names. */
    static final int MAX_LABEL_BYTES = 16 << 20;

    /**
     * Width multiplier, resolution, classes and padding of the network.
     *
     * @return the configuration
     */
    public ModelConfig config() { return config; }

    /**
     * The weights, batch norm folded, in canonical layouts (a live object: do not modify).
     *
     * @return the weights
     */
    public Weights weights() { return weights; }

    /**
     * How 8-bit RGB pixels are turned into the network's input.
     *
     * @return the input normalisation
     */
    public InputNormalization inputNormalization() { return inputNormalization; }

    /**
     * Labels embedded in the file, or {@link Labels#none()}: the first {@code .txt} file of
     * the zip archive TensorFlow Lite metadata appends (Zip64 or not), when it names every
     * class (none when the file has no archive, a damaged one, or a text file of more than
     * 16 MB: {@link #labelsProblem()} says why).
     *
     * @return the labels
     */
    public Labels labels() { return labels; }

    /**
     * Why the labels archive appended to the file gave no {@link #labels()}: it is cut short
     * (the file truncated) or damaged, or its labels file is encrypted, compressed by another
     * method than deflate, larger than 16 MB, or names another number of classes than the
     * model has. Labels are optional: the model loads all the same.
     *
     * @return the problem; empty when the labels were read, or the file has no archive, or no
     *         {@code .txt} file in it
     */
    public Optional<String> labelsProblem() { return Optional.ofNullable(labelsProblem); }

    /**
     * A one-line summary: configuration, operator count, weight and input types.
     *
     * @return the summary
     */
    public String description() { return description; }

    /**
     * The fused network on the fastest backend.
     *
     * @return the network
     */
    public MobileNetV2 network() {
        return network(KernelSets.best());
    }

    /**
     * The fused network on {@code kernels}.
     *
     * @param kernels the backend
     * @return the network
     * @throws NullPointerException if {@code kernels} is null
     */
    public MobileNetV2 network(KernelSet kernels) {
        return MobileNetV2.create(config, weights, kernels, ExecutionMode.FUSED);
    }

    /**
     * A classifier on the fastest backend with the embedded labels (if any).
     *
     * @return the classifier, to be closed after use
     */
    public Classifier classifier() {
        return new Classifier(network(), inputNormalization, labels);
    }

    /**
     * A classifier on {@code kernels} with {@code labels}, reporting the top {@code topK}.
     *
     * @param kernels the backend
     * @param labels names the classes: one name per class of the model, or
     *               {@link Labels#none()}
     * @param topK the number of classes reported, at least 1
     * @return the classifier, to be closed after use
     * @throws IllegalArgumentException if {@code labels} has names but not one per class, or
     *                                  {@code topK} is less than 1
     * @throws NullPointerException     if {@code kernels} or {@code labels} is null
     */
    public Classifier classifier(KernelSet kernels, Labels labels, int topK) {
        return classifier(kernels, labels, topK, 1);
    }

    /**
     * As {@link #classifier(KernelSet, Labels, int)}, each inference split across
     * {@code threads} threads (see {@link Classifier}).
     *
     * @param kernels the backend
     * @param labels names the classes: one name per class of the model, or
     *               {@link Labels#none()}
     * @param topK the number of classes reported, at least 1
     * @param threads threads per inference
     * @return the classifier, to be closed after use
     * @throws IllegalArgumentException if {@code labels} has names but not one per class,
     *         {@code topK} is less than 1 or {@code threads} out of range
     * @throws NullPointerException if {@code kernels} or {@code labels} is null
     */
    public Classifier classifier(KernelSet kernels, Labels labels, int topK, int threads) {
        return new Classifier(network(kernels), inputNormalization, labels, topK, threads);
    }

    @Override
    public String toString() {
        return description;
    }
}
