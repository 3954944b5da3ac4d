package dev.mobilenetsimd.cli;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.Labels;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.onnx.OnnxModel;
import dev.mobilenetsimd.tflite.ModelFormatException;
import dev.mobilenetsimd.tflite.TfliteModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Function;

/**
 * A MobileNetV2 read from a TensorFlow Lite or an ONNX file, whichever the file holds: what
 * {@code classify} and {@code export-onnx --from} need of either format.
 *
 * <p>A TensorFlow Lite file says what it is (bytes 4 to 7 are {@code TFL3}); ONNX has no such
 * mark. So a file with the mark, or named {@code .tflite}, is read as TensorFlow Lite; one named
 * {@code .onnx} as ONNX; any other as ONNX, and if that fails too the error names both formats
 * (a damaged file of an unknown name was reported as a bad TensorFlow Lite file alone). A file
 * named {@code .tflite} without the mark whose bytes start as an ONNX model's do is refused
 * with that said, and the name to give it.
 *
 * @param labelsProblem why the labels archive a TensorFlow Lite file carries gave no labels
 *                      ({@link TfliteModel#labelsProblem()}); null when there is none
 * @param normalization the input normalisation the file records; null for an ONNX file that
 *                      records none
 * @param warning       how the file was read, to be shown ({@link OnnxModel#warning()}: an ONNX
 *                      opset newer than the importer knows, ONNX nodes ignored as they reach no
 *                      graph output); null when there is none
 */
record ModelFile(ModelConfig config, Weights weights, String description, Labels labels,
                 String labelsProblem, InputNormalization normalization,
                 Function<KernelSet, MobileNetV2> network, String warning) {

    /**
     * Reads {@code file} (see the class comment for how its format is chosen).
     *
     * @param resolution the input size to read it at ({@code --resolution}), or null for the
     *                   model's own: an ONNX model whose input height and width are not fixed
     *                   runs at it (and one that fixes them must fix this size); a TensorFlow
     *                   Lite model's input size is always fixed, and must be this one
     * @throws ModelFormatException if the file holds no model we can import, or one whose
     *                              input size is fixed at another (the message names the file)
     * @throws IOException          if the file cannot be read
     */
    static ModelFile load(Path file, Integer resolution) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) { // before either loader's words
            throw new FileSystemException(file.toString(), null, (Files.isDirectory(file)
                    ? "a directory" : "not a regular file")
                    + ", expected a TensorFlow Lite or ONNX model file");
        }
        String name = file.getFileName() == null ? ""
                : file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean tfliteMark = hasTfliteIdentifier(file);
        if (!tfliteMark && name.endsWith(".tflite") && startsLikeOnnx(file)) {
            // The TensorFlow Lite reader's "file identifier is '...', expected 'TFL3'" alone
            // left the user to guess what the file is and how to have it read.
            // The stem cut from the name as given: its lower case may be longer (U+0130's is
            // an i and a combining dot), and cut at that length it lost or overran characters.
            String given = file.getFileName().toString();
            String onnxName = given.substring(0, given.length() - ".tflite".length()) + ".onnx";
            throw new ModelFormatException(file + ": not a TensorFlow Lite model (no 'TFL3'"
                    + " identifier at byte 4), but its bytes start as an ONNX model's do. A file"
                    + " named .tflite is read as TensorFlow Lite only: to read it as ONNX,"
                    + " rename it to end in .onnx (e.g. " + onnxName + ")");
        }
        if (tfliteMark || name.endsWith(".tflite")) {
            TfliteModel m = TfliteModel.load(file);
            int size = m.config().resolution();
            if (resolution != null && resolution != size) {
                // nothing to choose: the TensorFlow Lite input shape has no unknown sizes
                // worded as the ONNX importer's refusal of a size its model fixes
                throw new ModelFormatException(file + ": the TensorFlow Lite model fixes its"
                        + " input size at " + size + "x" + size + ", and --resolution is "
                        + resolution + "; --resolution must be " + size + ", or be left out");
            }
            return new ModelFile(m.config(), m.weights(), m.description(), m.labels(),
                    m.labelsProblem().orElse(null), m.inputNormalization(), m::network, null);
        }
        if (name.endsWith(".onnx")) {
            return onnx(loadOnnx(file, resolution));
        }
        try {
            return onnx(loadOnnx(file, resolution));
        } catch (ModelFormatException e) {
            String reason = e.getMessage().startsWith(file + ": ")
                    ? e.getMessage().substring(file.toString().length() + 2) : e.getMessage();
            throw new ModelFormatException(file + ": neither a TensorFlow Lite model (no 'TFL3'"
                    + " identifier at byte 4) nor an ONNX model we can import (" + reason + ")",
                    e);
        }
    }

    /**
     * The error for a {@code --resolution} out of range, or null when it is in range or not
     * given: checked before the model is read.
     */
    static String checkResolution(Integer resolution) {
        if (resolution == null || (resolution >= ModelConfig.MIN_RESOLUTION
                && resolution <= ModelConfig.MAX_RESOLUTION)) {
            return null;
        }
        return "--resolution " + resolution + ": expected " + ModelConfig.MIN_RESOLUTION + " to "
                + ModelConfig.MAX_RESOLUTION + " pixels";
    }

    private static OnnxModel loadOnnx(Path file, Integer resolution) throws IOException {
        return resolution == null ? OnnxModel.load(file) : OnnxModel.load(file, resolution);
    }

    private static ModelFile onnx(OnnxModel m) {
        return new ModelFile(m.config(), m.weights(), m.description(), Labels.none(), null,
                m.inputNormalization().orElse(null), m::network, m.warning().orElse(null));
    }

    /** Whether {@code file} is a regular file whose bytes 4 to 7 are "TFL3". */
    static boolean hasTfliteIdentifier(Path file) {
        byte[] head = head(file, 8);
        return head.length == 8
                && new String(head, 4, 4, StandardCharsets.ISO_8859_1).equals("TFL3");
    }

    /** Bytes of a file's start that {@link OnnxModel#startsLikeModel} looks at. */
    private static final int ONNX_HEAD_BYTES = 4096;

    /** Whether {@code file} is a regular file that starts as an ONNX model does. */
    static boolean startsLikeOnnx(Path file) {
        try {
            return Files.isRegularFile(file)
                    && OnnxModel.startsLikeModel(head(file, ONNX_HEAD_BYTES), Files.size(file));
        } catch (IOException e) {
            return false; // the loader reports it
        }
    }

    /**
     * Up to the first {@code n} bytes of {@code file}: none if it is not a regular file or
     * cannot be read (the loader then says why).
     */
    private static byte[] head(Path file, int n) {
        if (!Files.isRegularFile(file)) {
            return new byte[0];
        }
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
