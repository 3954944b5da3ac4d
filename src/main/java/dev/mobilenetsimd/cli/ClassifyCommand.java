package dev.mobilenetsimd.cli;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.image.Classification;
import dev.mobilenetsimd.image.Classifier;
import dev.mobilenetsimd.image.ImageDecoder;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.IoErrors;
import dev.mobilenetsimd.image.Labels;
import dev.mobilenetsimd.image.Prediction;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.tflite.ModelFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code classify --model MODEL [--labels L.txt] [--normalization NORM] [--resolution PIXELS]
 * IMAGE...}: imports a TensorFlow Lite or ONNX MobileNetV2 and prints, per image, the most
 * probable classes (index, label, softmax probability) and the inference latency, as text or as
 * JSON ({@code --json}). {@code --resolution} is the size to run an ONNX model at whose input
 * height and width are not fixed; a model of a fixed size takes only its own.
 *
 * <p>The format is read from the file as {@link ModelFile} says: a TensorFlow Lite file is
 * marked {@code TFL3} in its header; ONNX has no mark, so a file without it is read as ONNX
 * unless it is named {@code .tflite}.
 *
 * <p>The input normalisation is {@code --normalization} when given (for either format: it
 * overrides the model's), else the model's: a TensorFlow Lite model's input quantization, an ONNX
 * model's metadata as {@code export-onnx} records it. An ONNX model that records none and no
 * option is refused: guessing would classify torchvision's models or TensorFlow's wrongly.
 *
 * <p>An image that cannot be read, decoded or resized in the heap is reported on stderr (and as
 * {@code {"image": ..., "error": ...}} in the JSON) and the others are classified. The paths
 * are checked before the backend is chosen (which may load the kernels and warn): a model or
 * labels file that cannot be read stops the run there, and an image that is not a readable
 * file is reported there. The JSON
 * document is printed whole once every image is done: a failure that stops the run leaves
 * nothing on stdout, never half a document.
 *
 * <p>Exit code 0 when every image was classified, 1 when some image could not be read, 2 when the
 * options are bad or the model cannot be loaded.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Classify JPEG, PNG or BMP images with a MobileNetV2 model: TensorFlow Lite"
                + " (.tflite) or ONNX (.onnx).")
public final class ClassifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "MobileNetV2 model: TensorFlow Lite (float or quantized) or ONNX; the"
                    + " format is read from the file (TensorFlow Lite files are marked TFL3).")
    Path model;

    @Option(names = {"-r", "--resolution"}, paramLabel = "PIXELS",
            description = "Input height and width to run an ONNX model at whose input size is"
                    + " not fixed (its height and width symbolic or unknown, as torch.onnx"
                    + " exports them with dynamic axes), " + ModelConfig.MIN_RESOLUTION + " to "
                    + ModelConfig.MAX_RESOLUTION + "; for a model of a fixed size it must be"
                    + " that size. Default: the model's own size (refused where it has none).")
    Integer resolution;

    @Option(names = "--normalization", paramLabel = "NORM",
            description = "How pixel values p (0-255) become the model's input: imagenet ="
                    + " (p/255 - mean) / std with ImageNet's mean 0.485,0.456,0.406 and std"
                    + " 0.229,0.224,0.225 (torchvision models, the ONNX model zoo's);"
                    + " minus-one-to-one = (p - 127.5) / 127.5 (TensorFlow's MobileNets); or"
                    + " MEAN/STD, three values each for red, green, blue on p/255, e.g."
                    + " 0.5,0.5,0.5/0.25,0.25,0.25. Default: what the model records (a .tflite"
                    + " model's input quantization; an .onnx model's metadata, as export-onnx"
                    + " writes it); when given, it overrides the model's. Required for an ONNX"
                    + " model that records none.")
    String normalization;

    @Option(names = {"-l", "--labels"}, paramLabel = "LABELS",
            description = "Text file with one label per class, line i naming class i (default:"
                    + " labels embedded in the model, if any: a .tflite model's; ONNX models have"
                    + " none, and classes are then named \"class <i>\").")
    Path labels;

    @Option(names = {"-k", "--top"}, defaultValue = "5", paramLabel = "K",
            description = "Top-k: classes to report per image, the most probable first, 1 or"
                    + " more (all of them where K passes the model's classes); not the model's"
                    + " class count, as the other commands' -k is. Default: ${DEFAULT-VALUE}.")
    int top;

    // -b as in run: "classify -b scalar" was an unknown option
    @Option(names = {"-b", "--backend"}, defaultValue = "auto", paramLabel = "vector|scalar|auto",
            description = "Kernels: vector (needs --add-modules jdk.incubator.vector), scalar, or"
                    + " auto. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--json", description = "Print one JSON document instead of text.")
    boolean json;

    @Option(names = {"-w", "--warmup"}, defaultValue = "0", paramLabel = "N",
            description = "Untimed inferences on a blank image first, so the reported latency"
                    + " excludes JIT compilation (the first few inferences run slowly), 0 to"
                    + " 1000000."
                    + " Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = {"-t", "--threads"}, defaultValue = "1", paramLabel = "N",
            description = "Threads per inference, 1 to " + MobileNetV2.MAX_THREADS + " (the same"
                    + " probabilities as one thread). Default: ${DEFAULT-VALUE}.")
    int threads;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Images to classify.")
    List<Path> images;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String empty = emptyPath();
        if (empty != null) {
            Main.error(err, empty);
            return 2;
        }
        if (top < 1) {
            Main.error(err, "--top " + top + ": expected at least 1");
            return 2;
        }
        if (warmup < 0 || warmup > RunCommand.MAX_ITERATIONS) {
            Main.error(err, "--warmup " + warmup + ": expected 0 to "
                    + RunCommand.MAX_ITERATIONS);
            return 2;
        }
        if (threads < 1 || threads > MobileNetV2.MAX_THREADS) { // before the model is read
            Main.error(err, "--threads " + threads + ": expected 1 to "
                    + MobileNetV2.MAX_THREADS);
            return 2;
        }
        String badResolution = ModelFile.checkResolution(resolution); // before the model is read
        if (badResolution != null) {
            Main.error(err, badResolution);
            return 2;
        }
        try { // before the model is read: an unknown name was reported as "cannot load MODEL"
            // the backend itself is chosen after the files
            KernelSets.checkName(backend);
        } catch (IllegalArgumentException e) {
            Main.error(err, e.getMessage());
            return 2;
        }
        InputNormalization given = null;
        if (normalization != null) { // before the model is read
            try {
                given = parseNormalization(normalization);
            } catch (IllegalArgumentException e) {
                Main.error(err, "--normalization " + normalization + ": " + e.getMessage());
                return 2;
            }
        }
        ModelFile m = load(err);
        if (m == null) {
            return 2;
        }
        if (m.warning() != null) { // the model loads all the same
            Main.warning(err, model + ": " + m.warning());
        }
        InputNormalization norm = given != null ? given : m.normalization();
        if (norm == null) {
            Main.error(err, model + ": an ONNX model that records no input normalisation:"
                    + " give --normalization imagenet ((p/255 - mean) / std with ImageNet's mean"
                    + " and std: torchvision exports) or --normalization minus-one-to-one"
                    + " ((p - 127.5) / 127.5: models converted from TensorFlow)");
            return 2;
        }
        Labels names;
        final int classes = m.config().classes();
        try {
            // at most one name per class: past that the file is wrong, read no further
            names = labels == null ? m.labels() : Labels.read(labels, classes).orElse(null);
        } catch (IOException e) {
            Main.error(err, "cannot read the labels " + labels + ": " + IoErrors.reason(e));
            return 2;
        } catch (IllegalArgumentException e) {
            Main.error(err, "cannot read the labels " + labels + ": " + e.getMessage());
            return 2;
        }
        if (labels != null && (names == null || names.size() != classes)) {
            // Shifted by a line (ImageNet's 1000 names for the 1001 classes with "background"),
            // every class would be named wrongly without a word.
            Main.error(err, "the labels " + labels + " have " + (names == null
                    ? "more than " + classes : String.valueOf(names.size())) + " lines, the"
                    + " model " + classes + " classes: expected one line per class"
                    + " (line i names class i)");
            return 2;
        }
        if (labels == null && m.labelsProblem() != null) {
            // The classes were shown by number without a word (a .tflite cut short).
            Main.warning(err, model + ": embedded labels not read, classes shown by number"
                    + " (--labels names them): " + m.labelsProblem());
        }
        // The files first, the backend after them: choosing it may load the kernels and log a
        // warning (auto without the Vector API), which came before "no such file" for a typo.
        Map<Integer, Exception> unreadable = unreadableImages();
        unreadable.forEach((i, e) -> Main.error(err, message(images.get(i), e)));
        err.flush(); // before the kernels' warning, which the logger writes to System.err
        KernelSet kernels;
        try {
            kernels = KernelSets.byName(backend);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            Main.error(err, e.getMessage());
            return 2;
        }
        Classifier classifier;
        try {
            classifier = new Classifier(m.network().apply(kernels), norm, names, top, threads);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            Main.error(err, "cannot load " + model + ": " + e.getMessage());
            return 2;
        }
        String normSource = given != null ? "--normalization" : "the model";
        int failures = 0;
        // --json: the document is printed whole at the end, so that a failure that stops the
        // run leaves nothing on stdout rather than half a document (an image too large to
        // resize in the heap did, as an OutOfMemoryError).
        List<Object> results = new ArrayList<>();
        try (Classifier c = classifier) {
            int side = m.config().resolution();
            for (int i = 0; i < warmup; i++) {
                c.classifyPreprocessed(new byte[side * side * 3]);
            }
            if (!json) {
                out.println(Printable.of(m.description()) + " on "
                        + c.network().kernels().name()
                        + (threads > 1 ? ", " + threads + " threads" : ""));
                out.println("input normalisation " + norm + ", from " + normSource);
            }
            for (int i = 0; i < images.size(); i++) {
                Path img = images.get(i);
                Exception failure = unreadable.get(i); // reported already
                if (failure == null) {
                    try {
                        Classification r = c.classify(img);
                        if (json) {
                            results.add(resultJson(img, r));
                        } else {
                            printText(out, img, r);
                        }
                    } catch (IOException | RuntimeException e) {
                        failure = e;
                        Main.error(err, message(img, e));
                    }
                }
                if (failure != null) {
                    failures++;
                    Map<String, Object> failed = new LinkedHashMap<>();
                    failed.put("image", img.toString());
                    failed.put("error", message(img, failure)); // as on stderr
                    results.add(failed);
                }
            }
            if (json) {
                // the same keys and config object as run and plan write
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("model", model.toString());
                doc.put("description", m.description());
                doc.put("config", PlanCommand.configJson(m.config()));
                doc.put("backend", c.network().kernels().name());
                // as run's: the latencies depend on them, and `java` on PATH may not be JDK 25
                doc.put("jvm", Runtime.version().toString());
                doc.put("threads", threads);
                doc.put("warmup", warmup);
                doc.put("normalization", norm.toString());
                doc.put("normalizationFrom", normSource);
                doc.put("results", results);
                out.print(Json.write(doc));
            }
        }
        out.flush();
        return failures == 0 ? 0 : 1;
    }

    /**
     * The error for the first empty path given, or null if none is: an empty path is the working
     * directory, and "-m ''" was reported as "cannot load : a directory".
     */
    private String emptyPath() {
        if (model.toString().isEmpty()) {
            return "-m/--model is empty: expected the model file to read";
        }
        if (labels != null && labels.toString().isEmpty()) {
            return "-l/--labels is empty: expected the labels file to read";
        }
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i).toString().isEmpty()) {
                return "IMAGE " + (i + 1) + " of " + images.size() + " is empty: expected an"
                        + " image file";
            }
        }
        return null;
    }

    /**
     * By their index, the {@link #images} that are not readable files, each with what
     * {@link ImageDecoder#read} throws for it: it refuses such a path before decoding anything.
     * The others are read as they are classified.
     */
    private Map<Integer, Exception> unreadableImages() {
        Map<Integer, Exception> unreadable = new TreeMap<>(); // in the images' order
        for (int i = 0; i < images.size(); i++) {
            Path img = images.get(i);
            if (!Files.isRegularFile(img) || !Files.isReadable(img)) {
                try {
                    ImageDecoder.read(img); // a file readable after all is read again later
                } catch (IOException | RuntimeException e) {
                    unreadable.put(i, e);
                }
            }
        }
        return unreadable;
    }

    /**
     * An image's failure, as its error line and its JSON "error" alike: our I/O messages name
     * the file, others get it as "IMG: message" (stderr had the exception's class after the
     * file, and the JSON the message alone, without the file).
     */
    private static String message(Path img, Exception e) {
        if (e instanceof IOException && e.getMessage() != null) {
            return e.getMessage();
        }
        return img + ": " + (e.getMessage() != null ? e.getMessage() : e.toString());
    }

    /**
     * Loads {@link #model} ({@link ModelFile} chooses the format); prints one {@code error:} line
     * and returns null when it cannot.
     */
    private ModelFile load(PrintWriter err) {
        try {
            return ModelFile.load(model, resolution);
        } catch (ModelFormatException e) { // its message names the file
            Main.error(err, e.getMessage());
        } catch (IOException e) {
            Main.error(err, "cannot load " + model + ": " + IoErrors.reason(e));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            Main.error(err, "cannot load " + model + ": " + e.getMessage());
        }
        return null;
    }

    /**
     * The value of {@code --normalization}: {@code imagenet}, {@code minus-one-to-one} or
     * {@code R,G,B/R,G,B} (mean and std on pixels scaled to [0, 1]).
     *
     * @throws IllegalArgumentException naming the problem and the expected form
     */
    static InputNormalization parseNormalization(String value) {
        String v = value.strip(); // its numbers as typed: "NaN" was echoed as 'nan' "not a number"
        String name = v.toLowerCase(Locale.ROOT);
        if (name.equals("imagenet")) {
            return InputNormalization.IMAGENET;
        }
        if (name.equals("minus-one-to-one")) {
            return InputNormalization.minusOneToOne();
        }
        String expected = "; expected imagenet, minus-one-to-one or MEAN/STD, three values each"
                + " for red, green, blue on p/255 (e.g. 0.5,0.5,0.5/0.25,0.25,0.25)";
        String[] parts = v.split("/", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("not a known name nor MEAN/STD" + expected);
        }
        // meanStd's messages name the bad value and the expected form
        return InputNormalization.meanStd(numbers(parts[0], "mean", expected),
                numbers(parts[1], "std", expected));
    }

    private static double[] numbers(String list, String what, String expected) {
        String[] items = list.split(",", -1);
        double[] v = new double[items.length];
        for (int i = 0; i < items.length; i++) {
            String item = items[i].strip();
            // parseDouble alone took "1d", "0.5f" and "0x1p0" as 1 and 0.5
            if (!Numbers.isDecimal(item)) {
                throw new IllegalArgumentException(what + " value '" + item + "' is not a"
                        + " decimal number" + expected);
            }
            v[i] = Double.parseDouble(item);
        }
        return v;
    }

    /**
     * An image's lines: its path and latency, then a row per class. A path or label that holds
     * a line break or another control character has it escaped ({@link Printable}), so that
     * each row stays one line: a label's ESC or vertical tab reached the terminal as such.
     */
    private static void printText(PrintWriter out, Path img, Classification r) {
        out.printf(Locale.ROOT, "%s  (inference %.2f ms)%n", Printable.of(img.toString()),
                r.inferenceNanos() / 1e6);
        int width = 30; // the probabilities in one column, past the longest label too
        for (Prediction p : r.top()) {
            width = Math.max(width, Printable.of(p.label()).length());
        }
        for (Prediction p : r.top()) {
            out.printf(Locale.ROOT, "  %5d  %-" + width + "s %.4f%n", p.index(),
                    Printable.of(p.label()), p.probability());
        }
    }

    /** An image's JSON object: its path, latency and classes, probabilities as numbers. */
    private static Map<String, Object> resultJson(Path img, Classification r) {
        List<Object> top = new ArrayList<>();
        for (Prediction p : r.top()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("index", p.index());
            entry.put("label", p.label());
            entry.put("probability", p.probability());
            top.add(entry);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("image", img.toString());
        result.put("inferenceMs", r.inferenceNanos() / 1e6);
        result.put("top", top);
        return result;
    }
}
