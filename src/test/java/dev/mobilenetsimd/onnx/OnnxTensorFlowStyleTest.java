package dev.mobilenetsimd.onnx;

import static dev.mobilenetsimd.onnx.OnnxTestSupport.mapNodes;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.onnx.OnnxProto.Attribute;
import dev.mobilenetsimd.onnx.OnnxProto.Graph;
import dev.mobilenetsimd.onnx.OnnxProto.Model;
import dev.mobilenetsimd.onnx.OnnxProto.Node;
import dev.mobilenetsimd.onnx.OnnxProto.Tensor;
import dev.mobilenetsimd.onnx.OnnxProto.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The two things tf2onnx writes for a Keras MobileNetV2 that torchvision's export does not: an
 * NHWC input {@code [N, size, size, 3]} transposed (perm [0, 3, 1, 2]) for the stem, and
 * Keras's ZeroPadding2D before the stride-2 convolutions as Pad nodes. Built from our own
 * export (random weights, both paddings), they must give ONNX Runtime's logits on the same
 * file, fed the NHWC image; the near misses are refused naming the node and the form expected.
 */
class OnnxTensorFlowStyleTest {
    private static final ModelConfig TF = new ModelConfig(0.35, 96, 10, Padding.TF_SAME);
    private static final ModelConfig SYM = new ModelConfig(0.35, 96, 10, Padding.SYMMETRIC);
    private static final String NHWC_INPUT = "input_nhwc";

    private static Model base(ModelConfig cfg) {
        return OnnxExporter.model(Weights.random(cfg, 39));
    }

    /**
     * {@code m} with its NCHW input replaced by an NHWC one of {@code dims} (null: the same
     * batch, height and width) that a Transpose of {@code perm} (null: none given) makes the
     * old input.
     */
    private static Model nhwc(Model m, List<Object> dims, long[] perm) {
        Graph g = m.graph();
        ValueInfo in = g.inputs().get(0);
        List<Object> d = in.dims();
        List<Object> shape = dims != null ? dims
                : Arrays.asList(d.get(0), d.get(2), d.get(3), d.get(1));
        List<Node> nodes = new ArrayList<>();
        nodes.add(perm == null ? node("to_nchw", "Transpose", List.of(NHWC_INPUT), in.name())
                : node("to_nchw", "Transpose", List.of(NHWC_INPUT), in.name(),
                        Attribute.ofInts("perm", perm)));
        nodes.addAll(g.nodes());
        return new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                new Graph(g.name(), nodes, g.initializers(),
                        List.of(new ValueInfo(NHWC_INPUT, in.elemType(), shape)), g.outputs()),
                m.metadata());
    }

    private static Model nhwc(Model m) {
        return nhwc(m, null, new long[] {0, 3, 1, 2});
    }

    /** How the pads of a stride-2 convolution are split between a Pad and the Conv. */
    private enum Split {
        /** All in the Pad, none left on the Conv (as tf2onnx writes ZeroPadding2D). */
        ALL,
        /** Bottom and right in the Pad, top and left on the Conv: the sum is the pads. */
        BOTTOM_RIGHT
    }

    /**
     * {@code m} with the pads of its stride-2 convolutions moved into Pad nodes before them:
     * their pads an attribute before opset 11, an initializer from it (with a constant_value
     * input of 0 where {@code withValue}).
     */
    private static Model padsInPadNodes(Model m, Split split, boolean withValue) {
        long opset = m.defaultOpset();
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        if (withValue) {
            inits.add(Tensor.ofFloats("pad.zero", new float[] {0f}));
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            Attribute strides = n.attribute("strides");
            if (!n.opType().equals("Conv") || strides.ints()[0] != 2) {
                nodes.add(n);
                continue;
            }
            long[] p = n.attribute("pads").ints();
            long[] moved = split == Split.ALL ? p : new long[] {0, 0, p[2], p[3]};
            long[] kept = new long[4];
            for (int i = 0; i < 4; i++) {
                kept[i] = p[i] - moved[i];
            }
            long[] pads = {0, 0, moved[0], moved[1], 0, 0, moved[2], moved[3]};
            String padded = n.input(0) + ".padded";
            nodes.add(pad(n.name() + ".pad", n.input(0), padded, pads, opset, withValue, inits));
            Node conv = OnnxTestSupport.withInputs(n, padded, n.input(1), n.input(2));
            nodes.add(OnnxTestSupport.withAttribute(conv, Attribute.ofInts("pads", kept)));
        }
        return OnnxTestSupport.withGraph(m, nodes, inits);
    }

    /** A Pad of {@code in} by {@code pads}, in the form of {@code opset}. */
    private static Node pad(String name, String in, String out, long[] pads, long opset,
                            boolean withValue, List<Tensor> inits) {
        if (opset < 11) {
            return node(name, "Pad", List.of(in), out, Attribute.ofString("mode", "constant"),
                    Attribute.ofInts("pads", pads), Attribute.ofFloat("value", 0f));
        }
        inits.add(Tensor.ofLongs(name + ".pads", pads, pads.length));
        return node(name, "Pad", withValue ? List.of(in, name + ".pads", "pad.zero")
                : List.of(in, name + ".pads"), out, Attribute.ofString("mode", "constant"));
    }

    /** {@code m} at opset 10: its Clip bounds as attributes. */
    private static Model opset10(Model m) {
        return mapNodes(OnnxTestSupport.withOpset(m, 10), n -> n.opType().equals("Clip")
                ? new Node(n.name(), "Clip", "", List.of(n.input(0)), n.outputs(),
                        List.of(Attribute.ofFloat("min", 0f), Attribute.ofFloat("max", 6f)))
                : n);
    }

    /**
     * Imports {@code m} (at {@code r} where not null) and checks it is {@code cfg}, NHWC, and
     * gives ONNX Runtime's logits on the same bytes fed the NHWC image, on both backends.
     */
    private static void checkAgainstOrt(Model m, ModelConfig cfg, Integer r) throws Exception {
        byte[] bytes = OnnxProto.write(m);
        OnnxModel imported = r == null ? OnnxModel.read(bytes) : OnnxModel.read(bytes, r);
        assertEquals(cfg, imported.config());
        assertTrue(imported.nhwcInput());
        assertEquals(NHWC_INPUT, imported.inputName());
        int res = cfg.resolution();
        float[] img = OnnxTestSupport.randomImage(res, 7);
        float[] ort = OnnxTestSupport.runOrt(bytes, img, new long[] {1, res, res, 3}, 1);
        float tol = OnnxRuntimeAgreementTest.RELATIVE_TOLERANCE
                * Math.max(1f, OnnxTestSupport.maxAbs(ort));
        for (KernelSet k : new KernelSet[] {KernelSets.vector(), KernelSets.scalar()}) {
            float[] ours = OnnxTestSupport.runOurs(imported.config(), imported.weights(), k, img);
            float diff = OnnxTestSupport.maxAbsDiff(ort, ours);
            assertTrue(diff <= tol, k.name() + ": max |Δlogit| " + diff + " > " + tol);
            assertArrayEquals(OnnxTestSupport.top(ort, 5), OnnxTestSupport.top(ours, 5),
                    k.name());
        }
    }

    private static String refused(Model m) {
        byte[] bytes = OnnxProto.write(m);
        return assertThrows(OnnxFormatException.class, () -> OnnxModel.read(bytes))
                .getMessage();
    }

    @Test
    void nhwcInputThenTransposeGivesOrtLogits() throws Exception {
        for (ModelConfig cfg : new ModelConfig[] {TF, SYM}) {
            checkAgainstOrt(nhwc(base(cfg)), cfg, null);
            checkAgainstOrt(OnnxTestSupport.withBatch(nhwc(base(cfg)), 1L), cfg, null);
        }
        // our own NCHW export says so
        assertFalse(OnnxModel.read(OnnxProto.write(base(TF))).nhwcInput());
    }

    /**
     * What export-onnx --from writes of an NHWC model: our NCHW export, which ONNX Runtime runs
     * on the NCHW image as it runs the NHWC file on the NHWC one.
     */
    @Test
    void anNhwcModelIsWrittenBackWithAnNchwInput() throws Exception {
        byte[] nhwcBytes = OnnxProto.write(padsInPadNodes(nhwc(base(TF)), Split.ALL, false));
        OnnxModel imported = OnnxModel.read(nhwcBytes);
        byte[] nchwBytes = OnnxProto.write(OnnxExporter.model(imported.weights()));
        OnnxModel back = OnnxModel.read(nchwBytes);
        assertFalse(back.nhwcInput());
        assertEquals(TF, back.config());
        int r = TF.resolution();
        float[] img = OnnxTestSupport.randomImage(r, 8);
        float[] fromNhwc = OnnxTestSupport.runOrt(nhwcBytes, img, new long[] {1, r, r, 3}, 1);
        float[] fromNchw = OnnxTestSupport.runOrt(nchwBytes, OnnxModel.nhwcToNchw(img, r, r, 3),
                r, 1);
        float tol = OnnxRuntimeAgreementTest.RELATIVE_TOLERANCE
                * Math.max(1f, OnnxTestSupport.maxAbs(fromNhwc));
        assertTrue(OnnxTestSupport.maxAbsDiff(fromNhwc, fromNchw) <= tol);
    }

    /**
     * Pad's pads and value are attributes up to opset 10 and inputs from 11: ONNX Runtime
     * refuses the other form, as we do.
     */
    @Test
    void aPadInTheFormOfAnotherOpsetIsRefused() {
        Model at13 = padsInPadNodes(nhwc(base(TF)), Split.ALL, false);
        Model attrAt13 = withStemPad(at13, n -> OnnxTestSupport.withAttributes(
                OnnxTestSupport.withInputs(n, n.input(0)), Attribute.ofString("mode", "constant"),
                Attribute.ofInts("pads", 0, 0, 0, 0, 0, 0, 1, 1)));
        assertEquals("Pad 'stem.conv.pad' has attribute 'pads', which Pad has up to opset 10;"
                + " the model imports opset 13, where pads and value are inputs",
                refused(attrAt13));
        Model at10 = padsInPadNodes(opset10(nhwc(base(TF))), Split.ALL, false);
        List<Tensor> inits = new ArrayList<>(at10.graph().initializers());
        inits.add(Tensor.ofLongs("pads.input", new long[] {0, 0, 0, 0, 0, 0, 1, 1}, 8));
        Model inputAt10 = withStemPad(at10, n -> OnnxTestSupport.withInputs(n, n.input(0),
                "pads.input"));
        inputAt10 = OnnxTestSupport.withGraph(inputAt10, inputAt10.graph().nodes(), inits);
        assertEquals("Pad 'stem.conv.pad' has its pads as inputs, as Pad has them from opset 11;"
                + " the model imports opset 10, where they are attributes", refused(inputAt10));
        // axes, an input from opset 18
        Model axes = withStemPad(at13, n -> OnnxTestSupport.withInputs(n, n.input(0),
                n.input(1), "", "stem.conv.pad.pads"));
        assertThrows(OrtException.class, () -> runOrt(axes));
        assertEquals("Pad 'stem.conv.pad' has input axes 'stem.conv.pad.pads', which Pad has"
                + " from opset 18; the model imports opset 13", refused(axes));
        // at opset 17 too, the last before 18 (Pad-13 has three inputs)
        Model axesAt17 = OnnxTestSupport.withOpset(axes, 17);
        assertThrows(OrtException.class, () -> runOrt(axesAt17));
        assertEquals("Pad 'stem.conv.pad' has input axes 'stem.conv.pad.pads', which Pad has"
                + " from opset 18; the model imports opset 17", refused(axesAt17));
    }

    /**
     * From opset 18 a Pad's pads may cover only the axes its input axes lists: height and width
     * in either order, negative ones counting from the end, or the channels too (by 0). ONNX
     * Runtime runs them to the logits we give (they were refused). Axes outside the four, an
     * axis twice, or pads not two for each axis, ONNX Runtime fails, and we refuse.
     */
    @Test
    void padAxesFromOpset18AreRead() throws Exception {
        Model m = OnnxTestSupport.withOpset(nhwc(base(TF)), 18);
        for (long[] axes : new long[][] {{2, 3}, {-2, -1}, {3, 2}, {1, 2, 3}, {-1, 2}}) {
            checkAgainstOrt(padsOfAxes(m, axes), TF, null);
        }
        Model good = padsOfAxes(m, new long[] {2, 3});
        Model outside = withLongs(good, "stem.conv.pad.pads.axes", 2, 4);
        assertThrows(OrtException.class, () -> runOrt(outside));
        assertEquals("Pad 'stem.conv.pad' has axes [2, 4], of which 4 is not an axis of its"
                + " 4-D input; expected axes from -4 to 3", refused(outside));
        Model eight = withLongs(good, "stem.conv.pad.pads", 0, 0, 0, 0, 0, 0, 1, 1);
        assertThrows(OrtException.class, () -> runOrt(eight));
        assertEquals("Pad 'stem.conv.pad' has pads [0, 0, 0, 0, 0, 0, 1, 1] for axes [2, 3];"
                + " expected two for each axis, its begins then its ends", refused(eight));
        // ONNX Runtime fails an axis named twice too ("Axis 3 is referred to more than once")
        for (long[] twice : new long[][] {{3, -1}, {3, 3}}) {
            Model repeated = withLongs(good, "stem.conv.pad.pads.axes", twice);
            assertThrows(OrtException.class, () -> runOrt(repeated), Arrays.toString(twice));
            assertEquals("Pad 'stem.conv.pad' has axes " + Arrays.toString(twice) + ", which"
                    + " name axis 3 twice; expected each axis once", refused(repeated));
        }
    }

    /**
     * {@code m} with its stride-2 convolutions' pads in Pad nodes, as {@link #padsInPadNodes}
     * puts them, each giving pads for only {@code axes}, its input axes (opset 18).
     */
    private static Model padsOfAxes(Model m, long[] axes) throws OnnxFormatException {
        Model padded = padsInPadNodes(m, Split.ALL, false);
        List<Tensor> inits = new ArrayList<>();
        for (Tensor t : padded.graph().initializers()) {
            if (!t.name().endsWith(".pad.pads")) {
                inits.add(t);
                continue;
            }
            long[] all = t.toLongs();
            long[] some = new long[2 * axes.length];
            for (int i = 0; i < axes.length; i++) {
                int axis = (int) (axes[i] < 0 ? axes[i] + 4 : axes[i]);
                some[i] = all[axis];
                some[axes.length + i] = all[4 + axis];
            }
            inits.add(Tensor.ofLongs(t.name(), some, some.length));
            inits.add(Tensor.ofLongs(t.name() + ".axes", axes, axes.length));
        }
        Model withAxes = mapNodes(padded, n -> n.opType().equals("Pad")
                ? OnnxTestSupport.withInputs(n, n.input(0), n.input(1), "", n.input(1) + ".axes")
                : n);
        return OnnxTestSupport.withGraph(withAxes, withAxes.graph().nodes(), inits);
    }

    /** {@code m} with its initializer {@code name} holding {@code values}. */
    private static Model withLongs(Model m, String name, long... values) {
        List<Tensor> inits = new ArrayList<>();
        for (Tensor t : m.graph().initializers()) {
            inits.add(t.name().equals(name) ? Tensor.ofLongs(name, values, values.length) : t);
        }
        return OnnxTestSupport.withGraph(m, m.graph().nodes(), inits);
    }

    /** ONNX Runtime's logits of {@code m} on an NHWC image (it fails at load or run). */
    private static float[] runOrt(Model m) throws OrtException {
        int r = TF.resolution();
        return OnnxTestSupport.runOrt(OnnxProto.write(m), OnnxTestSupport.randomImage(r, 3),
                new long[] {1, r, r, 3}, 1);
    }

    @Test
    void nhwcInputOfSizeNotFixedRunsAtTheGivenSize() throws Exception {
        ModelConfig at128 = new ModelConfig(0.35, 128, 10, Padding.SYMMETRIC);
        Model m = nhwc(base(SYM), Arrays.asList("batch", "height", "width", 3L),
                new long[] {0, 3, 1, 2});
        checkAgainstOrt(m, at128, 128);
        assertEquals("not a MobileNetV2 graph: the input 'input_nhwc' has shape [batch, height,"
                + " width, 3]: its height and width are not fixed in the model; "
                + OnnxGraphImporter.HOW_TO_GIVE_RESOLUTION, refused(m));
        // the height fixed, at another size than given
        Model fixed = nhwc(base(SYM), Arrays.asList("batch", 96L, "width", 3L),
                new long[] {0, 3, 1, 2});
        byte[] bytes = OnnxProto.write(fixed);
        assertEquals("the input 'input_nhwc' has shape [batch, 96, width, 3]: the model fixes"
                + " its height at 96, and the resolution given is 128; the resolution given "
                + OnnxGraphImporter.WHERE_RESOLUTION_IS_GIVEN + " must be 96 (height and"
                + " width are one size)", assertThrows(OnnxFormatException.class,
                        () -> OnnxModel.read(bytes, 128)).getMessage());
    }

    @Test
    void zeroPadsBeforeStride2ConvsAreFolded() throws Exception {
        for (ModelConfig cfg : new ModelConfig[] {TF, SYM}) {
            for (Split split : Split.values()) {
                Model m = nhwc(base(cfg));
                checkAgainstOrt(padsInPadNodes(m, split, false), cfg, null);
                checkAgainstOrt(padsInPadNodes(m, split, true), cfg, null);
                // pads and value as attributes, as Pad has them before opset 11
                checkAgainstOrt(padsInPadNodes(opset10(m), split, false), cfg, null);
            }
        }
    }

    @Test
    void anInputTransposeOfAnotherPermIsRefused() {
        // ONNX Runtime runs [0, 3, 2, 1] on a square image: the stem sees it mirrored
        assertEquals("not a MobileNetV2 graph: Transpose 'to_nchw' transposes the input"
                + " 'input_nhwc' by perm [0, 3, 2, 1]; expected perm [0, 3, 1, 2], which makes"
                + " an NHWC image [N, size, size, 3] the NCHW [N, 3, size, size] the stem"
                + " convolution takes", refused(nhwc(base(TF), null, new long[] {0, 3, 2, 1})));
        // reversed axes: ONNX Runtime fails the stem (96 channels, 3 expected)
        assertEquals("not a MobileNetV2 graph: Transpose 'to_nchw' transposes the input"
                + " 'input_nhwc' by reversing its axes (no perm); expected perm [0, 3, 1, 2],"
                + " which makes an NHWC image [N, size, size, 3] the NCHW [N, 3, size, size]"
                + " the stem convolution takes", refused(nhwc(base(TF), null, null)));
        // an NCHW input then transposed: ONNX Runtime fails it at the stem
        assertEquals("not a MobileNetV2 graph: the input 'input_nhwc' has shape [batch, 3, 96,"
                + " 96]; expected one square RGB image [N, size, size, 3] (NHWC, then a"
                + " Transpose of perm [0, 3, 1, 2])", refused(nhwc(base(TF),
                        Arrays.asList("batch", 3L, 96L, 96L), new long[] {0, 3, 1, 2})));
        // NHWC straight into the stem: ONNX Runtime refuses it (3 channels expected, 96 given)
        Model straight = OnnxInputSizeTest.withInputDims(base(TF),
                Arrays.asList("batch", 96L, 96L, 3L));
        assertEquals("not a MobileNetV2 graph: the input 'input' has shape [batch, 96, 96, 3];"
                + " expected one square RGB image [N, 3, size, size] (NCHW), or [N, size, size,"
                + " 3] (NHWC, then a Transpose of perm [0, 3, 1, 2])", refused(straight));
    }

    /**
     * An NHWC input that feeds its Transpose and another node too whose result reaches the
     * output is refused saying it must feed only the Transpose into the stem, with a shape or
     * without; it was refused as an NCHW input of the wrong shape, or as feeding 2 nodes where
     * only the stem was expected. Where the other node reaches no output (ONNX Runtime runs the
     * graph, its logits those of the graph without it) it is ignored.
     */
    @Test
    void anNhwcInputThatFeedsMoreThanItsTransposeIsRefused() throws Exception {
        Model m = nhwc(base(TF));
        Node relu = node("extra", "Relu", List.of(NHWC_INPUT), "extra.out");
        Model dead = withNodes(m, relu);
        assertArrayEquals(runOrt(m), runOrt(dead));
        assertReadAs(m, dead, "Relu 'extra'");
        Model extra = liveSides(m, relu);
        runOrt(extra);
        String expected = "not a MobileNetV2 graph: the input 'input_nhwc' feeds Transpose"
                + " 'to_nchw' and Relu 'extra'; expected an NHWC input to feed only its Transpose"
                + " (perm [0, 3, 1, 2]) into the stem convolution";
        assertEquals(expected, refused(extra));
        Graph g = extra.graph();
        Model unshaped = new Model(extra.irVersion(), extra.opsets(), "", "", new Graph(g.name(),
                g.nodes(), g.initializers(), List.of(new ValueInfo(NHWC_INPUT, OnnxProto.FLOAT,
                null)), g.outputs()), Map.of());
        runOrt(unshaped);
        byte[] bytes = OnnxProto.write(unshaped);
        assertEquals(expected, assertThrows(OnnxFormatException.class,
                () -> OnnxModel.read(bytes, TF.resolution())).getMessage());
    }

    /**
     * An image that feeds the stem and other nodes too, whose results reach the output, is
     * refused naming the input, the stem, the others and the form expected; it was "'input'
     * feeds 2 nodes; expected only the stem convolution". Where the others reach no output
     * (ONNX Runtime runs the graph, its logits those of the graph without them) they are
     * ignored. An NCHW input whose side node is a Transpose of the NHWC perm is still the NCHW
     * image feeding the stem, not an NHWC input that should feed only its Transpose.
     */
    @Test
    void anImageThatFeedsTheStemAndAnotherNodeIsRefused() throws Exception {
        // NCHW, with a side Transpose as a converter may leave one
        Model m = base(TF);
        String in = m.graph().inputs().get(0).name();
        int r = TF.resolution();
        float[] image = OnnxTestSupport.randomImage(r, 5);
        long[] nchw = {1, 3, r, r};
        Node transpose = null;
        for (long[] perm : new long[][] {{0, 3, 1, 2}, {0, 2, 3, 1}}) {
            transpose = node("side", "Transpose", List.of(in), "side.out",
                    Attribute.ofInts("perm", perm));
            Model side = withNodes(m, transpose);
            assertArrayEquals(OnnxTestSupport.runOrt(OnnxProto.write(m), image, nchw, 1),
                    OnnxTestSupport.runOrt(OnnxProto.write(side), image, nchw, 1));
            assertReadAs(m, side, "Transpose 'side'");
            Model live = liveSides(m, transpose);
            OnnxTestSupport.runOrt(OnnxProto.write(live), image, nchw, 1);
            assertEquals("not a MobileNetV2 graph: the input 'input' feeds the stem (Conv"
                    + " 'stem.conv') and Transpose 'side' too; expected the image, [N, 3, size,"
                    + " size] (NCHW), to feed only the stem convolution", refused(live));
        }
        // through the stem's Pad, beside two other nodes
        Model padded = padsInPadNodes(m, Split.ALL, false);
        Node relu = node("extra", "Relu", List.of(in), "extra.out");
        Model two = withNodes(padded, transpose, relu);
        assertArrayEquals(OnnxTestSupport.runOrt(OnnxProto.write(padded), image, nchw, 1),
                OnnxTestSupport.runOrt(OnnxProto.write(two), image, nchw, 1));
        assertReadAs(padded, two, "Transpose 'side'", "Relu 'extra'");
        Model liveTwo = liveSides(padded, transpose, relu);
        OnnxTestSupport.runOrt(OnnxProto.write(liveTwo), image, nchw, 1);
        assertEquals("not a MobileNetV2 graph: the input 'input' feeds the stem (Pad"
                + " 'stem.conv.pad') and Transpose 'side', Relu 'extra' too; expected the image,"
                + " [N, 3, size, size] (NCHW), to feed only the stem convolution (through the Pad"
                + " before it)", refused(liveTwo));
        // NHWC: the NCHW tensor its Transpose makes feeds the stem and a Relu
        Model nhwc = nhwc(m);
        Model afterTranspose = withNodes(nhwc, relu);
        assertArrayEquals(runOrt(nhwc), runOrt(afterTranspose));
        assertReadAs(nhwc, afterTranspose, "Relu 'extra'");
        Model liveAfter = liveSides(nhwc, relu);
        runOrt(liveAfter);
        assertEquals("not a MobileNetV2 graph: the input 'input_nhwc', transposed by Transpose"
                + " 'to_nchw', feeds the stem (Conv 'stem.conv') and Relu 'extra' too; expected"
                + " the image, [N, size, size, 3] (NHWC, then a Transpose of perm [0, 3, 1, 2]),"
                + " to feed only the stem convolution", refused(liveAfter));
    }

    /**
     * {@code m} with {@code sides} added and their results reaching the output: the largest of
     * their means is the lower bound of the stem's ReLU6.
     */
    private static Model liveSides(Model m, Node... sides) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            nodes.add(n.name().equals("stem.relu6")
                    ? OnnxTestSupport.withInputs(n, n.input(0), "sides.max", n.input(2)) : n);
        }
        List<String> means = new ArrayList<>();
        for (Node side : sides) {
            nodes.add(side);
            String mean = side.name() + ".mean";
            nodes.add(node(mean, "ReduceMean", List.of(side.outputs().get(0)), mean,
                    Attribute.ofInt("keepdims", 0)));
            means.add(mean);
        }
        nodes.add(node("sides.max", "Max", means, "sides.max"));
        return OnnxTestSupport.withGraph(m, nodes, m.graph().initializers());
    }

    /**
     * Checks {@code edited} reads as {@code m}, the same configuration and weights bit for bit,
     * with a warning naming the {@code ignored} nodes.
     */
    private static void assertReadAs(Model m, Model edited, String... ignored)
            throws OnnxFormatException {
        OnnxModel expected = OnnxModel.read(OnnxProto.write(m));
        OnnxModel read = OnnxModel.read(OnnxProto.write(edited));
        assertEquals(expected.config(), read.config());
        assertEquals(expected.nhwcInput(), read.nhwcInput());
        for (int i = 0; i < expected.weights().layers().size(); i++) {
            assertArrayEquals(expected.weights().kernel(i), read.weights().kernel(i));
            assertArrayEquals(expected.weights().bias(i), read.weights().bias(i));
        }
        assertEquals(java.util.Optional.of("ignored " + ignored.length + (ignored.length == 1
                ? " node" : " nodes") + " whose outputs reach no graph output: "
                + String.join(", ", ignored)), read.warning());
    }

    /**
     * An input that feeds two nodes, the stem behind one of them, is refused as feeding them,
     * not failed looking for a stem among them.
     */
    @Test
    void anInputFeedingNoStemIsRefusedAsSuch() throws Exception {
        Model m = base(TF);
        String in = m.graph().inputs().get(0).name();
        // the stem behind a Relu, beside another Relu: no stem among the input's consumers
        Model relu = mapNodes(m, n -> n.name().equals("stem.conv")
                ? OnnxTestSupport.withInputs(n, "relu.out", n.input(1), n.input(2)) : n);
        Model two = liveSides(withNodes(relu, node("relu", "Relu", List.of(in), "relu.out")),
                node("extra", "Relu", List.of(in), "extra.out"));
        assertEquals("not a MobileNetV2 graph: 'input' feeds 2 nodes; expected only the stem"
                + " convolution", refused(two));
    }

    /** {@code m} with {@code extra} nodes added at the end. */
    private static Model withNodes(Model m, Node... extra) {
        List<Node> nodes = new ArrayList<>(m.graph().nodes());
        nodes.addAll(List.of(extra));
        return OnnxTestSupport.withGraph(m, nodes, m.graph().initializers());
    }

    /** {@code m} (TF_SAME, NHWC, pads in Pad nodes) with its stem's Pad replaced by {@code f}. */
    private static Model withStemPad(Model m, UnaryOperator<Node> f) {
        return mapNodes(m, n -> n.name().equals("stem.conv.pad") ? f.apply(n) : n);
    }

    @Test
    void padsOtherThanZerosOnHeightAndWidthAreRefused() {
        Model m = padsInPadNodes(nhwc(base(TF)), Split.ALL, false);
        String form = "expected a zero Pad (mode 'constant', value 0) of height and width by 0"
                + " or more: pads [0, 0, top, left, 0, 0, bottom, right]";
        // ONNX Runtime runs these: another network
        assertEquals("not a MobileNetV2 graph: Pad 'stem.conv.pad' pads in mode 'reflect'; "
                + form, refused(withStemPad(m, n -> OnnxTestSupport.withAttribute(n,
                        Attribute.ofString("mode", "reflect")))));
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        inits.add(Tensor.ofFloats("pad.one", new float[] {1f}));
        Model one = withStemPad(m, n -> OnnxTestSupport.withInputs(n, n.input(0), n.input(1),
                "pad.one"));
        one = OnnxTestSupport.withGraph(one, one.graph().nodes(), inits);
        assertEquals("not a MobileNetV2 graph: Pad 'stem.conv.pad' pads with the value 1.0; "
                + form, refused(one));
        // pads on the channels: ONNX Runtime fails the stem (4 channels, 3 expected)
        assertEquals("not a MobileNetV2 graph: Pad 'stem.conv.pad' pads [0, 0, 0, 0, 0, 1, 1,"
                + " 1], the batch or the channels too; " + form,
                refused(withPads(m, new long[] {0, 0, 0, 0, 0, 1, 1, 1})));
        // ONNX Runtime runs this, cropping a row
        assertEquals("not a MobileNetV2 graph: Pad 'stem.conv.pad' pads [0, 0, -1, 0, 0, 0, 1,"
                + " 1], cropping where negative; " + form,
                refused(withPads(m, new long[] {0, 0, -1, 0, 0, 0, 1, 1})));
        // a stride-2 Conv with SAME after a Pad (ONNX Runtime runs it): SAME pads the padded
        // map, so the pads do not simply add up
        Model same = mapNodes(m, n -> n.name().equals("stem.conv")
                ? OnnxTestSupport.withAttributes(n, Attribute.ofInts("kernel_shape", 3, 3),
                        Attribute.ofInts("strides", 2, 2),
                        Attribute.ofString("auto_pad", "SAME_UPPER")) : n);
        assertEquals("not a MobileNetV2 graph: Conv 'stem.conv' has auto_pad SAME_UPPER after"
                + " Pad 'stem.conv.pad'; expected explicit pads (auto_pad NOTSET) or VALID on a"
                + " Conv after a Pad", refused(same));
    }

    /** {@code m} with its stem Pad's pads initializer holding {@code pads}. */
    private static Model withPads(Model m, long[] pads) {
        List<Tensor> inits = new ArrayList<>();
        for (Tensor t : m.graph().initializers()) {
            inits.add(t.name().equals("stem.conv.pad.pads")
                    ? Tensor.ofLongs(t.name(), pads, pads.length) : t);
        }
        return OnnxTestSupport.withGraph(m, m.graph().nodes(), inits);
    }

    /**
     * A Pad (of zeros, which ONNX Runtime runs) before the global average pool, before the
     * Flatten of the pooled map or before the classifier is refused naming it and saying that
     * a Pad is folded only into the convolution after it; it was said that the pool or the
     * classifier was expected, and found the Pad.
     */
    @Test
    void aPadBeforeThePoolOrTheClassifierIsRefusedNamingIt() throws Exception {
        Model m = base(SYM);
        String folded = "a Pad is folded only into the Conv that follows it in the stem, a block"
                + " or the last 1x1 convolution; expected ";
        Model beforePool = padBefore(m, "avgpool", 4);
        String lastConv = beforePool.graph().nodes().stream()
                .filter(n -> n.name().equals("avgpool.pad")).findFirst().orElseThrow().input(0);
        String classifier = "the classifier (Gemm, MatMul or 1x1 Conv) after ";
        Model beforeFlatten = padBefore(m, "flatten", 4);
        Model beforeGemm = padBefore(m, "classifier", 2);
        for (Model padded : List.of(beforePool, beforeFlatten, beforeGemm)) {
            int r = SYM.resolution();
            OnnxTestSupport.runOrt(OnnxProto.write(padded),
                    OnnxModel.nhwcToNchw(OnnxTestSupport.randomImage(r, 5), r, r, 3), r, 1);
        }
        assertEquals("not a MobileNetV2 graph: Pad 'avgpool.pad' pads '" + lastConv + "' before"
                + " the global average pool; " + folded + "the global average pool"
                + " (GlobalAveragePool, ReduceMean or AveragePool over the whole map) after '"
                + lastConv + "'", refused(beforePool));
        assertEquals("not a MobileNetV2 graph: Pad 'flatten.pad' pads 'avgpool' before the"
                + " classifier; " + folded + classifier + "'avgpool'", refused(beforeFlatten));
        assertEquals("not a MobileNetV2 graph: Pad 'classifier.pad' pads 'flatten' before the"
                + " classifier; " + folded + classifier + "'flatten'", refused(beforeGemm));
    }

    /**
     * {@code m} with a Pad of zeros (pads an initializer) before its node {@code consumer},
     * whose input 0 it pads, of {@code rank}.
     */
    private static Model padBefore(Model m, String consumer, int rank) {
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        String pads = consumer + ".pad.pads";
        inits.add(Tensor.ofLongs(pads, new long[2 * rank], 2 * rank));
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            if (n.name().equals(consumer)) {
                String padded = n.input(0) + ".padded";
                nodes.add(node(consumer + ".pad", "Pad", List.of(n.input(0), pads), padded,
                        Attribute.ofString("mode", "constant")));
                List<String> inputs = new ArrayList<>(n.inputs());
                inputs.set(0, padded);
                n = OnnxTestSupport.withInputs(n, inputs.toArray(String[]::new));
            }
            nodes.add(n);
        }
        return OnnxTestSupport.withGraph(m, nodes, inits);
    }

    /**
     * ONNX Runtime runs both graphs. A second consumer of the padded map that reaches no output
     * is ignored.
     */
    @Test
    void aPadThatFeedsMoreThanItsConvIsRefused() throws Exception {
        Model m = padsInPadNodes(nhwc(base(TF)), Split.ALL, false);
        String padded = "input.padded";
        // a Relu between the Pad and the stem
        Model relu = mapNodes(m, n -> n.name().equals("stem.conv")
                ? OnnxTestSupport.withInputs(n, "relu.out", n.input(1), n.input(2)) : n);
        List<Node> nodes = new ArrayList<>(relu.graph().nodes());
        nodes.add(node("between", "Relu", List.of(padded), "relu.out"));
        assertEquals("not a MobileNetV2 graph: Pad 'stem.conv.pad' pads 'input' for Relu"
                + " 'between'; expected a Pad to feed only the stem convolution (Conv), whose"
                + " borders it pads",
                refused(OnnxTestSupport.withGraph(relu, nodes, relu.graph().initializers())));
        // a second consumer of the padded map
        Node extra = node("extra", "Relu", List.of(padded), "extra.out");
        Model dead = withNodes(m, extra);
        assertArrayEquals(runOrt(m), runOrt(dead));
        assertReadAs(m, dead, "Relu 'extra'");
        assertEquals("not a MobileNetV2 graph: Pad 'stem.conv.pad' pads 'input' for 2 nodes;"
                + " expected a Pad to feed only the stem convolution (Conv), whose borders it"
                + " pads", refused(liveSides(m, extra)));
    }
}
