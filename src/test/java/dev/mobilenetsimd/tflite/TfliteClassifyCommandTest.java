package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.cli.ClassifyCommand;
import dev.mobilenetsimd.cli.StrictJson;
import dev.mobilenetsimd.testdata.RealData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code classify} command end to end on the primary model. */
class TfliteClassifyCommandTest {
    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new ClassifyCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    /** The probabilities stay in one column when a label is longer than the usual width. */
    @Test
    void longLabelsKeepTheProbabilitiesInOneColumn(@TempDir Path dir) throws Exception {
        List<String> names = new ArrayList<>(
                Files.readAllLines(RealData.file("imagenet_labels.txt")));
        names.set(286, "Egyptian cat, a long label that runs past thirty characters");
        Path labels = Files.write(dir.resolve("labels.txt"), names);
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(0, run(out, err, "-k", "3", "--labels", labels.toString(), "--model",
                RealData.model(RealData.TF1_QUANT).toString(),
                RealData.file("cat.bmp").toString()), err.toString());
        List<String> rows = out.toString().lines().filter(l -> l.matches(" +\\d+  .*"))
                .toList();
        assertEquals(3, rows.size(), out.toString());
        assertTrue(rows.get(0).contains(names.get(286)), out.toString());
        for (String row : rows) { // each row ends in its probability, all in one column
            assertEquals(rows.get(0).length(), row.length(), out.toString());
            assertTrue(row.matches(".* \\d\\.\\d{4}"), row);
        }
    }

    /**
     * The primary model cut short (a copy here; its labels archive is its last 21,822 bytes)
     * still loads, and its labels are lost: that was silent, the classes shown by number. Now
     * one warning says why, unless --labels names the classes; a copy cut where the archive
     * starts has no archive at all, and no warning.
     */
    @Test
    void aModelCutShortWarnsOnceThatItsLabelsAreLost(@TempDir Path dir) throws Exception {
        Path model = RealData.model(RealData.TF1_QUANT);
        String cat = RealData.file("cat.bmp").toString();
        byte[] bytes = Files.readAllBytes(model);
        int archive = bytes.length - 21_822;
        assertEquals(0x04034b50, java.nio.ByteBuffer.wrap(bytes)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(archive), "the archive's start");
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(0, run(out, err, "-k", "1", "--model", model.toString(), cat));
        assertEquals("", err.toString());
        assertTrue(out.toString().contains("286  Egyptian cat"), out.toString());

        Path cut = Files.write(dir.resolve("cut.tflite"),
                Arrays.copyOf(bytes, bytes.length - 100));
        assertTrue(TfliteModel.load(cut).labelsProblem().isPresent());
        out = new StringWriter();
        err = new StringWriter();
        assertEquals(0, run(out, err, "-k", "1", "--model", cut.toString(), cat, cat),
                err.toString());
        assertEquals(String.format(Locale.ROOT, "warning: %s: embedded labels not read, classes"
                + " shown by number (--labels names them): the labels archive appended to the"
                + " model (from byte %,d of %,d) has no end record: the file is cut short%n",
                cut, archive, bytes.length - 100), err.toString());
        assertTrue(out.toString().contains("286  class 286"), out.toString());

        out = new StringWriter();
        err = new StringWriter();
        assertEquals(0, run(out, err, "-k", "1", "--labels",
                RealData.file("imagenet_labels.txt").toString(), "--model", cut.toString(), cat));
        assertEquals("", err.toString());
        assertTrue(out.toString().contains("286  Egyptian cat"), out.toString());

        Path bare = Files.write(dir.resolve("bare.tflite"), Arrays.copyOf(bytes, archive));
        assertEquals(Optional.empty(), TfliteModel.load(bare).labelsProblem());
        out = new StringWriter();
        err = new StringWriter();
        assertEquals(0, run(out, err, "-k", "1", "--model", bare.toString(), cat));
        assertEquals("", err.toString());
        assertTrue(out.toString().contains("286  class 286"), out.toString());
    }

    @Test
    void printsTopFiveAsJsonAndReportsBadImages() {
        String model = RealData.model(RealData.TF1_QUANT).toString();
        String cat = RealData.file("cat.bmp").toString();
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = run(out, err, "--json", "--backend", "scalar", "--model", model, cat,
                "no-such-image.png");
        String json = out.toString();
        assertEquals(1, rc, err.toString());
        List<?> results = (List<?>) StrictJson.object(json).get("results");
        Map<?, ?> catResult = (Map<?, ?>) results.get(0);
        Map<?, ?> first = (Map<?, ?>) ((List<?>) catResult.get("top")).get(0);
        assertEquals(286.0, first.get("index"), json);
        assertEquals("Egyptian cat", first.get("label"), json);
        assertTrue((Double) catResult.get("inferenceMs") > 0, json);
        assertEquals(Map.of("image", "no-such-image.png",
                "error", "cannot read image no-such-image.png: no such file or directory"),
                results.get(1), json);
        assertTrue(err.toString().contains("no-such-image.png"), err.toString());
    }

    @Test
    void textOutputAndBadModel() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = run(out, err, "--model", RealData.file("imagenet_labels.txt").toString(),
                RealData.file("cat.bmp").toString());
        assertEquals(2, rc);
        assertTrue(err.toString().contains("neither a TensorFlow Lite model (no 'TFL3'"
                + " identifier at byte 4) nor an ONNX model"), err.toString());
        assertEquals(1, err.toString().split("imagenet_labels.txt", -1).length - 1,
                "the file named once: " + err);
    }

    /** A .onnx file is read as ONNX, not as a damaged TensorFlow Lite file. */
    @Test
    void anOnnxModelIsReadAsSuchNotAsADamagedTfliteFile() throws Exception {
        Path onnx = Files.createTempFile("model", ".onnx");
        try {
            StringWriter out = new StringWriter(), err = new StringWriter();
            int rc = run(out, err, "--model", onnx.toString(), "cat.bmp");
            assertEquals(2, rc, err.toString());
            assertTrue(err.toString().contains(onnx + ": empty file: not an ONNX model"),
                    err.toString());
            assertFalse(err.toString().contains("TensorFlow Lite"), err.toString());
        } finally {
            Files.delete(onnx);
        }
    }

    @Test
    void twoThreadsGiveTheSameProbabilitiesAsOne() {
        String model = RealData.model(RealData.TF1_QUANT).toString();
        String cat = RealData.file("cat.bmp").toString();
        StringWriter one = new StringWriter(), two = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(one, err, "--json", "-k", "10", "--model", model, cat), err.toString());
        assertEquals(0, run(two, err, "--json", "-k", "10", "--threads", "2", "--model", model,
                cat), err.toString());
        Map<String, Object> a = StrictJson.object(one.toString());
        Map<String, Object> b = StrictJson.object(two.toString());
        assertEquals(1.0, a.get("threads"), one.toString());
        assertEquals(2.0, b.get("threads"), two.toString());
        // everything but the thread count and the timing, to the printed digit
        assertEquals(comparable(a), comparable(b));
        assertTrue(two.toString().contains("\"label\": \"Egyptian cat\""), two.toString());
    }

    private static Map<String, Object> comparable(Map<String, Object> doc) {
        Map<String, Object> rest = new LinkedHashMap<>(doc);
        rest.remove("threads");
        List<Object> results = new ArrayList<>();
        for (Object r : (List<?>) rest.get("results")) {
            Map<Object, Object> untimed = new LinkedHashMap<>((Map<?, ?>) r);
            untimed.remove("inferenceMs");
            results.add(untimed);
        }
        rest.put("results", results);
        return rest;
    }

    @Test
    void badThreadCountsAreRefusedBeforeTheModelIsRead() {
        for (String threads : new String[] {"0", "-1", "257"}) {
            StringWriter out = new StringWriter(), err = new StringWriter();
            int rc = run(out, err, "--threads", threads, "--model", "no-such-model.tflite",
                    "cat.bmp");
            assertEquals(2, rc, err.toString());
            assertTrue(err.toString().contains("--threads " + threads + ": expected 1 to 256"),
                    err.toString());
        }
    }

    /** An unknown backend was reported after the model was read, as "cannot load MODEL". */
    @Test
    void anUnknownBackendIsNamedBeforeTheModelIsRead() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = run(out, err, "--backend", "gpu", "--model", "no-such-model.tflite", "cat.bmp");
        assertEquals(2, rc, err.toString());
        assertTrue(err.toString().startsWith("error: unknown backend 'gpu': expected one of"
                + " vector, scalar, auto"), err.toString());
        assertFalse(err.toString().contains("model"), err.toString());
    }

    @Test
    void missingLabelsFileIsNamedAsTheLabels() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = run(out, err, "--model", RealData.model(RealData.TF1_QUANT).toString(),
                "--labels", "no-such-labels.txt", RealData.file("cat.bmp").toString());
        assertEquals(2, rc, err.toString());
        String expected = "cannot read the labels no-such-labels.txt: no such file or directory";
        assertTrue(err.toString().contains(expected), err.toString());
    }

    /**
     * A labels file with a line more or less than the model has classes names every class
     * wrongly (ImageNet's 1000 names without "background" put each one class off): refused,
     * where it was used silently.
     */
    @Test
    void labelsFileWithAnotherCountThanTheClassesIsRefused(@TempDir Path dir) throws Exception {
        String model = RealData.model(RealData.TF1_QUANT).toString();
        String cat = RealData.file("cat.bmp").toString();
        List<String> names = Files.readAllLines(RealData.file("imagenet_labels.txt"));
        assertEquals(1001, names.size());
        Path labels = Files.write(dir.resolve("labels.txt"), names.subList(1, names.size()));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = run(out, err, "--model", model, "--labels", labels.toString(), cat);
        assertEquals(2, rc, err.toString());
        assertTrue(err.toString().contains("the labels " + labels + " have 1000 lines, the model"
                + " 1001 classes"), err.toString());
        assertTrue(out.toString().isEmpty(), "nothing classified: " + out);
        // a line more: read no further than the first name past the classes
        Path more = Files.write(dir.resolve("more.txt"),
                java.util.stream.Stream.concat(names.stream(), java.util.stream.Stream.of("x"))
                        .toList());
        out = new StringWriter();
        err = new StringWriter();
        rc = run(out, err, "--model", model, "--labels", more.toString(), cat);
        assertEquals(2, rc, err.toString());
        assertTrue(err.toString().contains("the labels " + more + " have more than 1001 lines,"
                + " the model 1001 classes"), err.toString());
        // one line per class: used
        out = new StringWriter();
        err = new StringWriter();
        rc = run(out, err, "--model", model, "--labels",
                RealData.file("imagenet_labels.txt").toString(), cat);
        assertEquals(0, rc, err.toString());
        assertTrue(out.toString().contains("286  Egyptian cat"), out.toString());
    }
}
