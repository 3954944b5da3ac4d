package dev.mobilenetsimd.image;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.Session;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Image in, top classes out: decodes, converts to RGB, resizes the whole image to the model's
 * resolution (Pillow-compatible bilinear, {@link PillowResize}), normalises, runs the network and
 * applies softmax to its logits. Thread-safe: calls are serialised on one {@link Session}; use one
 * classifier per thread for parallel throughput.
 *
 * <p>Every method throws {@link NullPointerException} for a null argument, and the ones that
 * run the network ({@code classify...}, {@code features...}) throw
 * {@link IllegalStateException} once the classifier is closed, before reading, decoding or
 * checking their argument.
 *
 * <pre>{@code
 * TfliteModel model = TfliteModel.load(Path.of("mobilenet_v2_1.0_224_quant.tflite"));
 * try (Classifier c = model.classifier()) {
 *     for (Prediction p : c.classify(Path.of("cat.bmp")).top()) {
 *         System.out.println(p.index() + " " + p.label() + " " + p.probability());
 *     }
 * }
 * }</pre>
 */
public final class Classifier implements AutoCloseable {
    /** Classes reported unless asked otherwise. */
    public static final int DEFAULT_TOP_K = 5;

    private final MobileNetV2 network;
    private final InputNormalization normalization;
    private final Labels labels;
    private final Session session;
    private final int topK;
    /** Set by {@link #close}: checked first, so a closed classifier reads no file. */
    private volatile boolean closed;

    /**
     * A classifier running {@code network} on images normalised by {@code normalization}, naming
     * classes with {@code labels}, reporting the {@code topK} most probable.
     *
     * @param network the model run
     * @param normalization turns the 8-bit pixels into the network's input
     * @param labels names the classes: one name per class of the network (name {@code i} for
     *               class {@code i}), or none ({@link Labels#none()})
     * @param topK the number of classes reported, at least 1
     * @throws IllegalArgumentException if {@code topK < 1}, or {@code labels} has names but not
     *         one per class
     */
    public Classifier(MobileNetV2 network, InputNormalization normalization, Labels labels,
            int topK) {
        this(network, normalization, labels, topK, 1);
    }

    /**
     * As {@link #Classifier(MobileNetV2, InputNormalization, Labels, int)}, each inference split
     * across {@code threads} threads ({@link MobileNetV2#newSession(int)}: the same
     * probabilities, bitwise, as on one thread). {@link #close} stops the workers.
     *
     * @param network the model run
     * @param normalization turns the 8-bit pixels into the network's input
     * @param labels names the classes: one name per class of the network, or none
     * @param topK the number of classes reported, at least 1
     * @param threads threads per inference
     * @throws IllegalArgumentException if {@code topK < 1}, {@code labels} has names but not one
     *         per class, or {@code threads} is not 1 to {@link MobileNetV2#MAX_THREADS}
     */
    public Classifier(MobileNetV2 network, InputNormalization normalization, Labels labels,
                      int topK, int threads) {
        this.network = Objects.requireNonNull(network, "network");
        this.normalization = Objects.requireNonNull(normalization, "normalization");
        this.labels = Objects.requireNonNull(labels, "labels");
        if (topK < 1) {
            throw new IllegalArgumentException("topK = " + topK + ": must be at least 1");
        }
        checkLabels(labels, network.config().classes());
        this.topK = topK;
        this.session = network.newSession(threads);
    }

    /**
     * As {@link #Classifier(MobileNetV2, InputNormalization, Labels, int)} with the top
     * {@value #DEFAULT_TOP_K}.
     *
     * @param network the model run
     * @param normalization turns the 8-bit pixels into the network's input
     * @param labels names the classes: one name per class of the network, or none
     * @throws IllegalArgumentException if {@code labels} has names but not one per class
     */
    public Classifier(MobileNetV2 network, InputNormalization normalization, Labels labels) {
        this(network, normalization, labels, DEFAULT_TOP_K);
    }

    /**
     * Refuses labels with names but not one per class: shifted by a line (ImageNet's 1000 names
     * for the 1001 classes with "background"), or from another model's file, they named classes
     * wrongly without a word.
     */
    private static void checkLabels(Labels labels, int classes) {
        if (labels.size() != 0 && labels.size() != classes) {
            throw new IllegalArgumentException("the labels have " + labels.size()
                    + (labels.size() == 1 ? " name" : " names") + ", the model " + classes
                    + (classes == 1 ? " class" : " classes") + ": expected one name per class"
                    + " (name i for class i), or Labels.none()");
        }
    }

    /**
     * The network this classifier runs.
     *
     * @return the network
     */
    public MobileNetV2 network() { return network; }

    /**
     * The labels used to name classes.
     *
     * @return the labels
     */
    public Labels labels() { return labels; }

    /**
     * How pixels are normalised for the network.
     *
     * @return the normalisation
     */
    public InputNormalization normalization() { return normalization; }

    /**
     * Classifies the JPEG, PNG or BMP image in {@code file}.
     *
     * @param file the image file
     * @return the top classes and all probabilities
     * @throws IOException if the file cannot be read or decoded, or its image or the resizing's
     *                     intermediate image does not fit in the Java heap (the next image may)
     * @throws IllegalArgumentException if {@code file} is the empty path, or resizing the
     *         file's image makes an intermediate image (the model's resolution wide, the
     *         image's height tall) of more than {@link ImageDecoder#MAX_PIXELS} pixels
     */
    public Classification classify(Path file) throws IOException {
        checkOpen();
        return classifyPreprocessed(resized(file).pixels());
    }

    /**
     * The image in {@code file} decoded and resized, with running out of heap as an
     * {@link IOException} of that file, as {@link ImageDecoder#read} reports it: the horizontal
     * pass of an image 1 pixel wide and 10^6 tall makes a (resolution x 10^6) image, and its
     * {@link OutOfMemoryError} stopped the CLI's run, blaming the model.
     */
    private RgbImage resized(Path file) throws IOException {
        RgbImage image = ImageDecoder.read(file);
        int r = network.config().resolution();
        try {
            return preprocess(image);
        } catch (OutOfMemoryError e) { // the intermediate image: garbage once this unwinds
            String what = image.width() == r ? "it" : String.format(java.util.Locale.ROOT,
                    "the intermediate %dx%d image (%,d MiB)", r, image.height(),
                    3L * r * image.height() >> 20); // the horizontal pass's, first
            throw new IOException(String.format(java.util.Locale.ROOT, "cannot resize image %s"
                    + " (%dx%d) to %dx%d: %s does not fit in the Java heap (at most %,d MiB);"
                    + " raise it with -Xmx", file, image.width(), image.height(), r, r, what,
                    Runtime.getRuntime().maxMemory() >> 20), e);
        }
    }

    /**
     * Classifies {@code image} (any size, any colour model).
     *
     * @param image the image
     * @return the top classes and all probabilities
     * @throws IllegalArgumentException if {@code image} has more than
     *         {@link ImageDecoder#MAX_PIXELS} pixels, is CMYK other than four 8-bit inks
     *         without alpha ({@link ImageDecoder#toRgb}), or resizing it makes an
     *         intermediate image (the model's resolution wide, its height tall) of more
     *         than {@link ImageDecoder#MAX_PIXELS} pixels
     */
    public Classification classify(BufferedImage image) {
        checkOpen(); // before converting a large image for nothing
        return classify(ImageDecoder.toRgb(image));
    }

    /**
     * Classifies {@code image}, resizing it to the model resolution first.
     *
     * @param image the image
     * @return the top classes and all probabilities
     * @throws IllegalArgumentException if resizing {@code image} makes an intermediate image
     *         (the model's resolution wide, {@code image}'s height tall) of more than
     *         {@link ImageDecoder#MAX_PIXELS} pixels
     */
    public Classification classify(RgbImage image) {
        checkOpen();
        return classifyPreprocessed(preprocess(image).pixels());
    }

    /**
     * {@code image} resized to the model resolution, as the network will see it (before
     * normalisation).
     *
     * @param image the image
     * @return {@code image} itself if it already has the model's resolution, else a resized copy
     * @throws IllegalArgumentException if resizing {@code image} makes an intermediate image
     *         (the model's resolution wide, {@code image}'s height tall) of more than
     *         {@link ImageDecoder#MAX_PIXELS} pixels
     */
    public RgbImage preprocess(RgbImage image) {
        Objects.requireNonNull(image, "image is null");
        int r = network.config().resolution();
        return image.width() == r && image.height() == r
                ? image : PillowResize.bilinear(image, r, r);
    }

    /**
     * Classifies an already resized image: {@code resolution * resolution * 3} bytes, RGB
     * interleaved (the uint8 input of a TensorFlow Lite model), normalised here.
     *
     * @param rgb the resized image's bytes
     * @return the top classes and all probabilities
     * @throws IllegalArgumentException if {@code rgb} does not have
     *         {@code resolution * resolution * 3} bytes
     */
    public Classification classifyPreprocessed(byte[] rgb) {
        checkOpen();
        float[] input = normalization.apply(checkPreprocessed(rgb));
        float[] logits;
        long t0, t1;
        synchronized (session) {
            t0 = System.nanoTime();
            logits = session.run(input);
            t1 = System.nanoTime();
        }
        float[] p = Classification.softmax(logits);
        List<Prediction> top = new ArrayList<>(Math.min(topK, p.length)); // topK may be huge
        for (int i : Classification.topK(p, topK)) {
            top.add(new Prediction(i, labels.get(i), p[i]));
        }
        return new Classification(top, p, t1 - t0);
    }

    /**
     * The pooled features of the JPEG, PNG or BMP image in {@code file}, preprocessed as for
     * {@link #classify(Path)}: the image embedding of {@link Session#features(float[])},
     * {@link MobileNetV2#featureLength()} floats.
     *
     * @param file the image file
     * @return the features, a new array
     * @throws IOException if the file cannot be read or decoded, or does not fit in the Java
     *                     heap, as for {@link #classify(Path)}
     * @throws IllegalArgumentException if {@code file} is the empty path, or resizing the
     *         file's image makes an intermediate image (the model's resolution wide, the
     *         image's height tall) of more than {@link ImageDecoder#MAX_PIXELS} pixels
     */
    public float[] features(Path file) throws IOException {
        checkOpen();
        return featuresPreprocessed(resized(file).pixels());
    }

    /**
     * The pooled features of {@code image} (any size, any colour model).
     *
     * @param image the image
     * @return the features, a new array
     * @throws IllegalArgumentException if {@code image} has more than
     *         {@link ImageDecoder#MAX_PIXELS} pixels, is CMYK other than four 8-bit inks
     *         without alpha ({@link ImageDecoder#toRgb}), or resizing it makes an
     *         intermediate image (the model's resolution wide, its height tall) of more
     *         than {@link ImageDecoder#MAX_PIXELS} pixels
     */
    public float[] features(BufferedImage image) {
        checkOpen();
        return features(ImageDecoder.toRgb(image));
    }

    /**
     * The pooled features of {@code image}, resized to the model resolution first.
     *
     * @param image the image
     * @return the features, a new array
     * @throws IllegalArgumentException if resizing {@code image} makes an intermediate image
     *         (the model's resolution wide, {@code image}'s height tall) of more than
     *         {@link ImageDecoder#MAX_PIXELS} pixels
     */
    public float[] features(RgbImage image) {
        checkOpen();
        return featuresPreprocessed(preprocess(image).pixels());
    }

    /**
     * The pooled features of an already resized image ({@code resolution * resolution * 3}
     * bytes, RGB interleaved), normalised here.
     *
     * @param rgb the resized image's bytes
     * @return the features, a new array
     * @throws IllegalArgumentException if {@code rgb} does not have
     *         {@code resolution * resolution * 3} bytes
     */
    public float[] featuresPreprocessed(byte[] rgb) {
        checkOpen();
        float[] input = normalization.apply(checkPreprocessed(rgb));
        synchronized (session) {
            return session.features(input);
        }
    }

    /**
     * Fails once closed, before any other work: the session's own check came only after the
     * file was read and decoded, so a closed classifier reported a missing or damaged file as
     * {@link IOException} rather than itself as closed.
     */
    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("classifier is closed");
        }
    }

    /** {@code rgb} if it is one preprocessed image; else the exception the methods document. */
    private byte[] checkPreprocessed(byte[] rgb) {
        Objects.requireNonNull(rgb, "preprocessed image is null");
        int n = network.inputLength();
        if (rgb.length != n) {
            int r = network.config().resolution();
            throw new IllegalArgumentException("a preprocessed image must have " + n + " bytes ("
                    + r + "x" + r + "x3), got " + rgb.length);
        }
        return rgb;
    }

    /**
     * Releases the session's memory and stops its workers, once a call running on another
     * thread has returned; idempotent. Later classifications fail with
     * {@link IllegalStateException}.
     */
    @Override
    public void close() {
        synchronized (session) {
            closed = true;
            session.close();
        }
    }
}
