package dev.mobilenetsimd.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.onnx.OnnxProto.Attribute;
import dev.mobilenetsimd.onnx.OnnxProto.Model;
import dev.mobilenetsimd.onnx.OnnxProto.Node;
import dev.mobilenetsimd.onnx.OnnxProto.Tensor;
import dev.mobilenetsimd.onnx.OnnxProto.ValueInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models whose input height and width are not fixed (a dim_param, as torch.onnx.export writes
 * them with dynamic_axes, an unnamed dim or a negative dim_value; or an input without a shape),
 * which ONNX Runtime runs at whatever size it is fed: read at the size the caller gives, they
 * give ONNX Runtime's logits at that size; without one they are refused, saying how to give it.
 * A size the model fixes must be the one given, as ONNX Runtime refuses an image of another.
 */
class OnnxInputSizeTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 96, 1000, Padding.SYMMETRIC);
    private static final String HOW = "give the resolution to read it at:"
            + " OnnxModel.load(file, resolution) or OnnxModel.read(bytes, resolution), or"
            + " --resolution on the command line (classify, export-onnx --from)";

    private static Model base(ModelConfig cfg) {
        return OnnxExporter.model(Weights.random(cfg, 21));
    }

    /** {@code m} with its input's dims set to {@code dims} (null: no shape at all). */
    static Model withInputDims(Model m, List<Object> dims) {
        OnnxProto.Graph g = m.graph();
        ValueInfo in = g.inputs().get(0);
        return new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                new OnnxProto.Graph(g.name(), g.nodes(), g.initializers(),
                        List.of(new ValueInfo(in.name(), in.elemType(), dims)), g.outputs()),
                m.metadata());
    }

    /** The input dims [batch, 3, h, w]; null for a dim without dim_value or dim_param. */
    private static List<Object> dims(Object h, Object w) {
        return Arrays.asList("batch", 3L, h, w);
    }

    /**
     * Reads {@code bytes} at {@code r} and checks our logits, on both backends, against ONNX
     * Runtime running the same bytes on the same r x r image.
     */
    static OnnxModel checkAgainstOrtAt(byte[] bytes, int r) throws Exception {
        OnnxModel imported = OnnxModel.read(bytes, r);
        assertEquals(r, imported.config().resolution());
        float[] img = OnnxTestSupport.randomImage(r, 4);
        float[] ort = OnnxTestSupport.runOrt(bytes, OnnxModel.nhwcToNchw(img, r, r, 3), r, 1);
        float tol = OnnxRuntimeAgreementTest.RELATIVE_TOLERANCE
                * Math.max(1f, OnnxTestSupport.maxAbs(ort));
        for (KernelSet k : new KernelSet[] {KernelSets.vector(), KernelSets.scalar()}) {
            float[] ours = OnnxTestSupport.runOurs(imported.config(), imported.weights(), k, img);
            float diff = OnnxTestSupport.maxAbsDiff(ort, ours);
            assertTrue(diff <= tol, k.name() + " at " + r + ": max |Δlogit| " + diff + " > "
                    + tol);
            assertArrayEquals(OnnxTestSupport.top(ort, 5), OnnxTestSupport.top(ours, 5),
                    k.name() + " at " + r);
        }
        return imported;
    }

    /**
     * Height and width symbolic, unnamed or negative (each way, and mixed) run at the size
     * given, the export's own or another, as ONNX Runtime runs them.
     */
    @Test
    void heightAndWidthNotFixedRunAtTheGivenSize() throws Exception {
        List<List<Object>> shapes = List.of(dims("height", "width"), dims(null, null),
                dims(-1L, -1L), dims("h", null), dims(-1L, "w"));
        for (List<Object> shape : shapes) {
            byte[] bytes = OnnxProto.write(withInputDims(base(CFG), shape));
            for (int r : new int[] {96, 128}) {
                assertEquals(new ModelConfig(0.35, r, 1000, Padding.SYMMETRIC),
                        checkAgainstOrtAt(bytes, r).config(), shape + " at " + r);
            }
        }
    }

    /**
     * TensorFlow padding written as auto_pad SAME_UPPER is worked out at the size given: at
     * 113 the stride-2 layers see odd sizes (one zero before and after) and even ones (none
     * before, one after), as ONNX Runtime pads them.
     */
    @Test
    void autoPadIsWorkedOutAtTheGivenSize() throws Exception {
        ModelConfig tf = new ModelConfig(0.35, 96, 1000, Padding.TF_SAME);
        Model m = OnnxTestSupport.mapNodes(base(tf), n -> n.opType().equals("Conv")
                && n.attribute("kernel_shape").ints()[0] == 3
                ? OnnxTestSupport.withAttribute(withoutPads(n),
                        Attribute.ofString("auto_pad", "SAME_UPPER")) : n);
        m = new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                m.graph(), Map.of()); // no padding hint: the graph alone decides
        byte[] bytes = OnnxProto.write(withInputDims(m, dims("height", "width")));
        assertEquals(new ModelConfig(0.35, 113, 1000, Padding.TF_SAME),
                checkAgainstOrtAt(bytes, 113).config());
    }

    private static Node withoutPads(Node n) {
        List<Attribute> attrs = new ArrayList<>(n.attributes());
        attrs.removeIf(a -> a.name().equals("pads"));
        return new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), attrs);
    }

    /**
     * Without a size, such a model is refused, the message saying which size is not fixed and
     * how to give one; from a file, naming the file.
     */
    @Test
    void notFixedWithoutAGivenSizeIsRefused(@TempDir Path dir) throws Exception {
        Object[][] cases = {
                {dims("height", "width"), "[batch, 3, height, width]", "height and width are"},
                {dims(null, null), "[batch, 3, ?, ?]", "height and width are"},
                {dims(-1L, -1L), "[batch, 3, -1, -1]", "height and width are"},
                {dims("h", 96L), "[batch, 3, h, 96]", "height is"},
                {dims(96L, -5L), "[batch, 3, 96, -5]", "width is"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            byte[] bytes = OnnxProto.write(withInputDims(base(CFG), (List<Object>) c[0]));
            OnnxFormatException e = assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(bytes));
            assertEquals("not a MobileNetV2 graph: the input 'input' has shape " + c[1]
                    + ": its " + c[2] + " not fixed in the model; " + HOW, e.getMessage());
        }
        Path file = Files.write(dir.resolve("dynamic.onnx"),
                OnnxProto.write(withInputDims(base(CFG), dims("height", "width"))));
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.load(file));
        assertTrue(e.getMessage().startsWith(file + ": not a MobileNetV2 graph: the input"
                + " 'input' has shape [batch, 3, height, width]: its height and width are not"
                + " fixed in the model; give the resolution"), e.getMessage());
        assertEquals(new ModelConfig(0.35, 160, 1000, Padding.SYMMETRIC),
                OnnxModel.load(file, 160).config());
    }

    /**
     * A size the model fixes must be the size given: ONNX Runtime refuses an image of another
     * size, so the model is refused at it, naming both sizes. A fixed height with a width not
     * fixed (or the other way) takes only the fixed size.
     */
    @Test
    void aFixedSizeMustBeTheGivenOne() throws Exception {
        byte[] fixed = OnnxProto.write(base(CFG));
        assertEquals(CFG, checkAgainstOrtAt(fixed, 96).config());
        assertThrows(OrtException.class, () -> OnnxTestSupport.runOrt(fixed,
                new float[3 * 128 * 128], 128, 1));
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.read(fixed, 128));
        assertEquals("the input 'input' has shape [batch, 3, 96, 96]: the model fixes its size"
                + " at 96x96, and the resolution given is 128; the resolution given"
                + " (OnnxModel.load(file, resolution) or OnnxModel.read(bytes, resolution);"
                + " --resolution on the command line) must be 96, or be left out",
                e.getMessage());

        Object[][] halfFixed = {{dims(96L, "width"), "height", "[batch, 3, 96, width]"},
                {dims(null, 96L), "width", "[batch, 3, ?, 96]"}};
        for (Object[] c : halfFixed) {
            @SuppressWarnings("unchecked")
            List<Object> shape = (List<Object>) c[0];
            byte[] bytes = OnnxProto.write(withInputDims(base(CFG), shape));
            assertEquals(CFG, checkAgainstOrtAt(bytes, 96).config(), shape.toString());
            assertThrows(OrtException.class, () -> OnnxTestSupport.runOrt(bytes,
                    new float[3 * 128 * 128], 128, 1));
            e = assertThrows(OnnxFormatException.class, () -> OnnxModel.read(bytes, 128));
            assertEquals("the input 'input' has shape " + c[2] + ": the model fixes its "
                    + c[1] + " at 96, and the resolution given is 128; the resolution given "
                    + OnnxGraphImporter.WHERE_RESOLUTION_IS_GIVEN + " must be 96 (height"
                    + " and width are one size)", e.getMessage());
        }
        // channels last (NHWC) with the height and width symbolic: not a width of 3 to give
        byte[] nhwc = OnnxProto.write(withInputDims(base(CFG),
                Arrays.asList("batch", "height", "width", 3L)));
        for (Integer r : new Integer[] {null, 96}) {
            e = assertThrows(OnnxFormatException.class, () -> read(nhwc, r));
            assertEquals("not a MobileNetV2 graph: the input 'input' has shape [batch, height,"
                    + " width, 3]: its width is fixed at 3, outside " + ModelConfig.MIN_RESOLUTION
                    + " to " + ModelConfig.MAX_RESOLUTION + "; expected one square RGB image"
                    + " [N, 3, size, size] (NCHW), or [N, size, size, 3] (NHWC, then a"
                    + " Transpose of perm [0, 3, 1, 2])", e.getMessage());
        }
        // not square, fixed: refused as before, with a size given or not
        byte[] oblong = OnnxProto.write(withInputDims(base(CFG), dims(96L, 128L)));
        for (Integer r : new Integer[] {null, 96}) {
            e = assertThrows(OnnxFormatException.class, () -> read(oblong, r));
            assertEquals("not a MobileNetV2 graph: the input 'input' has shape [batch, 3, 96,"
                    + " 128]; expected one square RGB image [N, 3, size, size] (NCHW)",
                    e.getMessage());
        }
    }

    /**
     * A height fixed at the smallest resolution, the width not fixed, runs at that size as
     * ONNX Runtime runs it; a dim_value of 0 is a fixed size, not one learnt when run: a 0x0
     * or 0-channel input is refused whatever size is given, as ONNX Runtime refuses an image
     * of that size on it.
     */
    @Test
    void aFixedSizeAtTheBoundsOrOfZero() throws Exception {
        int min = ModelConfig.MIN_RESOLUTION;
        byte[] smallest = OnnxProto.write(withInputDims(base(CFG), dims((long) min, "width")));
        assertEquals(new ModelConfig(0.35, min, 1000, Padding.SYMMETRIC),
                checkAgainstOrtAt(smallest, min).config());
        Object[][] zero = {{dims(0L, 0L), "the input resolution 0 is outside " + min + " to "
                + ModelConfig.MAX_RESOLUTION},
                {Arrays.asList("batch", 0L, "height", "width"), "the input 'input' has shape"
                        + " [batch, 0, height, width]; expected one square RGB image"}};
        for (Object[] c : zero) {
            @SuppressWarnings("unchecked")
            List<Object> shape = (List<Object>) c[0];
            byte[] bytes = OnnxProto.write(withInputDims(base(CFG), shape));
            assertThrows(OrtException.class, () -> OnnxTestSupport.runOrt(bytes,
                    new float[3 * 96 * 96], 96, 1), shape.toString());
            OnnxFormatException e = assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(bytes, 96));
            assertTrue(e.getMessage().startsWith("not a MobileNetV2 graph: " + c[1]),
                    e.getMessage());
        }
    }

    /** {@code bytes} read at {@code r}, or at the model's own size where it is null. */
    private static OnnxModel read(byte[] bytes, Integer r) throws OnnxFormatException {
        return r == null ? OnnxModel.read(bytes) : OnnxModel.read(bytes, r);
    }

    /**
     * An input without a shape ONNX Runtime runs at any size: read at the size given. Its
     * channels are then the stem's, which must take 3: a stem of one channel is refused, as a
     * channel dim not fixed is taken for the stem's.
     */
    @Test
    void anInputWithoutAShapeRunsAtTheGivenSize() throws Exception {
        byte[] bytes = OnnxProto.write(withInputDims(base(CFG), null));
        assertEquals(new ModelConfig(0.35, 128, 1000, Padding.SYMMETRIC),
                checkAgainstOrtAt(bytes, 128).config());
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.read(bytes));
        assertEquals("not a MobileNetV2 graph: the input 'input' has no shape, so its size is"
                + " not fixed in the model; expected [N, 3, size, size] (NCHW), or " + HOW,
                e.getMessage());

        byte[] channelsNotFixed = OnnxProto.write(withInputDims(base(CFG),
                Arrays.asList("batch", "channels", "height", "width")));
        assertEquals(new ModelConfig(0.35, 128, 1000, Padding.SYMMETRIC),
                checkAgainstOrtAt(channelsNotFixed, 128).config());

        Model grey = greyStem(base(CFG));
        for (List<Object> shape : Arrays.<List<Object>>asList(null,
                Arrays.asList("batch", "channels", "height", "width"))) {
            byte[] b = OnnxProto.write(withInputDims(grey, shape));
            e = assertThrows(OnnxFormatException.class, () -> OnnxModel.read(b, 96));
            assertEquals("not a MobileNetV2 graph: the stem convolution (Conv 'stem.conv')"
                    + " takes 1 input channels (weights 'stem.weight' float32 [16, 1, 3, 3]);"
                    + " expected 3, an RGB image", e.getMessage());
        }
        // a fixed channel count other than 3 is refused by the input's shape, as before
        byte[] fixedGrey = OnnxProto.write(withInputDims(grey,
                Arrays.asList("batch", 1L, 96L, 96L)));
        e = assertThrows(OnnxFormatException.class, () -> OnnxModel.read(fixedGrey));
        assertEquals("not a MobileNetV2 graph: the input 'input' has shape [batch, 1, 96, 96];"
                + " expected one square RGB image [N, 3, size, size] (NCHW)", e.getMessage());
    }

    /** {@code m} with its stem convolution taking one channel: its weights' first slice. */
    private static Model greyStem(Model m) throws OnnxFormatException {
        List<Tensor> inits = new ArrayList<>();
        for (Tensor t : m.graph().initializers()) {
            if (t.name().equals("stem.weight")) {
                long[] d = t.dims();
                float[] all = t.toFloats();
                float[] one = new float[(int) d[0] * 9];
                for (int o = 0; o < d[0]; o++) {
                    System.arraycopy(all, o * 27, one, o * 9, 9);
                }
                t = Tensor.ofFloats(t.name(), one, d[0], 1, 3, 3);
            }
            inits.add(t);
        }
        return OnnxTestSupport.withGraph(m, m.graph().nodes(), inits);
    }

    /** A size outside the plan's range is refused before the file is read. */
    @Test
    void aGivenSizeOutOfRangeIsRefused(@TempDir Path dir) {
        byte[] bytes = OnnxProto.write(withInputDims(base(CFG), dims("height", "width")));
        for (int r : new int[] {0, -1, ModelConfig.MIN_RESOLUTION - 1,
                ModelConfig.MAX_RESOLUTION + 1}) {
            String expected = "resolution = " + r + " is not allowed: expected "
                    + ModelConfig.MIN_RESOLUTION + " to " + ModelConfig.MAX_RESOLUTION
                    + " pixels";
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxModel.read(bytes, r));
            assertEquals(expected, e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxModel.load(dir.resolve("missing.onnx"), r));
            assertEquals(expected, e.getMessage());
        }
    }
}
