package dev.mobilenetsimd.onnx;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A MobileNetV2 imported from an ONNX file ({@code .onnx}) as torchvision exports it, or as
 * tf2onnx converts a Keras one (NHWC input, explicit Pad nodes): its
 * configuration (width multiplier, resolution, classes and padding, all derived from the graph) and
 * its weights, batch norm folded, in our canonical layouts.
 *
 * <p>Supported: opset 7 to 22 (11+ is what current exporters write; a newer opset is read with
 * opset 22's meaning, which {@link #warning()} says), float32 weights (float16
 * and float64 are converted), NCHW input {@code [N, 3, size, size]} (a fixed batch {@code N} of
 * at least 1, or one not fixed: symbolic, unnamed or negative; the network runs image by image;
 * a height and width not fixed, or an input without a shape, at the size given to
 * {@link #load(Path, int)} or {@link #read(byte[], int)}), or NHWC input
 * {@code [N, size, size, 3]} (the same batch and sizes) whose sole consumer is a Transpose of
 * perm {@code [0, 3, 1, 2]} feeding the stem ({@link #nhwcInput()}), and the nodes Conv (with or
 * without bias; {@code group} = channels for the depthwise layers; explicit {@code pads} or
 * {@code auto_pad} equivalent to symmetric or TensorFlow SAME padding; a Pad before it, mode
 * constant, value 0, on height and width only, its pads an attribute before opset 11 or a
 * constant input from it, from opset 18 maybe with a constant {@code axes} input naming the
 * axes its pads cover, each at most once, a negative one counting from the end; it is added
 * to the Conv's explicit pads, as tf2onnx writes Keras's ZeroPadding2D),
 * BatchNormalization (folded),
 * Clip(0, 6) with bounds as attributes (opset 7 to 10) or inputs (11 and newer), Relu, Min and
 * Max with constants (ReLU6 written as clamps), Add (residual), GlobalAveragePool, ReduceMean
 * over height and width or AveragePool whose kernel is the whole unpadded map, Flatten, Reshape
 * (to a row of the features, or of the logits, for each image of a fixed batch, its shape
 * resolved as ONNX Runtime resolves it; of a batch not fixed, one image's; the logits also
 * to {@code [N, 1, K]}, which a Flatten from axis 1 or 2, or a Reshape, may make
 * {@code [N, K]} again), Squeeze, the
 * classifier as Gemm, as MatMul by a {@code [C, K]} weight then an
 * Add of a {@code [K]} bias (or none), as exporters write a linear layer they do not fuse, or
 * as a 1x1 Conv on the pooled {@code [N, C, 1, 1]} map (with or without bias; its
 * {@code [N, K, 1, 1]} then Flatten, Reshape or Squeeze of [2, 3] to {@code [N, K]}, or itself
 * the output), Identity, Dropout (inference), Softmax
 * (at most one, after the classifier, over the classes: the last axis, or axis 1 of
 * {@code [N, K, 1, 1]}, or before opset 13 of {@code [N, 1, K]}; our network stops at the
 * logits) and Constant.
 * Nodes none of whose outputs reach the graph output (shape probes, debug taps, unused
 * chains), of any operator, are ignored, as they cannot change the logits, and
 * {@link #warning()} names them (but Constants, which compute nothing); every other node must
 * be on the chain, and the graph must have one output, the logits (or their Softmax).
 * Weights stored in external files are not supported.
 *
 * <p>ONNX MobileNetV2 graphs mostly take NCHW images while a {@link dev.mobilenetsimd.Session}
 * takes NHWC: {@link #nchwToNhwc} and {@link #nhwcToNchw} convert (an image for an
 * {@link #nhwcInput()} graph is the Session's as it is). A {@link Classifier} takes images and
 * does that itself. {@link OnnxExporter} writes an NCHW input whatever the imported one was.
 *
 * <p>ONNX has no standard place for the input normalisation, nor for labels. A model written by
 * {@link OnnxExporter} with a normalisation records it in its metadata
 * ({@value OnnxExporter#NORMALIZATION_METADATA_KEY}: {@link #inputNormalization()}); for others
 * the caller says which: torchvision exports (and the ONNX model zoo's mobilenetv2) take
 * {@link InputNormalization#IMAGENET}, models converted from TensorFlow
 * {@link InputNormalization#minusOneToOne()}.
 *
 * <pre>{@code
 * OnnxModel m = OnnxModel.load(Path.of("mobilenet_v2.onnx"));
 * try (Session s = m.network().newSession()) {
 *     float[] logits = s.run(OnnxModel.nchwToNhwc(nchwImage, 3, 224, 224));
 * }
 * InputNormalization n = m.inputNormalization().orElse(InputNormalization.IMAGENET);
 * try (Classifier c = m.classifier(n)) {
 *     Classification top5 = c.classify(Path.of("cat.jpg"));
 * }
 * OnnxExporter.write(m.weights(), n, Path.of("copy.onnx"));   // and back
 * }</pre>
 */
public final class OnnxModel {
    /** Largest file accepted: what one Java array holds. */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    private final ModelConfig config;
    private final Weights weights;
    private final String inputName;
    private final boolean nhwcInput;
    private final String outputName;
    private final String description;
    private final InputNormalization inputNormalization; // null: none recorded
    private final String warning; // null: none

    private OnnxModel(ModelConfig config, Weights weights, String inputName, boolean nhwcInput,
                      String outputName, String description,
                      InputNormalization inputNormalization, String warning) {
        this.config = config;
        this.weights = weights;
        this.inputName = inputName;
        this.nhwcInput = nhwcInput;
        this.outputName = outputName;
        this.description = description;
        this.inputNormalization = inputNormalization;
        this.warning = warning;
    }

    /**
     * Loads a {@code .onnx} file, at the input size it fixes: one whose input height and width
     * are not fixed is refused, and {@link #load(Path, int)} reads it at a size the caller
     * gives.
     *
     * @param file the {@code .onnx} file
     * @return the imported model
     * @throws OnnxFormatException if the file is not a MobileNetV2 ONNX model we can import (the
     *                             message says why)
     * @throws IOException         if the file cannot be read or is not a regular file
     * @throws IllegalArgumentException if {@code file} is the empty path
     * @throws NullPointerException if {@code file} is null
     */
    public static OnnxModel load(Path file) throws IOException {
        return loadAt(file, null);
    }

    /**
     * Loads a {@code .onnx} file to run at {@code resolution}: for a model whose input height
     * and width are not fixed (symbolic, as {@code torch.onnx.export} writes them with
     * {@code dynamic_axes}, unnamed or negative; or an input without a shape), which ONNX Runtime
     * runs at whatever size it is fed, while our plan is made for one size. A fixed height or
     * width must be {@code resolution}; {@link #load(Path)} reads a fixed size by itself and
     * refuses a size that is not fixed.
     *
     * @param file       the {@code .onnx} file
     * @param resolution the input height and width, {@value ModelConfig#MIN_RESOLUTION} to
     *                   {@value ModelConfig#MAX_RESOLUTION}
     * @return the imported model, its {@link ModelConfig#resolution()} {@code resolution}
     * @throws IllegalArgumentException if {@code resolution} is out of range or {@code file} is
     *                                  the empty path
     * @throws OnnxFormatException      if the file is not a MobileNetV2 ONNX model we can import,
     *                                  or its input's height or width is fixed at another size
     *                                  (the message says which)
     * @throws IOException              if the file cannot be read or is not a regular file
     * @throws NullPointerException     if {@code file} is null
     */
    public static OnnxModel load(Path file, int resolution) throws IOException {
        checkResolution(resolution);
        return loadAt(file, resolution);
    }

    /** {@link #load(Path, int)}, or {@link #load(Path)} where {@code resolution} is null. */
    private static OnnxModel loadAt(Path file, Integer resolution) throws IOException {
        Objects.requireNonNull(file, "file");
        IoErrors.requireNonEmpty(file, "model file path", "a .onnx file");
        requireRegularFile(file);
        // One byte array holds the file: a larger one failed as an OutOfMemoryError.
        long size = Files.isRegularFile(file) ? Files.size(file) : 0;
        if (size > MAX_FILE_BYTES) {
            throw new OnnxFormatException(file + ": " + size + " bytes, more than the "
                    + MAX_FILE_BYTES + " an ONNX model file may have");
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return readAt(bytes, resolution);
        } catch (OnnxFormatException e) {
            throw new OnnxFormatException(file + ": " + e.getMessage(), e);
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
                    ? "a directory" : "not a regular file") + ", expected a regular .onnx file");
        }
    }

    /**
     * Whether {@code head}, the first bytes of a file, start as an ONNX model's do: the
     * ModelProto's ir_version, then only the fields a writer puts before the graph (producer,
     * domain, model version, doc string), then the start of a graph or an opset import whose
     * length fits the file. A cheap test on a few KB, for naming a file's format in a message
     * (an ONNX model named {@code .tflite}); {@link #read} is what tells whether a file is one
     * this library imports.
     *
     * @param head     the file's first bytes (4 KB hold the start of every export seen)
     * @param fileSize the whole file's size in bytes
     * @return whether the bytes start as an ONNX model's
     */
    public static boolean startsLikeModel(byte[] head, long fileSize) {
        Objects.requireNonNull(head, "head");
        return OnnxProto.startsLikeModel(head, fileSize);
    }

    /**
     * Imports a model from the bytes of a {@code .onnx} file, at the input size it fixes (see
     * {@link #load(Path)}; {@link #read(byte[], int)} gives one where it fixes none).
     *
     * @param bytes the file's bytes
     * @return the imported model
     * @throws OnnxFormatException if the bytes are not a MobileNetV2 ONNX model we can import, or
     *                             their metadata {@value OnnxExporter#NORMALIZATION_METADATA_KEY}
     *                             is malformed
     * @throws NullPointerException if {@code bytes} is null
     */
    public static OnnxModel read(byte[] bytes) throws OnnxFormatException {
        return readAt(bytes, null);
    }

    /**
     * Imports a model from the bytes of a {@code .onnx} file to run at {@code resolution}, as
     * {@link #load(Path, int)} does: for a model whose input height and width are not fixed.
     *
     * @param bytes      the file's bytes
     * @param resolution the input height and width, {@value ModelConfig#MIN_RESOLUTION} to
     *                   {@value ModelConfig#MAX_RESOLUTION}
     * @return the imported model, its {@link ModelConfig#resolution()} {@code resolution}
     * @throws IllegalArgumentException if {@code resolution} is out of range
     * @throws OnnxFormatException      if the bytes are not a MobileNetV2 ONNX model we can
     *                                  import, or its input's height or width is fixed at
     *                                  another size (the message says which)
     * @throws NullPointerException     if {@code bytes} is null
     */
    public static OnnxModel read(byte[] bytes, int resolution) throws OnnxFormatException {
        checkResolution(resolution);
        return readAt(bytes, resolution);
    }

    /** Refuses a resolution the plan does not take, as {@link ModelConfig} words it. */
    private static void checkResolution(int resolution) {
        if (resolution < ModelConfig.MIN_RESOLUTION || resolution > ModelConfig.MAX_RESOLUTION) {
            throw new IllegalArgumentException("resolution = " + resolution + " is not allowed:"
                    + " expected " + ModelConfig.MIN_RESOLUTION + " to "
                    + ModelConfig.MAX_RESOLUTION + " pixels");
        }
    }

    /** {@link #read(byte[], int)}, or {@link #read(byte[])} where {@code resolution} is null. */
    private static OnnxModel readAt(byte[] bytes, Integer resolution) throws OnnxFormatException {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 0) {
            throw new OnnxFormatException("empty file: not an ONNX model");
        }
        OnnxGraphImporter.Imported imp;
        OnnxProto.Model model;
        try {
            model = OnnxProto.readModel(bytes);
            imp = OnnxGraphImporter.importModel(model, resolution);
        } catch (OnnxFormatException e) {
            // A TensorFlow Lite file was "truncated or corrupt protobuf": name what it is instead.
            if (bytes.length >= 8 && new String(bytes, 4, 4, StandardCharsets.ISO_8859_1)
                    .equals("TFL3")) {
                throw new OnnxFormatException("a TensorFlow Lite model (file identifier 'TFL3'),"
                        + " not ONNX: read it with TfliteModel (" + e.getMessage() + ")", e);
            }
            throw e;
        }
        String norm = model.metadata().get(OnnxExporter.NORMALIZATION_METADATA_KEY);
        return new OnnxModel(imp.config(), imp.weights(), imp.inputName(), imp.nhwcInput(),
                imp.outputName(), imp.summary(),
                norm == null ? null : NormalizationMetadata.parse(norm), imp.warning());
    }

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
     * Name of the graph's image input: NCHW, or NHWC where {@link #nhwcInput()}.
     *
     * @return the input's name
     */
    public String inputName() { return inputName; }

    /**
     * Whether the graph's input is NHWC {@code [N, size, size, 3]}, transposed to NCHW for the
     * stem (as tf2onnx writes a Keras model), rather than NCHW {@code [N, 3, size, size]}: the
     * layout ONNX Runtime takes the image in when run on the same file. Our network runs NHWC
     * either way.
     *
     * @return true for an NHWC input
     */
    public boolean nhwcInput() { return nhwcInput; }

    /**
     * Name of the graph's output.
     *
     * @return the output's name
     */
    public String outputName() { return outputName; }

    /**
     * A one-line summary: configuration, node count (and how many were ignored, reaching no
     * graph output), opset, producer and weight type.
     *
     * @return the summary
     */
    public String description() { return description; }

    /**
     * What the caller should know about how the file was read: that it imports a default-domain
     * opset newer than 22, the newest this library knows, whose operators were read with their
     * opset 22 meaning, and which nodes were ignored as none of their outputs reaches the graph
     * output (the first ten named, then how many more; unused Constants, which compute nothing,
     * are not named). The model loads all the same.
     *
     * @return the warning; empty when there is none
     */
    public Optional<String> warning() { return Optional.ofNullable(warning); }

    /**
     * How 8-bit RGB pixels are turned into the network's input, as the file's metadata records it
     * ({@value OnnxExporter#NORMALIZATION_METADATA_KEY}, written by {@link OnnxExporter}), or
     * empty when it records none (torchvision exports: they take
     * {@link InputNormalization#IMAGENET}).
     *
     * @return the recorded normalisation, or empty
     */
    public Optional<InputNormalization> inputNormalization() {
        return Optional.ofNullable(inputNormalization);
    }

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
     * A classifier on the fastest backend with the input normalisation the file records, naming
     * classes {@code "class <i>"} (ONNX files carry no labels).
     *
     * @return the classifier, to be closed after use
     * @throws IllegalStateException if the file records no input normalisation: give one to
     *                               {@link #classifier(InputNormalization)}
     */
    public Classifier classifier() {
        if (inputNormalization == null) {
            throw new IllegalStateException("the model records no input normalisation (metadata "
                    + OnnxExporter.NORMALIZATION_METADATA_KEY + "): give one to"
                    + " classifier(InputNormalization), e.g. InputNormalization.IMAGENET for"
                    + " torchvision models or InputNormalization.minusOneToOne() for models"
                    + " converted from TensorFlow");
        }
        return classifier(inputNormalization);
    }

    /**
     * A classifier on the fastest backend normalising pixels with {@code normalization} (whatever
     * the file records), naming classes {@code "class <i>"}.
     *
     * @param normalization the input normalisation
     * @return the classifier, to be closed after use
     * @throws NullPointerException if {@code normalization} is null
     */
    public Classifier classifier(InputNormalization normalization) {
        return classifier(KernelSets.best(), normalization, Labels.none(), Classifier.DEFAULT_TOP_K,
                1);
    }

    /**
     * A classifier on {@code kernels} normalising pixels with {@code normalization} (e.g.
     * {@code inputNormalization().orElse(InputNormalization.IMAGENET)}), naming classes with
     * {@code labels} and reporting the top {@code topK}, each inference split across
     * {@code threads} threads (see {@link Classifier}).
     *
     * @param kernels the backend
     * @param normalization the input normalisation
     * @param labels names the classes: one name per class of the model, or
     *               {@link Labels#none()}
     * @param topK the number of classes reported, at least 1
     * @param threads threads per inference
     * @return the classifier, to be closed after use
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code labels} has names but not one per class,
     *                                  {@code topK} is less than 1 or {@code threads} out of
     *                                  range
     */
    public Classifier classifier(KernelSet kernels, InputNormalization normalization,
                                 Labels labels, int topK, int threads) {
        Objects.requireNonNull(kernels, "kernels");
        Objects.requireNonNull(normalization, "normalization"); // before building the network
        Objects.requireNonNull(labels, "labels");
        return new Classifier(network(kernels), normalization, labels, topK, threads);
    }

    /**
     * This model written back as ONNX ({@link OnnxExporter}), with its recorded input
     * normalisation if it has one.
     *
     * @return the file's bytes
     */
    public byte[] toBytes() {
        return inputNormalization == null ? OnnxExporter.toBytes(weights)
                : OnnxExporter.toBytes(weights, inputNormalization);
    }

    /**
     * One image from NCHW (planar, as ONNX MobileNetV2 graphs take it) to NHWC (interleaved, as a
     * {@link dev.mobilenetsimd.Session} takes it). The sizes come in the order of the input's
     * layout, C, H, W here ({@link #nhwcToNchw} takes H, W, C).
     *
     * @param nchw the image, planar
     * @param channels its channels
     * @param height its rows
     * @param width its pixels per row
     * @return the image interleaved, a new array
     * @throws IllegalArgumentException if a size is below 1 or {@code nchw} does not hold
     *         {@code channels * height * width} floats
     */
    public static float[] nchwToNhwc(float[] nchw, int channels, int height, int width) {
        checkImage(nchw, channels, height, width);
        float[] out = new float[nchw.length];
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < plane; p++) {
                out[p * channels + c] = nchw[c * plane + p];
            }
        }
        return out;
    }

    /**
     * One image from NHWC (interleaved, a {@link dev.mobilenetsimd.Session}'s input) to NCHW
     * (planar). The sizes come in the order of the input's layout, H, W, C here
     * ({@link #nchwToNhwc} takes C, H, W).
     *
     * @param nhwc the image, interleaved
     * @param height its rows
     * @param width its pixels per row
     * @param channels its channels
     * @return the image planar, a new array
     * @throws IllegalArgumentException if a size is below 1 or {@code nhwc} does not hold
     *         {@code height * width * channels} floats
     */
    public static float[] nhwcToNchw(float[] nhwc, int height, int width, int channels) {
        checkImage(nhwc, channels, height, width);
        float[] out = new float[nhwc.length];
        int plane = height * width;
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < channels; c++) {
                out[c * plane + p] = nhwc[p * channels + c];
            }
        }
        return out;
    }

    private static void checkImage(float[] image, int channels, int height, int width) {
        Objects.requireNonNull(image, "image");
        if (channels < 1 || height < 1 || width < 1
                || (long) channels * height * width != image.length) {
            throw new IllegalArgumentException("image of " + image.length + " floats is not "
                    + channels + "x" + height + "x" + width);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
