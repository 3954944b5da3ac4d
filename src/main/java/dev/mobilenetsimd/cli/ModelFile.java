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
 */
record ModelFile(ModelConfig config, Weights weights, String description, Labels labels,
                 String labelsProblem, InputNormalization normalization,
                 Function<KernelSet, MobileNetV2> network) {

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
            return new ModelFile(m.config(), m.weights(), m.description(), m.labels(),
                    m.labelsProblem().orElse(null), m.inputNormalization(), m::network);
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
        return new ModelFile(m.config(), m.weights(), m.description(), Labels.none(), null,
                m.inputNormalization().orElse(null), m::network);
    }

    /** Whether {@code file} is a regular file whose bytes 4 to 7 are "TFL3". */
    static boolean hasTfliteIdentifier(Path file) {
        byte[] head = head(file, 8);
        return head.length == 8
                && new String(head, 4, 4, StandardCharsets.ISO_8859_1).equals("TFL3");
    }

    /** Bytes of a file's start that {@link #startsLikeOnnx(byte[], long)} looks at. */
    private static final int ONNX_HEAD_BYTES = 4096;

    /** Whether {@code file} is a regular file that starts as an ONNX model does. */
    static boolean startsLikeOnnx(Path file) {
        try {
            return Files.isRegularFile(file)
                    && startsLikeOnnx(head(file, ONNX_HEAD_BYTES), Files.size(file));
        } catch (IOException e) {
            return false; // the loader reports it
        }
    }

    /**
     * Whether {@code head}, the start of a file of {@code size} bytes, starts as an ONNX
     * ModelProto does. Protobuf writers put the fields in number order, so a model starts with
     * its ir_version (field 1, a varint; 1 to 100 here, 10 in 2024), then may have its producer's
     * name and version, domain, model version and doc string (text), then its graph (field 7)
     * or opset imports (8). That is what {@code head} must hold, up to the graph's or an
     * opset's first field tag: a graph's first node (field 1), an opset's domain (1) or version
     * (2). No length may pass the file's end.
     */
    static boolean startsLikeOnnx(byte[] head, long size) {
        int[] at = {0};
        long tag = varint(head, at);
        long ir = at[0] < 0 ? 0 : varint(head, at);
        if (at[0] < 0 || tag != 0x08 || ir < 1 || ir > 100) {
            return false;
        }
        long last = 1;
        while (at[0] < head.length) {
            tag = varint(head, at);
            long field = tag >>> 3;
            if (at[0] < 0 || field < last || (tag & 7) != modelProtoWireType(field)) {
                return false;
            }
            last = field;
            long value = varint(head, at); // a varint field's value, else the field's length
            if (at[0] < 0 || value < 0) { // cut by the head, malformed, or past 2^63
                return false;
            }
            if (field == 7 || field == 8) {
                return value <= size - at[0] && at[0] < head.length
                        && (head[at[0]] == 0x0a || field == 8 && head[at[0]] == 0x10);
            }
            if ((tag & 7) == 2) { // text
                if (value > head.length - at[0] || !isText(head, at[0], (int) value)) {
                    return false;
                }
                at[0] += (int) value;
            }
        }
        return false; // no graph within the head
    }

    /**
     * The wire type of the ModelProto fields before the graph and opsets (0 varint, 2
     * length-delimited), or -1.
     */
    private static int modelProtoWireType(long field) {
        if (field == 5) { // model_version
            return 0;
        }
        // producer name and version, domain, doc string, graph, opset imports
        return field >= 2 && field <= 8 ? 2 : -1;
    }

    /** Whether {@code b[from, from + length)} has no control characters but tab and newlines. */
    private static boolean isText(byte[] b, int from, int length) {
        for (int i = from; i < from + length; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * The varint at {@code at[0]} in {@code b}, {@code at[0]} moved past it; {@code at[0]} is
     * set to -1 (and 0 returned) if the varint runs past {@code b}'s end or over ten bytes.
     */
    private static long varint(byte[] b, int[] at) {
        long v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (at[0] >= b.length) {
                at[0] = -1;
                return 0;
            }
            int x = b[at[0]++];
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return v;
            }
        }
        at[0] = -1;
        return 0;
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
