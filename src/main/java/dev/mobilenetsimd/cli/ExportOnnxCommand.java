package dev.mobilenetsimd.cli;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.IoErrors;
import dev.mobilenetsimd.onnx.OnnxExporter;
import dev.mobilenetsimd.tflite.ModelFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code export-onnx -o OUT.onnx}: writes a MobileNetV2 as ONNX (opset 13, NCHW input, logits out),
 * either with random weights for the configuration options or imported from a TensorFlow Lite or
 * ONNX file ({@code --from}; {@link ModelFile} reads its format from the file; {@code -r}
 * then gives the size of an ONNX model whose input size is not fixed; the output's input is
 * NCHW even where the imported model's is NHWC). An imported
 * model's input normalisation (a TensorFlow Lite model's, or what an ONNX file records) is
 * recorded in the output's metadata, so that
 * {@code classify} needs no option for it. ONNX carries no labels: a TensorFlow Lite model's
 * embedded labels are not written, and one warning says so (or why they could not be read).
 * Exit status 0 when written, 2 for bad options or a model that cannot be imported, 1 when the
 * output cannot be written.
 */
@Command(name = "export-onnx", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Write a MobileNetV2 (random weights, or imported from .tflite/.onnx) as"
                + " an ONNX model (opset 13, input NCHW [N, 3, R, R] named 'input', output"
                + " 'logits').")
public final class ExportOnnxCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = {"-s", "--seed"}, defaultValue = "42", paramLabel = "SEED",
            description = "Seed of the random weights (without --from). Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--from", paramLabel = "MODEL",
            description = "Import the weights from this TensorFlow Lite or ONNX file instead,"
                    + " with its own configuration (so without -a, -k, -p or -s; -r is the"
                    + " size to read and write an ONNX model at whose input size is not fixed,"
                    + " and must be the size of a model that fixes one). Its input"
                    + " normalisation is recorded in the output's metadata; the output's input"
                    + " is NCHW even where the model's is NHWC.")
    Path from;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
            description = "The ONNX file to write (.onnx; not named .tflite), not the --from"
                    + " file; /dev/stdout for standard output (the summary then on stderr).")
    Path output;

    @Spec
    CommandSpec spec;

    /**
     * The options that only random weights take. --resolution is also the size to read a
     * model at whose input size is not fixed.
     */
    private static final List<String> RANDOM_WEIGHT_OPTIONS =
            List.of("--alpha", "--classes", "--padding", "--seed");

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (output.toString().isEmpty()) {
            Main.error(err, "-o/--output is empty: expected the ONNX file to write");
            err.flush();
            return 2;
        }
        String typed = spec.commandLine().getParseResult().matchedOption("--output")
                .stringValues().get(0);
        if (typed.equals("-")) {
            // Many tools read "-" as standard output; this wrote a file named "-" and printed
            // "wrote -", so that "-o - | gzip > m.gz" compressed that line.
            Main.error(err, "-o/--output -: expected the ONNX file to write (./- for a file"
                    + " named -, /dev/stdout for standard output)");
            err.flush();
            return 2;
        }
        boolean slash = typed.endsWith("/") || typed.endsWith(java.io.File.separator);
        if (slash || Files.isDirectory(output)) {
            // The path drops the separator: "-o out/" wrote a file named out. An existing
            // directory without one failed only when written, as "Is a directory" with status 1.
            Main.error(err, "-o/--output " + typed + " names a directory: expected the ONNX file"
                    + " to write (e.g. " + typed + (slash ? "" : java.io.File.separator)
                    + "model.onnx)");
            err.flush();
            return 2;
        }
        String name = output.getFileName() == null ? "" : output.getFileName().toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".tflite")) {
            // classify and --from read a file of that name as TensorFlow Lite only: the ONNX
            // model written was refused by the next command until renamed.
            Main.error(err, "-o/--output " + output + ": a file named .tflite is read as"
                    + " TensorFlow Lite only, and this writes ONNX: expected a name ending in"
                    + " .onnx (e.g. " + name.substring(0, name.length() - ".tflite".length())
                    + ".onnx)");
            err.flush();
            return 2;
        }
        if (from != null && from.toString().isEmpty()) { // the working directory
            Main.error(err, "--from is empty: expected the TensorFlow Lite or ONNX file to read");
            err.flush();
            return 2;
        }
        if (from != null) {
            // They were silently ignored: "-a 0.5 -r 96 --from m.tflite" wrote a 1.0/224 model.
            List<String> given = new ArrayList<>();
            for (String option : RANDOM_WEIGHT_OPTIONS) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    given.add(option);
                }
            }
            if (!given.isEmpty()) {
                Main.error(err, String.join(", ", given) + " and --from: the options describe"
                        + " random weights, and --from writes the model's own configuration;"
                        + " expected one or the other");
                err.flush();
                return 2;
            }
            String badResolution = ModelFile.checkResolution(fromResolution());
            if (badResolution != null) { // before the model is read
                Main.error(err, badResolution);
                err.flush();
                return 2;
            }
        }
        if (from != null && sameFile(from, output)) {
            // It was replaced: a .tflite file by ONNX bytes that no reader of its name takes.
            Main.error(err, "-o/--output " + output + " is the --from model itself: expected"
                    + " another file, so that the model read is not replaced");
            err.flush();
            return 2;
        }
        Weights weights;
        InputNormalization normalization = null; // none for random weights
        ModelFile m = null; // none for random weights
        String source;
        if (from == null) {
            ModelConfig config = options.toConfig();
            OnnxExporter.checkSize(config); // before making weights that cannot be written
            weights = Weights.random(config, seed);
            source = "random weights (seed " + seed + ")";
        } else {
            try {
                m = ModelFile.load(from, fromResolution());
                weights = m.weights();
                normalization = m.normalization();
                if (m.warning() != null) { // the model is written all the same
                    Main.warning(err, from + ": " + m.warning());
                }
            } catch (ModelFormatException e) {
                Main.error(err, e.getMessage());
                err.flush();
                return 2;
            } catch (IOException e) {
                Main.error(err, "cannot read " + from + ": " + IoErrors.reason(e));
                err.flush();
                return 2;
            }
            source = from.toString();
        }
        // The model on standard output (-o /dev/stdout): the summary goes to stderr, as after
        // the model's bytes it made them no ONNX file.
        PrintWriter summary = isStandardOutput(output) ? err : out;
        try {
            long bytes = normalization == null ? OnnxExporter.write(weights, output)
                    : OnnxExporter.write(weights, normalization, output);
            summary.printf(Locale.ROOT, "wrote %s: %s from %s, %,d bytes; input normalisation"
                    + " %s%n",
                    Printable.of(output.toString()), weights.config(), Printable.of(source), bytes,
                    normalization == null ? "not recorded" : normalization);
            if (m != null && m.labels().size() > 0) {
                // They were dropped without a word: classify then showed class numbers.
                Main.warning(err, from + ": its " + m.labels().size() + " embedded labels are"
                        + " not written to " + output + ": ONNX files carry no labels"
                        + " (classify's --labels names the classes, one line per class)");
            } else if (m != null && m.labelsProblem() != null) {
                // A damaged archive went unreported here; classify warns of it too.
                Main.warning(err, from + ": embedded labels not read, and ONNX files carry"
                        + " none (classify's --labels names the classes, one line per class): "
                        + m.labelsProblem());
            }
        } catch (IOException e) {
            Main.error(err, "cannot write " + output + ": " + IoErrors.reason(e));
            err.flush();
            return 1;
        }
        out.flush();
        err.flush();
        return 0;
    }

    /** The --resolution given to read the --from model at, or null when none is given. */
    private Integer fromResolution() {
        return spec.commandLine().getParseResult().hasMatchedOption("--resolution")
                ? options.resolution : null;
    }

    /** Whether {@code file} is this process's standard output ({@code /dev/stdout}). */
    private static boolean isStandardOutput(Path file) {
        return sameFile(file, Path.of("/dev/stdout")); // no such device: stdout as ever
    }

    /** Whether {@code a} and {@code b} are one existing file (through links too). */
    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false; // the reader or the writer says why
        }
    }
}
