package dev.mobilenetsimd.onnx;

import static dev.mobilenetsimd.onnx.OnnxTestSupport.initializer;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.mapNodes;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.node;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.withAttribute;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.withBatch;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.withGraph;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.withInputs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.onnx.OnnxProto.Attribute;
import dev.mobilenetsimd.onnx.OnnxProto.Model;
import dev.mobilenetsimd.onnx.OnnxProto.Node;
import dev.mobilenetsimd.onnx.OnnxProto.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Graphs written the ways exporters write MobileNetV2 (unfolded batch norm, Clip bounds as
 * attributes or Constant nodes, Relu/Min clamps, ReduceMean, Reshape, Identity, auto_pad): each is
 * synthesised from our export, imported, and compared with ONNX Runtime running the same file.
 */
class OnnxTorchvisionStyleTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 96, 1000, Padding.SYMMETRIC);

    private static Model base(ModelConfig cfg) {
        return OnnxExporter.model(Weights.random(cfg, 21));
    }

    /** Imports {@code m} and checks it against ONNX Runtime on the same bytes. */
    private static OnnxModel checkAgainstOrt(Model m) throws Exception {
        byte[] bytes = OnnxProto.write(m);
        OnnxModel imported = OnnxModel.read(bytes);
        int r = imported.config().resolution();
        float[] img = OnnxTestSupport.randomImage(r, 4);
        float[] ort = OnnxTestSupport.runOrt(bytes, OnnxModel.nhwcToNchw(img, r, r, 3), r, 1);
        float[] ours = OnnxTestSupport.runOurs(imported.config(), imported.weights(),
                KernelSets.vector(), img);
        float tol = OnnxRuntimeAgreementTest.RELATIVE_TOLERANCE
                * Math.max(1f, OnnxTestSupport.maxAbs(ort));
        float diff = OnnxTestSupport.maxAbsDiff(ort, ours);
        assertTrue(diff <= tol, "max |Δlogit| " + diff + " > " + tol);
        assertArrayEquals(OnnxTestSupport.top(ort, 5), OnnxTestSupport.top(ours, 5));
        return imported;
    }

    @Test
    void convWithoutBiasThenBatchNormalization() throws Exception {
        OnnxModel imported = checkAgainstOrt(withBatchNorms(base(CFG),
                List.of(Attribute.ofFloat("epsilon", 1e-3f))));
        assertEquals(CFG, imported.config());
    }

    /**
     * Without an epsilon attribute ONNX's default 1e-5 applies (ONNX Runtime uses it); another
     * default (TF-slim's 1e-3) shifts every folded scale by ~0.1% here, far beyond the tolerance.
     */
    @Test
    void batchNormalizationWithoutEpsilonUsesTheOnnxDefault() throws Exception {
        checkAgainstOrt(withBatchNorms(base(CFG), List.of()));
    }

    /**
     * An epsilon given as an INT is refused, as ONNX Runtime refuses it: the type was not read,
     * and batch norm was folded with an epsilon of 0.
     */
    @Test
    void batchNormalizationEpsilonOfAnotherTypeIsRefused() {
        byte[] bytes = OnnxProto.write(withBatchNorms(base(CFG),
                List.of(Attribute.ofInt("epsilon", 0))));
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.read(bytes));
        assertTrue(e.getMessage().equals("BatchNormalization 'stem.conv.bn': attribute 'epsilon'"
                + " is INT; expected FLOAT"), e.getMessage());
    }

    /**
     * A BatchNormalization without its five inputs is refused, naming the node and the inputs
     * it lacks: a missing one read as the omitted name '' and was reported as a weight '' that
     * is not a constant.
     */
    @Test
    void batchNormalizationWithoutItsFiveInputsIsRefused() {
        Model bn = withBatchNorms(base(CFG), List.of());
        String name = "BatchNormalization 'stem.conv.bn'";
        String expected = "; expected five: X, scale, B, mean, var";
        // the last two cut off
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxModel.read(
                OnnxProto.write(mapNodes(bn, n -> n.opType().equals("BatchNormalization")
                        ? withInputs(n, n.input(0), n.input(1), n.input(2)) : n))));
        assertTrue(e.getMessage().equals(name + " has 3 inputs [stem.conv.raw, stem.conv.bn.scale,"
                + " stem.conv.bn.B], without mean, var" + expected), e.getMessage());
        // the mean given as omitted ('')
        e = assertThrows(OnnxFormatException.class, () -> OnnxModel.read(
                OnnxProto.write(mapNodes(bn, n -> n.opType().equals("BatchNormalization")
                        ? withInputs(n, n.input(0), n.input(1), n.input(2), "", n.input(4))
                        : n))));
        assertTrue(e.getMessage().startsWith(name + " has 5 inputs"), e.getMessage());
        assertTrue(e.getMessage().endsWith(", without mean" + expected), e.getMessage());
        // a sixth input
        e = assertThrows(OnnxFormatException.class, () -> OnnxModel.read(
                OnnxProto.write(mapNodes(bn, n -> n.opType().equals("BatchNormalization")
                        ? withInputs(n, n.input(0), n.input(1), n.input(2), n.input(3),
                                n.input(4), n.input(4)) : n))));
        assertTrue(e.getMessage().startsWith(name + " has 6 inputs"), e.getMessage());
        assertTrue(e.getMessage().endsWith(".var]" + expected), e.getMessage());
    }

    /** {@code m} with each Conv's bias replaced by a BatchNormalization with {@code bnAttrs}. */
    private static Model withBatchNorms(Model m, List<Attribute> bnAttrs) {
        Random rnd = new Random(5);
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            if (!n.opType().equals("Conv")) {
                nodes.add(n);
                continue;
            }
            String bias = n.input(2);
            int c = (int) initializer(m, bias).dims()[0];
            inits.removeIf(t -> t.name().equals(bias));
            float[][] v = new float[4][c];
            for (int i = 0; i < c; i++) {
                v[0][i] = 0.5f + rnd.nextFloat();        // gamma
                v[1][i] = rnd.nextFloat() * 0.2f - 0.1f; // beta
                v[2][i] = rnd.nextFloat() * 0.2f - 0.1f; // mean
                v[3][i] = 0.5f + rnd.nextFloat();        // variance
            }
            String[] names = {".bn.scale", ".bn.B", ".bn.mean", ".bn.var"};
            List<String> bnInputs = new ArrayList<>(List.of(n.name() + ".raw"));
            for (int k = 0; k < 4; k++) {
                inits.add(Tensor.ofFloats(n.name() + names[k], v[k], c));
                bnInputs.add(n.name() + names[k]);
            }
            nodes.add(new Node(n.name(), "Conv", "", List.of(n.input(0), n.input(1)),
                    List.of(n.name() + ".raw"), n.attributes()));
            nodes.add(new Node(n.name() + ".bn", "BatchNormalization", "", bnInputs, n.outputs(),
                    bnAttrs));
        }
        return withGraph(m, nodes, inits);
    }

    @Test
    void clipBoundsAsConstantNodesAndIdentity() throws Exception {
        Model m = base(CFG);
        List<Node> nodes = new ArrayList<>();
        nodes.add(node("c0", "Constant", List.of(), "const.zero",
                Attribute.ofTensor("value", Tensor.ofFloats("", new float[] {0f}))));
        nodes.add(node("c6", "Constant", List.of(), "const.six",
                Attribute.ofFloat("value_float", 6f)));
        for (Node n : m.graph().nodes()) {
            if (n.opType().equals("Clip")) {
                // Identity in front, Clip reading Constant outputs.
                nodes.add(node(n.name() + ".id", "Identity", List.of(n.input(0)),
                n.name() + ".idout"));
                nodes.add(withInputs(n, n.name() + ".idout", "const.zero", "const.six"));
            } else {
                nodes.add(n);
            }
        }
        checkAgainstOrt(withGraph(m, nodes, m.graph().initializers()));
    }

    /** {@code m} with a Dropout (opset 12+ inputs: ratio, training_mode) before the classifier. */
    private static Model withDropout(Model m, boolean trainingMode) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            if (n.opType().equals("Gemm")) {
                nodes.add(node("drop", "Dropout", List.of(n.input(0), "drop.ratio", "drop.train"),
                        "dropped"));
                nodes.add(withInputs(n, "dropped", n.input(1), n.input(2)));
            } else {
                nodes.add(n);
            }
        }
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        inits.add(Tensor.ofFloats("drop.ratio", new float[] {0.2f}));
        inits.add(new Tensor("drop.train", OnnxProto.BOOL, new long[0],
                new byte[] {(byte) (trainingMode ? 1 : 0)}, false));
        return withGraph(m, nodes, inits);
    }

    /**
     * Dropout is skipped in inference mode only: with training_mode true (a constant input from
     * opset 12) ONNX Runtime drops activations at random, and it was skipped all the same.
     */
    @Test
    void dropoutInTrainingModeIsRefused() throws Exception {
        checkAgainstOrt(withDropout(base(CFG), false));
        // its optional mask output named but used by no node, as ONNX Runtime runs it
        checkAgainstOrt(mapNodes(withDropout(base(CFG), false), n -> n.opType().equals("Dropout")
                ? new Node(n.name(), n.opType(), n.domain(), n.inputs(),
                        List.of(n.outputs().get(0), "drop.mask"), n.attributes()) : n));
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.read(OnnxProto.write(withDropout(base(CFG), true))));
        assertEquals("not a MobileNetV2 graph: Dropout 'drop' is in training mode (input"
                + " training_mode 'drop.train' is true); expected inference-mode Dropout",
                e.getMessage());
    }

    /**
     * An Identity or Dropout is skipped only when it passes on the chain's tensor as its
     * input 0: a Dropout of a constant, the features given as its ratio, was skipped as if
     * it passed the features on.
     */
    @Test
    void skippedNodeMustPassOnTheChainsTensor() {
        Model m = base(CFG);
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            if (n.opType().equals("Gemm")) {
                nodes.add(node("drop", "Dropout", List.of("drop.data", n.input(0)), "dropped"));
                nodes.add(withInputs(n, "dropped", n.input(1), n.input(2)));
            } else {
                nodes.add(n);
            }
        }
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        int features = (int) initializer(m, "classifier.weight").dims()[1];
        inits.add(Tensor.ofFloats("drop.data", new float[features], 1, features));
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.read(OnnxProto.write(withGraph(m, nodes, inits))));
        assertEquals("not a MobileNetV2 graph: Dropout 'drop' passes on 'drop.data', not"
                + " 'flatten'; expected the chain's tensor as its input 0", e.getMessage());
    }

    /**
     * Of two imports of the default domain the last counts, as in ONNX Runtime: the first was
     * taken, so opset 10 then 13 refused the Clip bounds given as inputs that ONNX Runtime
     * runs.
     */
    @Test
    void lastDefaultDomainOpsetCounts() throws Exception {
        Model m = base(CFG);
        m = new Model(m.irVersion(), List.of(new OnnxProto.OpsetId("", 10),
                new OnnxProto.OpsetId("", 13)), m.producerName(), m.producerVersion(), m.graph(),
                m.metadata());
        assertEquals(CFG, checkAgainstOrt(m).config());
    }

    @Test
    void opset10ClipAttributes() throws Exception {
        Model m = OnnxTestSupport.withOpset(base(CFG), 10);
        m = mapNodes(m, n -> n.opType().equals("Clip")
                ? new Node(n.name(), "Clip", "", List.of(n.input(0)), n.outputs(),
                        List.of(Attribute.ofFloat("min", 0f), Attribute.ofFloat("max", 6f)))
                : n);
        checkAgainstOrt(m);
    }

    @Test
    void reluThenMinAsRelu6_reduceMean_reshape() throws Exception {
        Model m = base(CFG);
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        inits.add(Tensor.ofLongs("flat.shape", new long[] {1, -1}, 2));
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            switch (n.opType()) {
                case "Clip":
                    nodes.add(node(n.name() + ".relu", "Relu", List.of(n.input(0)),
                            n.name() + ".r"));
                    nodes.add(new Node(n.name(), "Min", "", List.of("relu6.max", n.name() + ".r"),
                            n.outputs(), List.of()));
                    break;
                case "GlobalAveragePool":
                    nodes.add(new Node(n.name(), "ReduceMean", "", n.inputs(), n.outputs(),
                            List.of(Attribute.ofInts("axes", 2, 3),
                                    Attribute.ofInt("keepdims", 1))));
                    break;
                case "Flatten":
                    nodes.add(new Node(n.name(), "Reshape", "", List.of(n.input(0), "flat.shape"),
                            n.outputs(), List.of()));
                    break;
                default:
                    nodes.add(n);
            }
        }
        checkAgainstOrt(withGraph(m, nodes, inits));
    }

    /**
     * {@code m} at {@code opset} with its Flatten replaced by {@code op} on {@code inputs}
     * (the pooled map first) with {@code attrs}, and with initializer {@code extra} if not null.
     */
    private static Model withFlattenAs(Model m, long opset, String op, List<String> inputs,
                                       Tensor extra, Attribute... attrs) {
        m = OnnxTestSupport.withOpset(m, opset);
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        if (extra != null) {
            inits.add(extra);
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            nodes.add(n.opType().equals("Flatten")
                    ? new Node(n.name(), op, "", inputs, n.outputs(), List.of(attrs)) : n);
        }
        return withGraph(m, nodes, inits);
    }

    /**
     * A convolution strided differently along height and width, or dilated, ONNX Runtime
     * runs; our plan strides both alike and does not dilate, so it is refused naming the
     * strides or dilations, where reading it as a plain convolution would give other logits
     * than ONNX Runtime's.
     */
    @Test
    void stridesThatDifferByAxisOrDilationsAreRefused() throws Exception {
        Model m = mapNodes(base(CFG), n -> n.name().equals("stem.conv")
                ? withAttribute(n, Attribute.ofInts("strides", 2, 1)) : n);
        byte[] bytes = OnnxProto.write(m);
        assertEquals(1000, OnnxTestSupport.runOrt(bytes, new float[3 * 96 * 96], 96, 1).length);
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.read(bytes));
        assertEquals("not a MobileNetV2 graph: Conv 'stem.conv' has strides [2, 1]; expected 1x1"
                + " or 2x2", e.getMessage());
        // dilated: ONNX Runtime runs it, its 3x3 taps spread over 5x5
        Model dilated = mapNodes(base(CFG), n -> n.name().equals("stem.conv")
                ? withAttribute(n, Attribute.ofInts("dilations", 2, 2)) : n);
        byte[] dilatedBytes = OnnxProto.write(dilated);
        assertEquals(1000, OnnxTestSupport.runOrt(dilatedBytes, new float[3 * 96 * 96], 96, 1)
                .length);
        e = assertThrows(OnnxFormatException.class, () -> OnnxModel.read(dilatedBytes));
        assertEquals("not a MobileNetV2 graph: Conv 'stem.conv' is dilated [2, 2]; MobileNetV2"
                + " has no dilation", e.getMessage());
    }

    /** {@code m} refused by both ONNX Runtime and us, our message holding {@code expected}. */
    private static void refusedByBoth(Model m, String expected) {
        byte[] bytes = OnnxProto.write(m);
        assertThrows(OrtException.class, () -> OnnxTestSupport.runOrt(bytes,
                new float[3 * 96 * 96], 96, 1));
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.read(bytes));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /**
     * Squeeze's axes in the form of the model's opset, as ONNX Runtime wants them: an
     * attribute up to opset 12, input 1 from 13. Both forms were read at any opset.
     */
    @Test
    void squeezeAxesInTheFormOfTheOpset() throws Exception {
        Tensor axes = Tensor.ofLongs("sq.axes", new long[] {2, 3}, 2);
        List<String> pooled = List.of("avgpool");
        List<String> withAxes = List.of("avgpool", "sq.axes");
        checkAgainstOrt(withFlattenAs(base(CFG), 11, "Squeeze", pooled, null,
                Attribute.ofInts("axes", 2, 3)));
        checkAgainstOrt(withFlattenAs(base(CFG), 13, "Squeeze", withAxes, axes));
        refusedByBoth(withFlattenAs(base(CFG), 13, "Squeeze", pooled, null,
                Attribute.ofInts("axes", 2, 3)), "Squeeze 'flatten' has attribute 'axes', which"
                + " Squeeze has up to opset 12; the model imports opset 13, where the axes are"
                + " input 1");
        refusedByBoth(withFlattenAs(base(CFG), 11, "Squeeze", withAxes, axes), "Squeeze"
                + " 'flatten' has its axes as input 1, as Squeeze has them from opset 13; the"
                + " model imports opset 11, where they are an attribute");
        // no axes: every axis of size 1 goes, as [2, 3] here
        checkAgainstOrt(withFlattenAs(base(CFG), 13, "Squeeze", pooled, null));
    }

    /**
     * A Squeeze without axes squeezes every axis of size 1: of a fixed batch of 1 the batch
     * too, [C], which Gemm does not take. That is refused, as ONNX Runtime refuses it; it was
     * read as squeezing [2, 3]. The same graph with axes [2, 3], or a fixed batch of 2 (which
     * leaves [2, C]), is taken.
     */
    @Test
    void squeezeWithoutAxesOfAFixedBatchOfOneIsRefused() throws Exception {
        Tensor axes = Tensor.ofLongs("sq.axes", new long[] {2, 3}, 2);
        List<String> pooled = List.of("avgpool");
        refusedByBoth(withBatch(withFlattenAs(base(CFG), 13, "Squeeze", pooled, null), 1L),
                "Squeeze 'flatten' has no axes, so it squeezes every axis of size 1 of the"
                + " pooled [1, 1280, 1, 1] map, the fixed batch of 1 too, to [1280], and the"
                + " classifier (Gemm) takes [N, 1280]; expected axes [2, 3]");
        refusedByBoth(withBatch(withFlattenAs(base(CFG), 11, "Squeeze", pooled, null), 1L),
                "the fixed batch of 1 too");
        checkAgainstOrt(withBatch(withFlattenAs(base(CFG), 13, "Squeeze",
                List.of("avgpool", "sq.axes"), axes), 1L));
        assertEquals(CFG, OnnxModel.read(OnnxProto.write(withBatch(withFlattenAs(base(CFG), 13,
                "Squeeze", pooled, null), 2L))).config());
    }

    /**
     * At opsets 11 and 12 ONNX Runtime refuses a Squeeze without axes of a symbolic batch when
     * it loads the graph (its shape inference leaves the Gemm no 2-D input); it was read as
     * squeezing [2, 3]. From opset 13 ONNX Runtime takes it (squeezeAxesInTheFormOfTheOpset),
     * and a fixed batch of 2 at any opset, as we do.
     */
    @Test
    void squeezeWithoutAxesOfASymbolicBatchBeforeOpset13IsRefused() throws Exception {
        List<String> pooled = List.of("avgpool");
        for (long opset : new long[] {11, 12}) {
            refusedByBoth(withFlattenAs(base(CFG), opset, "Squeeze", pooled, null), "Squeeze"
                    + " 'flatten' has no axes, so it squeezes every axis of size 1, which at"
                    + " opset " + opset + " needs every size known, but the batch of the input"
                    + " 'input' is symbolic (batch): ONNX Runtime refuses that graph; expected"
                    + " attribute axes [2, 3]");
            assertEquals(CFG, OnnxModel.read(OnnxProto.write(withBatch(withFlattenAs(base(CFG),
                    opset, "Squeeze", pooled, null), 2L))).config());
        }
    }

    /**
     * A batch not fixed is symbolic to ONNX Runtime however it is written: a dim_param, a
     * Dimension with neither dim_value nor dim_param (unnamed), or a negative dim_value, which
     * was refused as not [N, 3, size, size]. For each ONNX Runtime runs the plain export and a
     * Squeeze without axes at opset 13, and refuses at load that Squeeze at 11 and 12, as we do;
     * a batch of 0 both refuse.
     */
    @Test
    void batchNotFixedIsSymbolicHoweverWritten() throws Exception {
        List<String> pooled = List.of("avgpool");
        for (Object batch : new Object[] {"N", null, -1L}) {
            String how = batch == null ? "unnamed" : batch instanceof Long
                    ? "dim_value -1, negative, which ONNX Runtime reads as unknown" : "N";
            assertEquals(CFG, checkAgainstOrt(withBatch(base(CFG), batch)).config());
            assertEquals(CFG, checkAgainstOrt(withBatch(withFlattenAs(base(CFG), 13, "Squeeze",
                    pooled, null), batch)).config());
            for (long opset : new long[] {11, 12}) {
                Model m = withBatch(withFlattenAs(base(CFG), opset, "Squeeze", pooled, null),
                        batch);
                assertOrtRefusesAtLoad(m, "First input does not have rank 2");
                refusedByBoth(m, "the batch of the input 'input' is symbolic (" + how
                        + "): ONNX Runtime refuses that graph; expected attribute axes [2, 3]");
            }
        }
        Model none = withBatch(base(CFG), 0L);
        assertOrtRefusesAtLoad(none, "Invalid Target shape product of 0");
        refusedByBoth(none, "the input 'input' has shape [0, 3, 96, 96], a batch of 0, which"
                + " holds no image (ONNX Runtime refuses it too); expected [N, 3, size, size]"
                + " (NCHW) with N at least 1, symbolic or unknown");
    }

    /** ONNX Runtime refuses {@code m} when it creates the session, saying {@code expected}. */
    private static void assertOrtRefusesAtLoad(Model m, String expected) {
        byte[] bytes = OnnxProto.write(m);
        OrtException e = assertThrows(OrtException.class, () -> {
            try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
                opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
                OrtEnvironment.getEnvironment().createSession(bytes, opts).close();
            }
        });
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /**
     * ReduceMean's axes likewise: an attribute up to opset 17, input 1 from 18. The importer
     * took either at any opset.
     */
    @Test
    void reduceMeanAxesInTheFormOfTheOpset() throws Exception {
        Tensor axes = Tensor.ofLongs("rm.axes", new long[] {2, 3}, 2);
        Model m = mapNodes(base(CFG), n -> n.opType().equals("GlobalAveragePool")
                ? new Node(n.name(), "ReduceMean", "", List.of(n.input(0), "rm.axes"),
                        n.outputs(), List.of()) : n);
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        inits.add(axes);
        m = withGraph(m, m.graph().nodes(), inits);
        checkAgainstOrt(OnnxTestSupport.withOpset(m, 18));
        refusedByBoth(OnnxTestSupport.withOpset(m, 17), "ReduceMean 'avgpool' has its axes as"
                + " input 1, as ReduceMean has them from opset 18; the model imports opset 17");
        Model attr = mapNodes(base(CFG), n -> n.opType().equals("GlobalAveragePool")
                ? new Node(n.name(), "ReduceMean", "", n.inputs(), n.outputs(),
                        List.of(Attribute.ofInts("axes", 2, 3))) : n);
        refusedByBoth(OnnxTestSupport.withOpset(attr, 18), "ReduceMean 'avgpool' has attribute"
                + " 'axes', which ReduceMean has up to opset 17; the model imports opset 18");
    }

    /**
     * Reshape's allowzero (opset 14+) = 1 makes a 0 in the shape an axis of size 0: such a
     * shape is refused, where the 0 was read as a copy of the batch. allowzero before opset 14
     * is refused, as ONNX Runtime refuses it.
     */
    @Test
    void reshapeAllowZero() throws Exception {
        List<String> in = List.of("avgpool", "flat.shape");
        Tensor oneByAny = Tensor.ofLongs("flat.shape", new long[] {1, -1}, 2);
        Tensor copyByAny = Tensor.ofLongs("flat.shape", new long[] {0, -1}, 2);
        checkAgainstOrt(withFlattenAs(base(CFG), 14, "Reshape", in, oneByAny,
                Attribute.ofInt("allowzero", 1)));
        checkAgainstOrt(withFlattenAs(base(CFG), 14, "Reshape", in, copyByAny,
                Attribute.ofInt("allowzero", 0)));
        refusedByBoth(withFlattenAs(base(CFG), 14, "Reshape", in, copyByAny,
                Attribute.ofInt("allowzero", 1)), "Reshape 'flatten' reshapes to [0, -1] with"
                + " allowzero = 1, which makes its 0 an axis of size 0, not a copy of the"
                + " input's; expected no 0 in the shape or allowzero = 0");
        refusedByBoth(withFlattenAs(base(CFG), 13, "Reshape", in, oneByAny,
                Attribute.ofInt("allowzero", 0)), "Reshape 'flatten' has attribute 'allowzero',"
                + " which Reshape has from opset 14; the model imports opset 13");
    }

    @Test
    void autoPadSameUpperIsTensorFlowPadding() throws Exception {
        ModelConfig tf = new ModelConfig(0.35, 96, 1000, Padding.TF_SAME);
        Model m = mapNodes(base(tf), n -> n.opType().equals("Conv")
                && n.attribute("kernel_shape").ints()[0] == 3
                ? withAttribute(removePads(n), Attribute.ofString("auto_pad", "SAME_UPPER")) : n);
        m = new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(), m.graph(),
                java.util.Map.of());
        assertEquals(tf, checkAgainstOrt(m).config());
    }

    /**
     * SAME_LOWER puts the odd zero before the image: at stride 2 on an even size that is one row
     * and column before, none after, which is the symmetric convention's padding (ONNX Runtime
     * decides whether the import read it so).
     */
    @Test
    void autoPadSameLowerIsSymmetricPaddingAtStrideTwo() throws Exception {
        ModelConfig sym = new ModelConfig(0.35, 96, 1000, Padding.SYMMETRIC);
        Model m = mapNodes(base(sym), n -> n.opType().equals("Conv")
                && n.attribute("kernel_shape").ints()[0] == 3
                && n.attribute("strides").ints()[0] == 2
                ? withAttribute(removePads(n), Attribute.ofString("auto_pad", "SAME_LOWER")) : n);
        m = new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(), m.graph(),
                java.util.Map.of());
        assertEquals(sym, checkAgainstOrt(m).config());
    }

    private static Node removePads(Node n) {
        List<Attribute> attrs = new ArrayList<>(n.attributes());
        attrs.removeIf(a -> a.name().equals("pads"));
        return new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), attrs);
    }
}
