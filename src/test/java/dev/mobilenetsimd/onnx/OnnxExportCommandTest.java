package dev.mobilenetsimd.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.cli.ExportOnnxCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code export-onnx} command (run directly; the lead registers it in Main). */
class OnnxExportCommandTest {
    private static int run(StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new ExportOnnxCommand());
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void writesRandomAndReExportsImported(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.onnx");
        assertEquals(0, run(new StringWriter(), "-a", "0.35", "-r", "96", "-k", "10", "-p",
                "symmetric", "-o", a.toString()));
        assertEquals(new ModelConfig(0.35, 96, 10, Padding.SYMMETRIC), OnnxModel.load(a).config());
        Path b = dir.resolve("b.onnx");
        assertEquals(0, run(new StringWriter(), "--from", a.toString(), "-o", b.toString()));
        assertEquals(Files.size(a), Files.size(b));
    }

    @Test
    void badInputModelExitsWith2(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.onnx");
        Files.write(bad, new byte[] {8, 7, 18});
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "--from", bad.toString(), "-o", dir.resolve("x.onnx").toString()));
        assertTrue(err.toString().contains("bad.onnx"), err.toString());
    }

    /** "-o out/" wrote a file named out: the path dropped the separator. */
    @Test
    void anOutputNamingADirectoryIsAUsageError(@TempDir Path dir) throws Exception {
        for (String out : new String[] {dir.resolve("out") + "/", dir + "/"}) {
            StringWriter err = new StringWriter();
            assertEquals(2, run(err, "-a", "0.35", "-r", "32", "-k", "5", "-o", out),
                    out + ": " + err);
            assertTrue(err.toString().contains(out + " names a directory: expected the ONNX"
                    + " file to write (e.g. " + out + "model.onnx)"), err.toString());
        }
        assertFalse(Files.exists(dir.resolve("out")), "nothing written");
    }

    /** An existing directory without the separator failed as it was written, with status 1. */
    @Test
    void anExistingDirectoryAsTheOutputIsAUsageError(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectory(dir.resolve("models"));
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "-a", "0.35", "-r", "32", "-k", "5", "-o", sub.toString()),
                err.toString());
        assertTrue(err.toString().contains(sub + " names a directory: expected the ONNX file"
                + " to write (e.g. " + sub.resolve("model.onnx") + ")"), err.toString());
        try (var files = Files.list(sub)) {
            assertEquals(0, files.count(), "nothing written");
        }
    }

    /** An ONNX file named .tflite was written, and then refused by classify until renamed. */
    @Test
    void anOutputNamedTfliteIsAUsageError(@TempDir Path dir) throws Exception {
        for (String name : new String[] {"m.tflite", "M.TFLite"}) {
            Path out = dir.resolve(name);
            StringWriter err = new StringWriter();
            assertEquals(2, run(err, "-a", "0.35", "-r", "32", "-k", "5", "-o", out.toString()),
                    err.toString());
            assertTrue(err.toString().contains(out + ": a file named .tflite is read as"
                    + " TensorFlow Lite only, and this writes ONNX: expected a name ending in"
                    + " .onnx (e.g. " + name.substring(0, 1) + ".onnx)"), err.toString());
            assertFalse(Files.exists(out), "nothing written");
        }
    }

    /** -o naming the --from file replaced it: a .tflite one by ONNX bytes under its name. */
    @Test
    void theOutputCannotBeTheModelRead(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.onnx");
        assertEquals(0, run(new StringWriter(), "-a", "0.35", "-r", "32", "-k", "5", "-o",
                a.toString()));
        Path link = Files.createSymbolicLink(dir.resolve("link.onnx"), a);
        for (Path out : new Path[] {a, link}) {
            StringWriter err = new StringWriter();
            assertEquals(2, run(err, "--from", a.toString(), "-o", out.toString()),
                    out + ": " + err);
            assertTrue(err.toString().contains("is the --from model itself"), err.toString());
        }
        assertTrue(Files.isSymbolicLink(link), "the link left alone");
    }

    /** An empty -o used to be taken as the working directory ("cannot write : Is a directory"). */
    @Test
    void anEmptyOutputNameIsAUsageError() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "-a", "0.35", "-r", "32", "-k", "5", "-o", ""));
        assertTrue(err.toString().contains("-o/--output is empty"), err.toString());
    }
}
