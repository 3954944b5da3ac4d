package dev.mobilenetsimd.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.cli.CliRun;
import dev.mobilenetsimd.cli.StrictJson;
import dev.mobilenetsimd.testdata.RealData;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resolution} of {@code classify} and {@code export-onnx --from}: the size to read an
 * ONNX model at whose input height and width are not fixed. A model that fixes its size
 * (ONNX or TensorFlow Lite) takes only that size; a value out of range or not a number is
 * refused before the model is read.
 */
class OnnxResolutionOptionTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 96, 10, Padding.SYMMETRIC);

    /** Our export of random weights with the input's height and width symbolic. */
    private static byte[] dynamicModel() {
        return OnnxProto.write(OnnxInputSizeTest.withInputDims(
                OnnxExporter.model(Weights.random(CFG, 3)),
                Arrays.asList("batch", 3L, "height", "width")));
    }

    private static Path image(Path dir) throws Exception {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        Random rnd = new Random(9);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, rnd.nextInt(1 << 24));
            }
        }
        Path file = dir.resolve("img.png");
        assertTrue(ImageIO.write(img, "png", file.toFile()));
        return file;
    }

    /** The classes and probabilities of a {@code classify --json} run's first image. */
    private static Object top(String json) {
        List<?> results = (List<?>) StrictJson.object(json).get("results");
        return ((Map<?, ?>) results.get(0)).get("top");
    }

    /**
     * classify runs a model of no fixed size at --resolution, as it runs the same weights
     * exported at that fixed size without the option; without it the model is refused, saying
     * how to give it, and a fixed size takes only itself.
     */
    @Test
    void classifyReadsAModelOfNoFixedSizeAtTheGivenResolution(@TempDir Path dir)
            throws Exception {
        byte[] bytes = dynamicModel();
        Path dynamic = Files.write(dir.resolve("dynamic.onnx"), bytes);
        Path fixed = Files.write(dir.resolve("fixed128.onnx"),
                OnnxExporter.toBytes(OnnxModel.read(bytes, 128).weights()));
        String img = image(dir).toString();
        String[] common = {"classify", "--json", "--normalization", "imagenet", "-k", "3"};

        CliRun given = CliRun.of(with(common, "-r", "128", "-m", dynamic.toString(), img));
        assertEquals(0, given.status(), given.err());
        assertEquals(128.0, ((Map<?, ?>) StrictJson.object(given.out()).get("config"))
                .get("resolution"), given.out());
        CliRun own = CliRun.of(with(common, "-m", fixed.toString(), img));
        assertEquals(0, own.status(), own.err());
        assertEquals(top(own.out()), top(given.out()));
        // the long name, and the fixed model at its own size
        CliRun same = CliRun.of(with(common, "--resolution", "128", "-m", fixed.toString(), img));
        assertEquals(0, same.status(), same.err());
        assertEquals(top(own.out()), top(same.out()));

        CliRun none = CliRun.of(with(common, "-m", dynamic.toString(), img));
        assertEquals(2, none.status(), none.err());
        assertEquals("", none.out());
        assertEquals("error: " + dynamic + ": not a MobileNetV2 graph: the input 'input' has"
                + " shape [batch, 3, height, width]: its height and width are not fixed in the"
                + " model; give the resolution to read it at: OnnxModel.load(file, resolution)"
                + " or OnnxModel.read(bytes, resolution), or --resolution on the command line"
                + " (classify, export-onnx --from)", none.err().strip());

        CliRun other = CliRun.of(with(common, "-r", "96", "-m", fixed.toString(), img));
        assertEquals(2, other.status(), other.err());
        assertEquals("error: " + fixed + ": the input 'input' has shape [batch, 3, 128, 128]:"
                + " the model fixes its size at 128x128, and the resolution given is 96; the"
                + " resolution given (OnnxModel.load(file, resolution) or"
                + " OnnxModel.read(bytes, resolution); --resolution on the command line) must"
                + " be 128, or be left out", other.err().strip());
    }

    /**
     * export-onnx --from writes a model of no fixed size at --resolution: ONNX Runtime gives
     * the written model's logits as the source's at that size. Without it the source is
     * refused; the other configuration options stay refused with --from.
     */
    @Test
    void exportReadsAModelOfNoFixedSizeAtTheGivenResolution(@TempDir Path dir)
            throws Exception {
        byte[] bytes = dynamicModel();
        Path dynamic = Files.write(dir.resolve("dynamic.onnx"), bytes);
        Path out = dir.resolve("out.onnx");
        CliRun r = CliRun.of("export-onnx", "--from", dynamic.toString(), "-r", "128", "-o",
                out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(new ModelConfig(0.35, 128, 10, Padding.SYMMETRIC),
                OnnxModel.load(out).config());
        float[] img = OnnxModel.nhwcToNchw(OnnxTestSupport.randomImage(128, 5), 128, 128, 3);
        float[] source = OnnxTestSupport.runOrt(bytes, img, 128, 1);
        float[] written = OnnxTestSupport.runOrt(Files.readAllBytes(out), img, 128, 1);
        float tol = OnnxRuntimeAgreementTest.RELATIVE_TOLERANCE
                * Math.max(1f, OnnxTestSupport.maxAbs(source));
        assertTrue(OnnxTestSupport.maxAbsDiff(source, written) <= tol,
                Arrays.toString(source) + " " + Arrays.toString(written));

        Path none = dir.resolve("none.onnx");
        r = CliRun.of("export-onnx", "--from", dynamic.toString(), "-o", none.toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("its height and width are not fixed in the model; give the"
                + " resolution to read it at"), r.err());
        assertFalse(Files.exists(none));
        r = CliRun.of("export-onnx", "--from", dynamic.toString(), "-r", "128", "-a", "0.5", "-o",
                none.toString());
        assertEquals(2, r.status(), r.err());
        assertEquals("error: --alpha and --from: the options describe random weights, and"
                + " --from writes the model's own configuration; expected one or the other",
                r.err().strip());
        assertFalse(Files.exists(none));
    }

    /**
     * Values out of range or not decimal integers are refused, naming the option and its
     * range, before the model is read (the model named here does not exist).
     */
    @Test
    void badValuesAreRefusedBeforeTheModelIsRead(@TempDir Path dir) {
        String missing = dir.resolve("no-such-model.onnx").toString();
        String range = ModelConfig.MIN_RESOLUTION + " to " + ModelConfig.MAX_RESOLUTION;
        String[][] cases = {
                {"0", "error: --resolution 0: expected " + range + " pixels"},
                {"-224", "error: --resolution -224: expected " + range + " pixels"},
                {"2049", "error: --resolution 2049: expected " + range + " pixels"},
                {"abc", "error: Invalid value for option '--resolution': 'abc' is not a decimal"
                        + " integer (digits 0 to 9, with an optional sign)"},
                {"224px", "error: Invalid value for option '--resolution': '224px' is not a"
                        + " decimal integer (digits 0 to 9, with an optional sign)"},
                {"99999999999", "error: Invalid value for option '--resolution': '99999999999'"
                        + " is out of range: expected " + range},
        };
        for (String[] c : cases) {
            CliRun r = CliRun.of("classify", "--normalization", "imagenet", "-r", c[0], "-m",
                    missing, "img.png");
            assertEquals(2, r.status(), r.err());
            assertEquals(c[1], r.err().lines().findFirst().orElse(""), c[0]);
            assertFalse(r.err().contains("no-such-model"), r.err());
            r = CliRun.of("export-onnx", "--from", missing, "--resolution", c[0], "-o",
                    dir.resolve("x.onnx").toString());
            assertEquals(2, r.status(), r.err());
            assertEquals(c[1], r.err().lines().findFirst().orElse(""), c[0]);
            assertFalse(r.err().contains("no-such-model"), r.err());
        }
        String help = CliRun.of("classify", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("-r, --resolution=PIXELS Input height and width to run an ONNX"
                + " model at whose input size is not fixed"), help);
    }

    /**
     * A TensorFlow Lite model's input size is always fixed: --resolution must be it, and
     * another is refused, naming both.
     */
    @Test
    void aTfliteModelTakesOnlyItsOwnSize(@TempDir Path dir) throws Exception {
        Path tflite = RealData.model(RealData.TF1_QUANT);
        String img = image(dir).toString();
        CliRun r = CliRun.of("classify", "-k", "1", "-r", "224", "-m", tflite.toString(), img);
        assertEquals(0, r.status(), r.err());
        String expected = "error: " + tflite + ": the TensorFlow Lite model fixes its input"
                + " size at 224x224, and --resolution is 160; --resolution must be 224, or be"
                + " left out";
        r = CliRun.of("classify", "-k", "1", "-r", "160", "-m", tflite.toString(), img);
        assertEquals(2, r.status(), r.err());
        assertEquals(expected, r.err().strip());
        Path out = dir.resolve("x.onnx");
        r = CliRun.of("export-onnx", "--from", tflite.toString(), "-r", "160", "-o",
                out.toString());
        assertEquals(2, r.status(), r.err());
        assertEquals(expected, r.err().strip());
        assertFalse(Files.exists(out));
    }

    private static String[] with(String[] common, String... more) {
        String[] all = Arrays.copyOf(common, common.length + more.length);
        System.arraycopy(more, 0, all, common.length, more.length);
        return all;
    }
}
