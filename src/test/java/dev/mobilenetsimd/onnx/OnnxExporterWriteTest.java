package dev.mobilenetsimd.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.plan.ExecutionPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link OnnxExporter#write} puts a model on disk. */
class OnnxExporterWriteTest {
    private static final Weights WEIGHTS =
            Weights.random(new ModelConfig(0.35, 32, 5, Padding.TF_SAME), 9);

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /**
     * A write that fails midway (here after half the model, as on a full disk) leaves the previous
     * file as it was and no temporary file; writing in place used to leave a truncated model.
     */
    @Test
    void aWriteThatFailsMidwayLeavesThePreviousFile(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("model.onnx");
        byte[] before = "the previous model".getBytes(StandardCharsets.UTF_8);
        Files.write(model, before);
        byte[] bytes = OnnxExporter.toBytes(WEIGHTS);
        IOException e = assertThrows(IOException.class, () -> OnnxExporter.writeReplacing(model,
                out -> {
                    out.write(bytes, 0, bytes.length / 2);
                    throw new IOException("No space left on device (simulated)");
                }));
        assertTrue(e.getMessage().contains("simulated"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(model));
        assertEquals(List.of("model.onnx"), names(dir));
    }

    @Test
    void writesNewAndReplacedFilesWhole(@TempDir Path dir) throws IOException {
        byte[] bytes = OnnxExporter.toBytes(WEIGHTS);
        Path model = dir.resolve("model.onnx");
        assertEquals(bytes.length, OnnxExporter.write(WEIGHTS, model));
        assertArrayEquals(bytes, Files.readAllBytes(model));
        Files.write(model, new byte[bytes.length * 2]); // a longer file is replaced, not overwritten
        assertEquals(bytes.length, OnnxExporter.write(WEIGHTS, model));
        assertArrayEquals(bytes, Files.readAllBytes(model));
        assertEquals(List.of("model.onnx"), names(dir));
    }

    /** A symbolic link stays one, and its target gets the model. */
    @Test
    void writesThroughASymbolicLink(@TempDir Path dir) throws IOException {
        Path real = Files.createDirectory(dir.resolve("real")).resolve("model.onnx");
        Files.write(real, new byte[] {1, 2, 3});
        Path link = dir.resolve("link.onnx");
        try {
            Files.createSymbolicLink(link, real);
        } catch (UnsupportedOperationException | IOException e) {
            // reported as skipped, not passed
            abort("no symbolic links on this file system: " + e);
        }
        byte[] bytes = OnnxExporter.toBytes(WEIGHTS);
        OnnxExporter.write(WEIGHTS, link);
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(bytes, Files.readAllBytes(real));
        assertEquals(List.of("model.onnx"), names(real.getParent()));
    }

    /** A device is written in place (renaming onto it would replace the device itself). */
    @Test
    void writesToADeviceInPlace() throws IOException {
        Path devNull = Path.of("/dev/null");
        // reported as skipped, not passed
        assumeTrue(Files.exists(devNull) && !Files.isRegularFile(devNull),
                "not a Unix-like system: no /dev/null device");
        assertEquals(OnnxExporter.toBytes(WEIGHTS).length, OnnxExporter.write(WEIGHTS, devNull));
        assertTrue(Files.exists(devNull) && !Files.isRegularFile(devNull));
    }

    /**
     * Weights just under the 2 GB a protobuf message holds, with no room left for the graph, are
     * refused up front: the check counted the weights alone, so such a model passed it and then
     * failed while being written, its file past what one array holds.
     */
    @Test
    void sizeCheckLeavesRoomForTheGraph() {
        ModelConfig config = null;
        for (int classes = 95_000; classes < 110_000 && config == null; classes++) {
            ModelConfig c = new ModelConfig(4.0, 32, classes, Padding.TF_SAME);
            long bytes = ExecutionPlan.build(c).totalParams() * Float.BYTES;
            if (bytes <= OnnxModel.MAX_FILE_BYTES
                    && bytes > OnnxModel.MAX_FILE_BYTES - OnnxExporter.GRAPH_BYTES_ALLOWANCE) {
                config = c;
            }
        }
        assertTrue(config != null, "no class count puts the weights just under the limit");
        ModelConfig nearLimit = config;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExporter.checkSize(nearLimit));
        assertTrue(e.getMessage().contains("with its graph"), e.getMessage());
        OnnxExporter.checkSize(new ModelConfig(4.0, 32, 90_000, Padding.TF_SAME));
    }
}
