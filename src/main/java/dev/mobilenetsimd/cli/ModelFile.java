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
 * (a damaged file of an unknown name was reported as a bad TensorFlow Lite file alone).
 *
 * @param normalization the input normalisation the file records; null for an ONNX file that
 *                      records none
 */
record ModelFile(ModelConfig config, Weights weights, String description, Labels labels,
                 InputNormalization normalization, Function<KernelSet, MobileNetV2> network) {

    /**
     * Reads {@code file} (see the class comment for how its format is chosen).
     *
     * @throws ModelFormatException if the file holds no model we can import (the message names
     *                              the file)
     * @throws IOException          if the file cannot be read
     */
    static ModelFile load(Path file) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) { // before either loader's words
            throw new FileSystemException(file.toString(), null, (Files.isDirectory(file)
                    ? "a directory" : "not a regular file")
                    + ", expected a TensorFlow Lite or ONNX model file");
        }
        String name = file.getFileName() == null ? ""
                : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (hasTfliteIdentifier(file) || name.endsWith(".tflite")) {
            TfliteModel m = TfliteModel.load(file);
            return new ModelFile(m.config(), m.weights(), m.description(), m.labels(),
                    m.inputNormalization(), m::network);
        }
        if (name.endsWith(".onnx")) {
            return onnx(OnnxModel.load(file));
        }
        try {
            return onnx(OnnxModel.load(file));
        } catch (ModelFormatException e) {
            String reason = e.getMessage().startsWith(file + ": ")
                    ? e.getMessage().substring(file.toString().length() + 2) : e.getMessage();
            throw new ModelFormatException(file + ": neither a TensorFlow Lite model (no 'TFL3'"
                    + " identifier at byte 4) nor an ONNX model we can import (" + reason + ")",
                    e);
        }
    }

    private static ModelFile onnx(OnnxModel m) {
        return new ModelFile(m.config(), m.weights(), m.description(), Labels.none(),
                m.inputNormalization().orElse(null), m::network);
    }

    /** Whether {@code file} is a regular file whose bytes 4 to 7 are "TFL3". */
    static boolean hasTfliteIdentifier(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(8);
            return head.length == 8
                    && new String(head, 4, 4, StandardCharsets.ISO_8859_1).equals("TFL3");
        } catch (IOException e) {
            return false; // the loader reports it
        }
    }
}
