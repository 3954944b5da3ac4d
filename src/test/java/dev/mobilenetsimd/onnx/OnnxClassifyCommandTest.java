package dev.mobilenetsimd.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.cli.ClassifyCommand;
import dev.mobilenetsimd.cli.ExportOnnxCommand;
import dev.mobilenetsimd.cli.StrictJson;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.testdata.RealData;
import dev.mobilenetsimd.tflite.TfliteModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code classify} on ONNX models: the primary TensorFlow Lite model exported by
 * {@code export-onnx} classifies the photos as the {@code .tflite} does, with no option; a model
 * without a recorded normalisation needs {@code --normalization}.
 */
class OnnxClassifyCommandTest {
    private static final String[] PHOTOS = {"cat.bmp", "grace_hopper.bmp", "bird.bmp",
            "parrot.jpg"};
    /** The expected top-1 of each photo (the data's README.txt). */
    private static final int[] TOP1 = {286, 653, 20, 89};

    private record Result(int status, String out, String err) {}

    private static Result run(Object command, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    private static Result classify(String... args) {
        return run(new ClassifyCommand(), args);
    }

    /** The photos' paths after {@code args}. */
    private static String[] withPhotos(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        for (String p : PHOTOS) {
            all.add(RealData.file(p).toString());
        }
        return all.toArray(new String[0]);
    }

    /** Per image of a {@code --json} run, its predictions as {index, label, probability}. */
    private static List<List<String[]>> predictions(String json) {
        List<List<String[]>> images = new ArrayList<>();
        for (Object result : (List<?>) StrictJson.object(json).get("results")) {
            List<String[]> top = new ArrayList<>();
            for (Object o : (List<?>) ((Map<?, ?>) result).get("top")) {
                Map<?, ?> p = (Map<?, ?>) o;
                top.add(new String[] {String.valueOf(((Double) p.get("index")).intValue()),
                        (String) p.get("label"), String.valueOf(p.get("probability"))});
            }
            images.add(top);
        }
        return images;
    }

    /**
     * Checks that two runs ranked the same classes with probabilities within {@code tolerance};
     * returns the top-1 per image.
     */
    private static int[] assertSameTop(String expected, String actual, double tolerance) {
        List<List<String[]>> a = predictions(expected), b = predictions(actual);
        assertEquals(PHOTOS.length, a.size(), expected);
        assertEquals(a.size(), b.size(), actual);
        int[] top1 = new int[a.size()];
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).size(), b.get(i).size(), PHOTOS[i]);
            for (int k = 0; k < a.get(i).size(); k++) {
                String[] x = a.get(i).get(k), y = b.get(i).get(k);
                assertEquals(x[0], y[0], PHOTOS[i] + ", rank " + k);
                assertEquals(Double.parseDouble(x[2]), Double.parseDouble(y[2]), tolerance,
                        PHOTOS[i] + ", class " + x[0]);
            }
            top1[i] = Integer.parseInt(b.get(i).get(0)[0]);
        }
        return top1;
    }

    @Test
    void anExportedTfliteModelClassifiesAsTheTfliteWithNoOption(@TempDir Path dir)
            throws Exception {
        Path tflite = RealData.model(RealData.TF1_QUANT);
        Path onnx = dir.resolve("m.onnx");
        Result export = run(new ExportOnnxCommand(), "--from", tflite.toString(), "-o",
                onnx.toString());
        assertEquals(0, export.status, export.err);
        assertTrue(export.out.contains("input normalisation 0.0078125000 * (p - 128.0)"),
                export.out);
        assertEquals(Optional.of(TfliteModel.load(tflite).inputNormalization()),
                OnnxModel.load(onnx).inputNormalization(), "recorded in the metadata");

        Result ref = classify(withPhotos("--json", "--model", tflite.toString()));
        assertEquals(0, ref.status, ref.err);
        Result ours = classify(withPhotos("--json", "--model", onnx.toString()));
        assertEquals(0, ours.status, ours.err);
        assertEquals("the model", StrictJson.object(ours.out).get("normalizationFrom"), ours.out);
        int[] top1 = assertSameTop(ref.out, ours.out, 1e-5);
        for (int i = 0; i < PHOTOS.length; i++) {
            assertEquals(TOP1[i], top1[i], PHOTOS[i]);
        }
        // ONNX carries no labels: classes by index, unless --labels names them
        assertEquals("class 286", predictions(ours.out).get(0).get(0)[1]);
        Result text = classify("--labels", RealData.file("imagenet_labels.txt").toString(),
                "-k", "1", "--model", onnx.toString(), RealData.file("cat.bmp").toString());
        assertEquals(0, text.status, text.err);
        assertTrue(text.out.contains("286  Egyptian cat"), text.out);
        assertTrue(text.out.contains("ONNX nodes"), "read as ONNX: " + text.out);
        assertTrue(text.out.contains("input normalisation 0.0078125000 * (p - 128.0), from the"
                + " model"), text.out);
    }

    /**
     * A model that records no normalisation (as torchvision exports it) is refused without
     * {@code --normalization}, in one line naming the option and both conventions; with it, it
     * classifies. The option overrides a TensorFlow Lite model's own normalisation too.
     */
    @Test
    void withoutRecordedNormalisationTheOptionIsRequired(@TempDir Path dir) throws Exception {
        Path tflite = RealData.model(RealData.TF1_QUANT);
        Path onnx = Files.write(dir.resolve("bare.onnx"),
                OnnxExporter.toBytes(TfliteModel.load(tflite).weights()));
        assertEquals(Optional.empty(), OnnxModel.load(onnx).inputNormalization());
        String cat = RealData.file("cat.bmp").toString();

        Result r = classify("--model", onnx.toString(), cat);
        assertEquals(2, r.status, r.err);
        assertEquals("", r.out);
        String[] lines = r.err.strip().split("\n");
        assertEquals(1, lines.length, r.err);
        assertTrue(lines[0].startsWith("error: " + onnx + ": an ONNX model that records no input"
                + " normalisation: give --normalization imagenet"), r.err);
        assertTrue(lines[0].contains("--normalization minus-one-to-one"), r.err);

        Result named = classify(withPhotos("--json", "--normalization", "minus-one-to-one",
                "--model", onnx.toString()));
        assertEquals(0, named.status, named.err);
        assertEquals("--normalization", StrictJson.object(named.out).get("normalizationFrom"),
                named.out);
        int[] top1 = assertSameTop(named.out, named.out, 0);
        for (int i = 0; i < PHOTOS.length; i++) {
            assertEquals(TOP1[i], top1[i], PHOTOS[i]);
        }
        // the same as MEAN/STD: (p/255 - 0.5) / 0.5 = (p - 127.5) / 127.5
        Result meanStd = classify(withPhotos("--json", "--normalization",
                "0.5,0.5,0.5/0.5,0.5,0.5", "--model", onnx.toString()));
        assertEquals(0, meanStd.status, meanStd.err);
        assertSameTop(named.out, meanStd.out, 0);
        // a TensorFlow Lite model's (p - 128) / 128 overridden: the same as the bare ONNX model
        Result tfl = classify(withPhotos("--json", "--normalization", "minus-one-to-one",
                "--model", tflite.toString()));
        assertEquals(0, tfl.status, tfl.err);
        assertSameTop(named.out, tfl.out, 1e-5);
        Result own = classify(withPhotos("--json", "--model", tflite.toString()));
        assertEquals(0, own.status, own.err);
        assertFalse(predictions(own.out).get(0).get(0)[2].equals(
                predictions(tfl.out).get(0).get(0)[2]), "overridden: " + own.out + tfl.out);
        // ImageNet's normalisation gives other probabilities than [-1, 1]
        Result imagenet = classify("--json", "--normalization", "imagenet", "--model",
                onnx.toString(), cat);
        assertEquals(0, imagenet.status, imagenet.err);
        assertTrue(imagenet.out.contains("\"normalization\": \""
                + InputNormalization.IMAGENET + "\""), imagenet.out);
        assertFalse(predictions(imagenet.out).get(0).get(0)[2].equals(
                predictions(named.out).get(0).get(0)[2]), imagenet.out);
    }

    @Test
    void badNormalizationOptionsAreNamedBeforeTheModelIsRead() {
        String[][] cases = {
                {"torch", "--normalization torch: not a known name nor MEAN/STD; expected"
                        + " imagenet, minus-one-to-one or MEAN/STD"},
                {"0.5,0.5/0.5,0.5,0.5", "mean [0.5, 0.5] has 2 values; expected exactly 3"},
                {"0.5,0.5,0.5/0.5,0,0.5", "std [0.5, 0.0, 0.5]: the green value 0.0 is not"
                        + " positive"},
                {"0.5,x,0.5/1,1,1", "mean value 'x' is not a decimal number"},
                // NaN and Infinity are numbers, not finite ones: named as typed, and as such
                {"NaN,0.5,0.5/1,1,1", "mean [NaN, 0.5, 0.5]: the red value NaN is not finite"},
                {"0.5,0.5,0.5/1,Infinity,1", "std [1.0, Infinity, 1.0]: the green value"
                        + " Infinity is not positive and finite"},
                {"0.5,0.5,0.5/1,1,X", "std value 'X' is not a decimal number"},
                // finite, but pixel values map past float range
                {"0.5,0.5,0.5/1,1e-300,1", "mean 0.5, std 1.0E-300 of the green channel: out"
                        + " of range"},
                {"0.5,0.5,0.5", "not a known name nor MEAN/STD"},
        };
        for (String[] c : cases) {
            Result r = classify("--normalization", c[0], "--model", "no-such-model.onnx",
                    "cat.bmp");
            assertEquals(2, r.status, r.err);
            assertTrue(r.err.startsWith("error: --normalization " + c[0] + ": "), r.err);
            assertTrue(r.err.contains(c[1]), "'" + c[1] + "' in " + r.err);
            assertFalse(r.err.contains("no-such-model"), r.err);
        }
    }

    /** A malformed recorded normalisation is an error naming the entry and its form. */
    @Test
    void malformedMetadataIsAClearError(@TempDir Path dir) throws Exception {
        OnnxProto.Model m = OnnxExporter.model(Weights.random(
                new ModelConfig(0.35, 32, 10, Padding.TF_SAME), 5));
        Map<String, String> meta = new LinkedHashMap<>(m.metadata());
        meta.put(OnnxExporter.NORMALIZATION_METADATA_KEY, "scale=1,1,1;offset=0,0");
        Path onnx = Files.write(dir.resolve("bad.onnx"), OnnxProto.write(
                OnnxNormalizationMetadataTest.withMetadata(m, meta)));
        for (String[] extra : new String[][] {{}, {"--normalization", "imagenet"}}) {
            List<String> args = new ArrayList<>(List.of(extra));
            args.addAll(List.of("--model", onnx.toString(), "cat.bmp"));
            Result r = classify(args.toArray(new String[0]));
            assertEquals(2, r.status, r.err);
            assertEquals("error: " + onnx + ": malformed metadata"
                    + " mobilenet-simd.input_normalization = 'scale=1,1,1;offset=0,0': offset has"
                    + " 2 values; expected 3; expected 'scale=SR,SG,SB;offset=OR,OG,OB' (real ="
                    + " scale[c] * (p - offset[c]) for 8-bit red, green, blue values p)",
                    r.err.strip());
        }
    }

    /**
     * An ONNX model of an opset newer than the importer knows is classified and exported with
     * one warning naming the file and the opset; one of opset 22 with none.
     */
    @Test
    void aNewerOpsetIsReadWithOneWarning(@TempDir Path dir) throws Exception {
        OnnxProto.Model m = OnnxExporter.model(Weights.random(
                new ModelConfig(0.35, 32, 10, Padding.TF_SAME), 5));
        String cat = RealData.file("cat.bmp").toString();
        for (long opset : new long[] {22, 23}) {
            Path onnx = Files.write(dir.resolve("opset" + opset + ".onnx"),
                    OnnxProto.write(OnnxTestSupport.withOpset(m, opset)));
            String expected = opset == 22 ? "" : "warning: " + onnx + ": the model imports"
                    + " opset 23 of the default ONNX domain, newer than 22, the newest this"
                    + " importer knows: its operators were read with their opset 22 meaning";
            Result r = classify("--normalization", "imagenet", "-k", "1", "--model",
                    onnx.toString(), cat);
            assertEquals(0, r.status, r.err);
            assertEquals(expected, r.err.strip());
            Result export = run(new ExportOnnxCommand(), "--from", onnx.toString(), "-o",
                    dir.resolve("copy" + opset + ".onnx").toString());
            assertEquals(0, export.status, export.err);
            assertEquals(expected, export.err.strip());
        }
    }

    /**
     * An ONNX model with a node whose output reaches no graph output is classified and exported
     * with one warning naming it (after the opset's, where there is one too), and the summary
     * counts it.
     */
    @Test
    void ignoredNodesAreNamedInTheWarning(@TempDir Path dir) throws Exception {
        OnnxProto.Model m = OnnxExporter.model(Weights.random(
                new ModelConfig(0.35, 32, 10, Padding.TF_SAME), 5));
        List<OnnxProto.Node> nodes = new ArrayList<>(m.graph().nodes());
        nodes.add(OnnxTestSupport.node("tap", "Shape", List.of("block5.add"), "tap"));
        OnnxProto.Model tapped = OnnxTestSupport.withGraph(m, nodes, m.graph().initializers());
        String cat = RealData.file("cat.bmp").toString();
        for (long opset : new long[] {13, 23}) {
            Path onnx = Files.write(dir.resolve("opset" + opset + ".onnx"),
                    OnnxProto.write(OnnxTestSupport.withOpset(tapped, opset)));
            String expected = "warning: " + onnx + ": " + (opset == 13 ? "" : "the model imports"
                    + " opset 23 of the default ONNX domain, newer than 22, the newest this"
                    + " importer knows: its operators were read with their opset 22 meaning; ")
                    + "ignored 1 node whose outputs reach no graph output: Shape 'tap'";
            Result r = classify("--normalization", "imagenet", "-k", "1", "--model",
                    onnx.toString(), cat);
            assertEquals(0, r.status, r.err);
            assertEquals(expected, r.err.strip());
            assertTrue(r.out.contains(" ONNX nodes (1 ignored: no graph output needs them), "),
                    r.out);
            Result export = run(new ExportOnnxCommand(), "--from", onnx.toString(), "-o",
                    dir.resolve("copy" + opset + ".onnx").toString());
            assertEquals(0, export.status, export.err);
            assertTrue(export.err.contains(expected), export.err);
        }
    }

    /**
     * The format comes from the file: an ONNX model under another name is read as ONNX once it
     * is not TensorFlow Lite, a TensorFlow Lite one named .onnx as TensorFlow Lite, and an empty
     * .onnx file is named as a bad ONNX file.
     */
    @Test
    void theFormatIsReadFromTheFile(@TempDir Path dir) throws Exception {
        Path tflite = RealData.model(RealData.TF1_QUANT);
        String cat = RealData.file("cat.bmp").toString();
        Path bin = dir.resolve("model.bin");
        Result export = run(new ExportOnnxCommand(), "--from", tflite.toString(), "-o",
                bin.toString());
        assertEquals(0, export.status, export.err);
        Result r = classify("-k", "1", "--model", bin.toString(), cat);
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("ONNX nodes") && r.out.contains("286  class 286"), r.out);

        Path renamed = Files.copy(tflite, dir.resolve("really-tflite.onnx"));
        r = classify("-k", "1", "--model", renamed.toString(), cat);
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("66 operators") && r.out.contains("286  Egyptian cat"), r.out);

        // export-onnx --from reads the format from the file too: ONNX under another name
        Path again = dir.resolve("again.onnx");
        export = run(new ExportOnnxCommand(), "--from", bin.toString(), "-o", again.toString());
        assertEquals(0, export.status, export.err);
        assertArrayEquals(Files.readAllBytes(bin), Files.readAllBytes(again));

        // a damaged model of another name: both formats named, with the ONNX reader's reason
        Path damaged = Files.write(dir.resolve("damaged.bin"),
                Arrays.copyOf(Files.readAllBytes(bin), 1000));
        r = classify("--model", damaged.toString(), cat);
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.startsWith("error: " + damaged + ": neither a TensorFlow Lite model (no"
                + " 'TFL3' identifier at byte 4) nor an ONNX model we can import ("), r.err);
        assertEquals(1, r.err.split(damaged.toString(), -1).length - 1, "named once: " + r.err);
        export = run(new ExportOnnxCommand(), "--from", damaged.toString(), "-o",
                dir.resolve("x.onnx").toString());
        assertEquals(2, export.status, export.err);
        assertTrue(export.err.contains(": neither a TensorFlow Lite model"), export.err);

        Path empty = Files.write(dir.resolve("empty.onnx"), new byte[0]);
        r = classify("--model", empty.toString(), cat);
        assertEquals(2, r.status, r.err);
        assertEquals("error: " + empty + ": empty file: not an ONNX model", r.err.strip());

        // labels for the 1000 ImageNet classes on the 1001-class model: refused as for .tflite
        Path labels = Files.write(dir.resolve("labels.txt"), Files.readAllLines(
                RealData.file("imagenet_labels.txt")).subList(1, 1001));
        r = classify("--labels", labels.toString(), "--model", bin.toString(), cat);
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("the labels " + labels + " have 1000 lines, the model 1001"
                + " classes"), r.err);
    }
}
