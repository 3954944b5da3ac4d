package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.cli.ExportOnnxCommand;
import dev.mobilenetsimd.onnx.OnnxModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code export-onnx --from} a TensorFlow Lite model: what becomes of its embedded labels. */
class TfliteExportOnnxCommandTest {
    private static final ModelConfig CONFIG = new ModelConfig(0.35, 32, 7, Padding.TF_SAME);

    /** A synthetic 7-class model. */
    private static final byte[] MODEL = TfliteWriter.mobileNet(Weights.random(CONFIG, 7),
            new TfliteWriter.Variant());

    private static int run(StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new ExportOnnxCommand());
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    /** {@link #MODEL} with a zip archive appended holding {@code names} as labels.txt. */
    private static byte[] withLabels(String names) throws IOException {
        byte[] text = names.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(MODEL);
        try (ZipOutputStream zip = new ZipOutputStream(file)) {
            ZipEntry e = new ZipEntry("labels.txt");
            e.setMethod(ZipEntry.STORED);
            e.setSize(text.length);
            CRC32 crc = new CRC32();
            crc.update(text);
            e.setCrc(crc.getValue());
            zip.putNextEntry(e);
            zip.write(text);
            zip.closeEntry();
        }
        return file.toByteArray();
    }

    /** The model's labels were dropped without a word: classify then showed class numbers. */
    @Test
    void embeddedLabelsNotWrittenGiveOneWarning(@TempDir Path dir) throws Exception {
        Path model = Files.write(dir.resolve("m.tflite"), withLabels("a\nb\nc\nd\ne\nf\ng\n"));
        assertEquals(7, TfliteModel.load(model).labels().size());
        Path onnx = dir.resolve("m.onnx");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "--from", model.toString(), "-o", onnx.toString()));
        assertEquals(String.format(Locale.ROOT, "warning: %s: its 7 embedded labels are not"
                + " written to %s: ONNX files carry no labels (classify's --labels names the"
                + " classes, one line per class)%n", model, onnx), err.toString());
        assertEquals(CONFIG, OnnxModel.load(onnx).config());

        Path bare = Files.write(dir.resolve("bare.tflite"), MODEL);
        err = new StringWriter();
        assertEquals(0, run(err, "--from", bare.toString(), "-o", onnx.toString()));
        assertEquals("", err.toString(), "no labels, nothing to lose");
        err = new StringWriter();
        assertEquals(0, run(err, "--from", onnx.toString(), "-o",
                dir.resolve("again.onnx").toString()));
        assertEquals("", err.toString(), "an ONNX model has no labels to lose");
    }

    /** A damaged labels archive went unreported, where classify warns of it. */
    @Test
    void aDamagedLabelsArchiveIsReported(@TempDir Path dir) throws Exception {
        byte[] good = withLabels("a\nb\nc\nd\ne\nf\ng\n");
        Path model = Files.write(dir.resolve("cut.tflite"),
                Arrays.copyOf(good, good.length - 10));
        String problem = TfliteModel.load(model).labelsProblem().orElseThrow();
        assertTrue(problem.contains("cut short"), problem);
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "--from", model.toString(), "-o",
                dir.resolve("cut.onnx").toString()));
        assertEquals(String.format(Locale.ROOT, "warning: %s: embedded labels not read, and"
                + " ONNX files carry none (classify's --labels names the classes, one line per"
                + " class): %s%n", model, problem), err.toString());
    }
}
