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
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.plan.ExecutionPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
        // a longer file is replaced, not overwritten
        Files.write(model, new byte[bytes.length * 2]);
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

    /**
     * A link to no file yet gets its target made, as a shell's redirection does, and a chain or
     * loop of links is followed: each link was replaced by the model, as a file of its own.
     */
    @Test
    void writesThroughALinkToNoFileYet(@TempDir Path dir) throws IOException {
        Path link = dir.resolve("link.onnx");
        Path chain = dir.resolve("chain.onnx");
        try {
            Files.createSymbolicLink(link, Path.of("real.onnx"));
            Files.createSymbolicLink(chain, link.getFileName());
        } catch (UnsupportedOperationException | IOException e) {
            // reported as skipped, not passed
            abort("no symbolic links on this file system: " + e);
        }
        byte[] bytes = OnnxExporter.toBytes(WEIGHTS);
        OnnxExporter.write(WEIGHTS, chain);
        assertTrue(Files.isSymbolicLink(chain) && Files.isSymbolicLink(link));
        assertArrayEquals(bytes, Files.readAllBytes(dir.resolve("real.onnx")));

        Path broken = Files.createSymbolicLink(dir.resolve("broken.onnx"),
                dir.resolve("nope").resolve("x.onnx"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> OnnxExporter.write(WEIGHTS, broken));
        assertEquals(broken + ": its directory " + dir.resolve("nope") + " does not exist",
                e.getMessage());
        assertTrue(Files.isSymbolicLink(broken));

        Path a = Files.createSymbolicLink(dir.resolve("a.onnx"), Path.of("b.onnx"));
        Files.createSymbolicLink(dir.resolve("b.onnx"), a.getFileName());
        FileSystemException loop = assertThrows(FileSystemException.class,
                () -> OnnxExporter.write(WEIGHTS, a));
        assertEquals(a + ": a loop of symbolic links (or more than 40 in a chain)",
                loop.getMessage());
        assertTrue(Files.isSymbolicLink(a));
        assertEquals(List.of("a.onnx", "b.onnx", "broken.onnx", "chain.onnx", "link.onnx",
                "real.onnx"), names(dir), "no temporary file left");
    }

    /**
     * A failure names the path given and why, not the temporary file beside it: "/nope/x.onnx"
     * failed with "NoSuchFileException: /nope/.x.onnx.1c7d967fcf84.part".
     */
    @Test
    void aFailureNamesThePathGivenNotTheTemporaryFile(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope").resolve("x.onnx");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> OnnxExporter.write(WEIGHTS, missing));
        assertEquals(missing + ": its directory " + missing.getParent() + " does not exist",
                e.getMessage());
        assertEquals(missing.toString(), e.getFile());
        e = assertThrows(NoSuchFileException.class, () -> OnnxExporter.write(WEIGHTS,
                InputNormalization.IMAGENET, missing));
        assertEquals(missing.toString(), e.getFile());

        Path file = Files.write(dir.resolve("file.txt"), new byte[1]);
        Path underFile = file.resolve("x.onnx");
        FileSystemException f = assertThrows(FileSystemException.class,
                () -> OnnxExporter.write(WEIGHTS, underFile));
        assertEquals(underFile + ": its directory " + file + " is not a directory",
                f.getMessage());

        // ours is the name too long: the temporary name adds some 20 characters
        Path longName = dir.resolve("m".repeat(250) + ".onnx");
        f = assertThrows(FileSystemException.class, () -> OnnxExporter.write(WEIGHTS, longName));
        assertEquals(longName.toString(), f.getFile());
        assertTrue(f.getReason().contains("(writing the temporary file ."), f.getMessage());
        assertEquals(List.of("file.txt"), names(dir));
    }

    /**
     * A directory that exists but refuses new files without a reason (Linux's /proc) was
     * described by the exception's class name alone: "NoSuchFileException (writing the temporary
     * file ...)".
     */
    @Test
    void aRefusedTemporaryFileIsDescribedInWords() {
        Path proc = Path.of("/proc");
        assumeTrue(Files.isDirectory(proc) && Files.isDirectory(proc.resolve("self")),
                "needs Linux's /proc");
        Path file = proc.resolve("x.onnx");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> OnnxExporter.write(WEIGHTS, file));
        assertEquals(file.toString(), e.getFile());
        assertTrue(e.getReason().startsWith("no such file or directory (writing the temporary"
                + " file .x.onnx."), e.getMessage());
    }

    /** Through a symbolic link, the failure names the link given, not its target. */
    @Test
    void aFailureThroughALinkNamesTheLink(@TempDir Path dir) throws IOException {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = dir.resolve("link.onnx");
        try {
            Files.createSymbolicLink(link, real);
        } catch (UnsupportedOperationException | IOException e) {
            // reported as skipped, not passed
            abort("no symbolic links on this file system: " + e);
        }
        FileSystemException e = assertThrows(FileSystemException.class,
                () -> OnnxExporter.write(WEIGHTS, link));
        assertEquals(link.toString(), e.getFile());
    }

    /**
     * Replacing a file needs its directory writable (the new file is made beside it): said so,
     * naming the file given.
     */
    @Test
    void aReadOnlyDirectoryIsNamedAsTheReason(@TempDir Path dir) throws IOException {
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Path model = Files.write(ro.resolve("model.onnx"), new byte[1]);
        try {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        } catch (UnsupportedOperationException e) {
            abort("no POSIX permissions on this file system: " + e); // skipped, not passed
        }
        try {
            // root writes anyway: reported as skipped, not passed
            assumeTrue(!Files.isWritable(ro), "the directory stays writable (root?)");
            AccessDeniedException e = assertThrows(AccessDeniedException.class,
                    () -> OnnxExporter.write(WEIGHTS, model));
            assertEquals(model + ": permission denied (the file is written as a new file in "
                    + ro + ", then renamed)", e.getMessage());
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
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
