package dev.mobilenetsimd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.CodedOutputStream;
import dev.mobilenetsimd.onnx.OnnxModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ONNX model named {@code .tflite} is read as TensorFlow Lite, as every {@code .tflite} file
 * is: it failed with the TensorFlow Lite reader's "file identifier is '...', expected 'TFL3'"
 * alone, which left the user to guess what the file is and how to have it read. Now the
 * message says it looks like ONNX and the name to give it.
 */
class ModelFormatHintTest {
    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void anOnnxModelNamedTfliteIsNamedAsOnnx(@TempDir Path dir) throws IOException {
        Path onnx = JsonOutputTest.smallModel(dir);
        Path misnamed = Files.copy(onnx, dir.resolve("Small.TFLITE"));
        Path image = JsonOutputTest.image(dir, "image.png");
        String expected = "error: " + misnamed + ": not a TensorFlow Lite model (no 'TFL3'"
                + " identifier at byte 4), but its bytes start as an ONNX model's do. A file"
                + " named .tflite is read as TensorFlow Lite only: to read it as ONNX, rename it"
                + " to end in .onnx (e.g. Small.onnx)\n";
        CliRun r = run("classify", "--model", misnamed.toString(), image.toString());
        assertEquals(2, r.status(), r.err());
        assertEquals(expected, r.err().replace("\r", ""));
        r = run("export-onnx", "--from", misnamed.toString(), "-o",
                dir.resolve("out.onnx").toString());
        assertEquals(2, r.status(), r.err());
        assertEquals(expected, r.err().replace("\r", ""));

        // renamed as the message says, it is read (as ONNX)
        Path renamed = Files.move(misnamed, dir.resolve("Small.onnx"));
        r = run("classify", "--normalization", "imagenet", "--model", renamed.toString(),
                image.toString());
        assertEquals(0, r.status(), r.err());

        // a .tflite file that is neither keeps the TensorFlow Lite reader's words alone
        Path junk = Files.write(dir.resolve("junk.tflite"),
                "not a model at all".getBytes(StandardCharsets.US_ASCII));
        r = run("classify", "--model", junk.toString(), image.toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("not a TensorFlow Lite model: file identifier is"), r.err());
        assertFalse(r.err().contains("ONNX"), r.err());
    }

    /**
     * The suggested name is cut from the name as given: it was cut at the length of the lower
     * case name, which is longer where a letter's lower case is two characters (Turkish
     * "\u0130" becomes "i\u0307"), and suggested "\u0130zmir..onnx", or failed with a
     * StringIndexOutOfBoundsException and its stack trace.
     */
    @Test
    void theSuggestedNameKeepsTheGivenStem(@TempDir Path dir) throws IOException {
        Path onnx = JsonOutputTest.smallModel(dir);
        Path image = JsonOutputTest.image(dir, "image.png");
        for (String stem : List.of("\u0130zmir", "\u0130".repeat(10))) {
            Path misnamed;
            try {
                misnamed = dir.resolve(stem + ".tflite");
            } catch (InvalidPathException e) { // file names in ASCII only (a C locale)
                assumeTrue(false, "no such file name here: " + e.getMessage());
                return;
            }
            Files.copy(onnx, misnamed);
            CliRun r = run("classify", "--model", misnamed.toString(), image.toString());
            String err = r.err().replace("\r", "");
            assertEquals(2, r.status(), err);
            assertTrue(err.startsWith("error: " + misnamed + ": not a TensorFlow Lite"), err);
            assertTrue(err.endsWith("(e.g. " + stem + ".onnx)\n"), err);
        }
    }

    /**
     * A ModelProto's start as protobuf writers order it: ir_version, names, then a graph of
     * {@code graphBytes} bytes starting with a node.
     */
    private static byte[] modelProtoStart(long irVersion, int graphBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeInt64(1, irVersion);
        out.writeString(2, "pytorch");
        out.writeString(3, "2.1.0");
        out.writeTag(7, 2); // graph: its length, then that many bytes
        out.writeUInt32NoTag(graphBytes);
        out.writeTag(1, 2); // its first node
        out.flush();
        byte[] head = bytes.toByteArray();
        return Arrays.copyOf(head, head.length - 1 + graphBytes);
    }

    @Test
    void onlyAModelProtosStartLooksLikeOnnx(@TempDir Path dir) throws IOException {
        byte[] ours = Files.readAllBytes(JsonOutputTest.smallModel(dir));
        assertTrue(OnnxModel.startsLikeModel(ours, ours.length), "our export");
        assertTrue(OnnxModel.startsLikeModel(Arrays.copyOf(ours, 256), ours.length),
                "our export's first 256 bytes");
        byte[] torch = modelProtoStart(8, 5000);
        assertTrue(OnnxModel.startsLikeModel(torch, torch.length), "a torch-like export");
        // 22 bytes: ir_version (2), producer's name (9) and version (7), graph tag and length (3),
        // the tag of its first node (1); one fewer is not enough to tell
        assertTrue(OnnxModel.startsLikeModel(Arrays.copyOf(torch, 22), torch.length),
                "its first 22 bytes");
        assertFalse(OnnxModel.startsLikeModel(Arrays.copyOf(torch, 21), torch.length),
                "its first 21 bytes");

        List<byte[]> others = List.of(new byte[0], new byte[] {8, 3}, new byte[] {8},
                new byte[256], "hello, world\n".getBytes(StandardCharsets.US_ASCII),
                // a flatbuffer's root offset, PNG and zip signatures
                new byte[] {0x1c, 0, 0, 0, 'T', 'F', 'L', '2', 0, 0},
                new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0});
        for (byte[] b : others) {
            assertFalse(OnnxModel.startsLikeModel(b, b.length), Arrays.toString(b));
        }
        // ir_version 0 or past 100; the graph as a varint; a graph longer than the file
        assertFalse(OnnxModel.startsLikeModel(modelProtoStart(0, 10), 100));
        assertFalse(OnnxModel.startsLikeModel(modelProtoStart(101, 10), 100));
        assertFalse(OnnxModel.startsLikeModel(new byte[] {8, 7, 0x38, 1, 0x0a}, 5));
        // a producer's name of 2^64 - 1 bytes, or of 2^63 (a negative long)
        byte[] huge = {8, 7, 0x12, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 0x3a, 1, 0x0a};
        assertFalse(OnnxModel.startsLikeModel(huge, 1 << 20));
        huge[11] = (byte) 0x81;
        huge[3] = (byte) 0x80;
        assertFalse(OnnxModel.startsLikeModel(huge, 1 << 20));
        byte[] control = modelProtoStart(8, 10);
        control[6] = 0x1b; // ESC in the producer's name
        assertFalse(OnnxModel.startsLikeModel(control, control.length));
        byte[] cut = modelProtoStart(8, 5000);
        assertFalse(OnnxModel.startsLikeModel(cut, cut.length - 1));
        // random bytes, and random bytes after an ir_version
        Random random = new Random(1);
        int taken = 0, takenAfterIr = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[4096];
            random.nextBytes(b);
            taken += OnnxModel.startsLikeModel(b, 1 << 20) ? 1 : 0;
            b[0] = 8;
            b[1] = (byte) (1 + random.nextInt(10));
            takenAfterIr += OnnxModel.startsLikeModel(b, 1 << 20) ? 1 : 0;
        }
        assertEquals(0, taken, "random heads taken for ONNX");
        assertTrue(takenAfterIr < 100, takenAfterIr + " of 100,000 random heads after an"
                + " ir_version taken for ONNX");
    }
}
