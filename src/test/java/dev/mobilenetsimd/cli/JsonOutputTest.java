package dev.mobilenetsimd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ChildJvm;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Session;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.Classifier;
import dev.mobilenetsimd.image.ImageDecoder;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.onnx.OnnxExporter;
import dev.mobilenetsimd.onnx.OnnxModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code --json} outputs: RFC 8259 JSON holding what they claim, whatever the input. */
class JsonOutputTest {
    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        CliRun r = CliRun.of(args);
        return new Result(r.status(), r.out(), r.err());
    }

    /**
     * Every number keeps its value to the nine significant digits written: trailing zeros were
     * stripped from the exponent too (1e20 became "1e+2", 1e-10 "1e-1"), and from a nine-digit
     * integer part (123456789.5 became "12345679").
     */
    @Test
    void numbersKeepTheirValue() {
        List<Number> values = List.of(0.35, 1e-10, -1e-10, 1e20, -1e30, 1.5e300, 123456789.5,
                100000000.25, -250000000.5, 999999999.7, 12345678.96, 1e-5, 0.0001, 38.4476962,
                4.9e-324, Double.MAX_VALUE, 1e15, 2.5e15, 1.0 / 3, 0.1f, 1e20f, 1.5e-10f,
                -0.0873043314f, 4.30845022f, Float.MIN_VALUE);
        String text = Json.write(values);
        List<?> parsed = (List<?>) StrictJson.parse(text);
        assertEquals(values.size(), parsed.size(), text);
        for (int k = 0; k < values.size(); k++) {
            double want = values.get(k).doubleValue(), got = (Double) parsed.get(k);
            assertTrue(Math.abs(got - want) <= 5e-9 * Math.abs(want),
                    values.get(k) + " was written as " + got + " in " + text);
        }
        List<?> nonFinite = (List<?>) StrictJson.parse(Json.write(Arrays.asList(Double.NaN,
                Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN)));
        assertEquals(Arrays.asList(null, null, null, null), nonFinite);
    }

    /**
     * Numbers by index (run's latency samples) are written as a list of numbers, as the same
     * values in a list are: a million of them had one object each.
     */
    @Test
    void numbersByIndexAreWrittenAsAList() {
        double[] v = {0.35, 1e-10, Double.NaN, 3, -2.5e20};
        String text = Json.write(Map.of("samples", new Json.Numbers(v.length, i -> v[i])));
        assertEquals(Json.write(Map.of("samples", Arrays.asList(0.35, 1e-10, Double.NaN, 3.0,
                -2.5e20))), text);
        assertEquals("{\n  \"samples\": [0.35, 1e-10, null, 3, -2.5e+20]\n}\n", text);
        assertEquals("[]\n", Json.write(new Json.Numbers(0, i -> 1)));
    }

    /** The width multiplier as given: 1e-10 was printed as 1e-1. */
    @Test
    void planJsonGivesTheAlphaAsGiven() {
        for (String alpha : new String[] {"1e-10", "0.35", "1.4", "4"}) {
            Result r = run("plan", "-a", alpha, "-r", "32", "--json");
            assertEquals(0, r.status, r.err);
            Map<?, ?> config = (Map<?, ?>) StrictJson.object(r.out).get("config");
            assertEquals(Double.parseDouble(alpha), (Double) config.get("alpha"), r.out);
        }
    }

    /** Labels with what a JSON string must escape, and characters past ASCII and the BMP. */
    static final List<String> TRICKY_LABELS = List.of("a \"quoted\" back\\slash\u0001ctl",
            "tab\tcaf\u00e9 \ud83d\udc31 cat", "del\u007f esc\u001b[31m line\u2028sep nel\u0085");

    /** A three-class ONNX model of random weights, 0.35/32, in {@code dir}. */
    static Path smallModel(Path dir) {
        Path model = dir.resolve("m.onnx");
        Result r = run("export-onnx", "-a", "0.35", "-r", "32", "-k", "3", "-o",
                model.toString());
        assertEquals(0, r.status, r.err);
        return model;
    }

    /** A 40x40 PNG named {@code name} in {@code dir}; skips the test where no file has the name. */
    static Path image(Path dir, String name) throws IOException {
        Path file;
        try {
            file = dir.resolve(name);
            Files.createFile(file);
        } catch (InvalidPathException | IOException e) { // Windows: no quotes, tabs or newlines
            Assumptions.assumeTrue(false, "no file named " + name + " here: " + e);
            throw e;
        }
        BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, (x * 6) << 16 | (y * 6) << 8 | (x + y) * 3);
            }
        }
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    /**
     * Paths and labels with quotes, backslashes, control characters, non-ASCII and non-BMP
     * characters come back unchanged from a parse, with an error entry for a missing and a
     * damaged image among them, and --top past the classes giving every class.
     */
    @Test
    void classifyJsonKeepsEveryCharacterOfPathsAndLabels(@TempDir Path dir) throws Exception {
        Path model = smallModel(dir);
        Path labels = Files.writeString(dir.resolve("labels.txt"),
                String.join("\n", TRICKY_LABELS) + "\n");
        Path good = image(dir, "q\"uote back\\slash\ttab caf\u00e9 \ud83d\udc31 \u0001.png");
        Path broken = Files.write(dir.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N'});
        Path missing = dir.resolve("no-such-image.png");
        Result r = run("classify", "--json", "-k", "10", "--normalization", "imagenet",
                "--labels", labels.toString(), "--model", model.toString(), good.toString(),
                missing.toString(), broken.toString(), good.toString());
        assertEquals(1, r.status, r.err);
        assertTrue(r.out.chars().allMatch(c -> c < 0x80), "ASCII, for any output encoding: "
                + r.out);
        Map<String, Object> doc = StrictJson.object(r.out);
        assertEquals(List.of("model", "description", "config", "backend", "jvm", "threads",
                "warmup", "normalization", "normalizationFrom", "results"),
                new ArrayList<>(doc.keySet()), r.out);
        assertEquals(model.toString(), doc.get("model"));
        assertEquals("--normalization", doc.get("normalizationFrom"));
        List<?> results = (List<?>) doc.get("results");
        assertEquals(4, results.size(), r.out);
        for (int k : new int[] {0, 3}) {
            Map<?, ?> res = (Map<?, ?>) results.get(k);
            assertEquals(good.toString(), res.get("image"), r.out);
            assertTrue((Double) res.get("inferenceMs") >= 0, r.out);
            List<?> top = (List<?>) res.get("top");
            Set<Object> names = new HashSet<>();
            for (Object o : top) {
                Map<?, ?> p = (Map<?, ?>) o;
                assertEquals(Set.of("index", "label", "probability"), p.keySet(), r.out);
                double index = (Double) p.get("index");
                assertEquals(TRICKY_LABELS.get((int) index), p.get("label"), r.out);
                names.add(p.get("label"));
                double prob = (Double) p.get("probability");
                assertTrue(prob >= 0 && prob <= 1, r.out);
            }
            assertEquals(Set.copyOf(TRICKY_LABELS), names, "--top 10 of 3 classes: all three");
        }
        assertEquals(Map.of("image", missing.toString(), "error", "cannot read image " + missing
                + ": no such file or directory"), results.get(1), r.out);
        Map<?, ?> damaged = (Map<?, ?>) results.get(2);
        assertEquals(broken.toString(), damaged.get("image"), r.out);
        assertTrue(((String) damaged.get("error")).startsWith("cannot decode image " + broken),
                r.out);
    }

    /**
     * Which JVM ran it and how many warm-up inferences came first, as run's JSON says: the
     * latencies depend on both, and classify's said neither.
     */
    @Test
    void classifyJsonSaysWhichJvmRanItAndItsWarmUp(@TempDir Path dir) throws Exception {
        Result r = run("classify", "--json", "-w", "2", "--normalization", "imagenet",
                "--model", smallModel(dir).toString(), image(dir, "a.png").toString());
        assertEquals(0, r.status, r.err);
        Map<String, Object> doc = StrictJson.object(r.out);
        assertEquals(Runtime.version().toString(), doc.get("jvm"), r.out);
        assertEquals(2.0, doc.get("warmup"), r.out);
    }

    /**
     * A model whose classifier overflows float range for classes 0 and 2 (weights and bias
     * {@code Float.MAX_VALUE}): their logits are +Inf, and softmax gave every class NaN, written
     * as null. Now the two share the probability, in the text and in valid JSON.
     */
    @Test
    void classifyWithInfiniteLogitsGivesTheirLimit(@TempDir Path dir) throws Exception {
        ModelConfig cfg = new ModelConfig(0.35, 32, 3, Padding.SYMMETRIC);
        Weights w = Weights.random(cfg, 3);
        int classifier = w.layers().size() - 1;
        float[] kernel = w.kernel(classifier), bias = w.bias(classifier);
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = i % 3 == 1 ? kernel[i] : Float.MAX_VALUE;
        }
        bias[0] = Float.MAX_VALUE;
        bias[2] = Float.MAX_VALUE;
        Path model = dir.resolve("overflow.onnx");
        OnnxExporter.write(w, InputNormalization.IMAGENET, model);
        Path img = image(dir, "img.png");
        try (Classifier c = OnnxModel.load(model).classifier(); // the premise: +Inf logits
             Session s = c.network().newSession()) {
            float[] logits = s.run(
                    c.normalization().apply(c.preprocess(ImageDecoder.read(img)).pixels()));
            assertEquals(Float.POSITIVE_INFINITY, logits[0], Arrays.toString(logits));
            assertEquals(Float.POSITIVE_INFINITY, logits[2], Arrays.toString(logits));
            assertTrue(Float.isFinite(logits[1]), Arrays.toString(logits));
        }
        Result r = run("classify", "--json", "--model", model.toString(), img.toString());
        assertEquals(0, r.status, r.err);
        List<?> top = (List<?>) ((Map<?, ?>) ((List<?>) StrictJson.object(r.out)
                .get("results")).get(0)).get("top");
        double[][] expected = {{0, 0.5}, {2, 0.5}, {1, 0}};
        for (int i = 0; i < expected.length; i++) {
            Map<?, ?> p = (Map<?, ?>) top.get(i);
            assertEquals(expected[i][0], (Double) p.get("index"), r.out);
            assertEquals(expected[i][1], (Double) p.get("probability"), r.out);
        }
        r = run("classify", "--model", model.toString(), img.toString());
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("      0  class 0                        0.5000\n"
                + "      2  class 2                        0.5000\n"
                + "      1  class 1                        0.0000\n"), r.out);
    }

    /**
     * A JVM whose standard output is ASCII (JDK 17's in the C locale, or with this property)
     * wrote each character past ASCII as "?": the JSON is ASCII now, and parses to the labels.
     */
    @Test
    void classifyJsonSurvivesAnAsciiStandardOutput(@TempDir Path dir) throws Exception {
        Path model = smallModel(dir);
        Path labels = Files.writeString(dir.resolve("labels.txt"),
                String.join("\n", TRICKY_LABELS) + "\n");
        Path img = image(dir, "img.png");
        ChildJvm.Streams r = ChildJvm.runApart(List.of("-Dsun.stdout.encoding=US-ASCII",
                        "-Dstdout.encoding=US-ASCII"), StandardCharsets.UTF_8, Main.class,
                "classify", "--json", "--backend", "scalar", "--normalization", "imagenet",
                "--labels", labels.toString(), "--model", model.toString(), img.toString());
        assertEquals(0, r.status(), r.err());
        List<?> top = (List<?>) ((Map<?, ?>) ((List<?>) StrictJson.object(r.out())
                .get("results")).get(0)).get("top");
        Set<Object> names = new HashSet<>();
        for (Object p : top) {
            names.add(((Map<?, ?>) p).get("label"));
        }
        assertEquals(Set.copyOf(TRICKY_LABELS), names, r.out());
    }

    /**
     * An image the classifier refuses with an IllegalArgumentException (its resizing's
     * intermediate image, 32 x 6e6 pixels, is past ImageDecoder.MAX_PIXELS) has one error text
     * in both outputs, naming the file: stderr said "IMG: java.lang.IllegalArgumentException:
     * ..." and the JSON the bare message, without the file.
     */
    @Test
    void anImageRefusedWhenResizedHasTheSameErrorInTextAndJson(@TempDir Path dir)
            throws Exception {
        Path model = smallModel(dir);
        Path tall = dir.resolve("tall.png");
        int height = (int) (ImageDecoder.MAX_PIXELS / 32 + 1);
        ImageIO.write(new BufferedImage(1, height, BufferedImage.TYPE_BYTE_GRAY), "png",
                tall.toFile());
        String[] args = {"classify", "--json", "--backend", "scalar", "--normalization",
                "imagenet", "--model", model.toString(), tall.toString()};
        Result json = run(args);
        assertEquals(1, json.status, json.err);
        List<?> results = (List<?>) StrictJson.object(json.out).get("results");
        String error = (String) ((Map<?, ?>) results.get(0)).get("error");
        assertTrue(error.startsWith(tall + ": resizing 1x" + height + " to 32x32"), error);
        assertEquals("error: " + error + "\n", json.err.replace("\r", ""));
        args[1] = "--threads=1"; // the text output
        Result text = run(args);
        assertEquals(1, text.status, text.err);
        assertEquals(json.err, text.err);
    }

    /**
     * An image 1 pixel wide and 10^6 tall decodes in a few MB, but the horizontal pass of its
     * resizing makes a 32 x 10^6 RGB image: in a 64 MB heap its OutOfMemoryError stopped the run,
     * left half a JSON document on stdout and blamed the model. Now it is that image's error
     * and the next image is classified.
     */
    @Test
    void anImageTooLargeToResizeInTheHeapIsItsOwnError(@TempDir Path dir) throws Exception {
        Path model = smallModel(dir);
        Path good = image(dir, "good.png");
        Path tall = dir.resolve("tall.png");
        ImageIO.write(new BufferedImage(1, 1_000_000, BufferedImage.TYPE_BYTE_GRAY), "png",
                tall.toFile());
        String[] args = {"classify", "--json", "--backend", "scalar", "--normalization",
                "imagenet", "--model", model.toString(), good.toString(), tall.toString(),
                good.toString()};
        ChildJvm.Streams r = ChildJvm.runApart(List.of("-Xmx64m"), StandardCharsets.UTF_8,
                Main.class, args);
        assertEquals(1, r.status(), r.err());
        List<?> results = (List<?>) StrictJson.object(r.out()).get("results");
        assertEquals(3, results.size(), r.out());
        String error = (String) ((Map<?, ?>) results.get(1)).get("error");
        assertTrue(error.startsWith("cannot resize image " + tall + " (1x1000000) to 32x32: the"
                + " intermediate 32x1000000 image (91 MiB) does not fit in the Java heap"), error);
        assertTrue(error.endsWith("raise it with -Xmx"), error);
        assertTrue(((Map<?, ?>) results.get(2)).containsKey("top"), "the next image: " + r.out());
        assertTrue(r.err().contains("error: " + error), r.err());
        assertFalse(r.err().contains("too small for this model"), r.err());
        args[1] = "--threads=1"; // the text: the same error, and the next image classified
        r = ChildJvm.runApart(List.of("-Xmx64m"), StandardCharsets.UTF_8, Main.class, args);
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("error: " + error), r.err());
        assertEquals(2, r.out().split(java.util.regex.Pattern.quote(good + "  (inference "),
                -1).length - 1, r.out());
    }
}
