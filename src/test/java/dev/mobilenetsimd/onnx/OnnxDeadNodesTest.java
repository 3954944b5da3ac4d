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
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Nodes none of whose outputs reach the graph output (shape probes, debug taps, unused chains
 * that exporters and hand edits leave) are ignored, whatever their operator: ONNX Runtime 1.22
 * computes and discards them, its logits those of the graph without them, and ours are those
 * of the graph without them bit for bit, the live nodes being the same; the warning names
 * them. They were refused ("... is not part of the MobileNetV2 chain", or as an image feeding
 * more than the stem). A branch that reaches the output, a live operator we do not support, a
 * name given twice (by a dead node too) and a second input only a dead node reads are still
 * refused.
 */
class OnnxDeadNodesTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 96, 10, Padding.SYMMETRIC);
    private static final Model BASE = OnnxExporter.model(Weights.random(CFG, 42));
    private static final String IN = OnnxExporter.INPUT_NAME;
    private static final String OUT = OnnxExporter.OUTPUT_NAME;
    private static final String IGNORED = "ignored %d nodes whose outputs reach no graph output: ";

    /** {@code m} with {@code extra} nodes added at the end. */
    private static Model withNodes(Model m, Node... extra) {
        List<Node> nodes = new ArrayList<>(m.graph().nodes());
        nodes.addAll(List.of(extra));
        return OnnxTestSupport.withGraph(m, nodes, m.graph().initializers());
    }

    /** {@code m} with {@code extra} initializers added. */
    private static Model withInitializers(Model m, Tensor... extra) {
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        inits.addAll(List.of(extra));
        return OnnxTestSupport.withGraph(m, m.graph().nodes(), inits);
    }

    /** {@code m} with its graph outputs replaced by {@code outputs}. */
    private static Model withOutputs(Model m, List<ValueInfo> outputs) {
        Graph g = m.graph();
        return new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                new Graph(g.name(), g.nodes(), g.initializers(), g.inputs(), outputs),
                m.metadata());
    }

    /** {@code m} with an extra input {@code name}, [1, 3]. */
    private static Model withInput(Model m, String name) {
        Graph g = m.graph();
        List<ValueInfo> inputs = new ArrayList<>(g.inputs());
        inputs.add(new ValueInfo(name, OnnxProto.FLOAT, List.of(1L, 3L)));
        return new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                new Graph(g.name(), g.nodes(), g.initializers(), inputs, g.outputs()),
                m.metadata());
    }

    /** A Constant node of one int64 {@code value} (a scalar). */
    private static Node constantLong(String name, long value) {
        return node(name, "Constant", List.of(), name,
                Attribute.ofTensor("value", Tensor.ofLongs(name, new long[] {value})));
    }

    /** ONNX Runtime's logits of {@code m}, run on the NCHW image of seed 5. */
    private static float[] ort(Model m) throws OrtException {
        int r = CFG.resolution();
        float[] nchw = OnnxModel.nhwcToNchw(OnnxTestSupport.randomImage(r, 5), r, r, 3);
        return OnnxTestSupport.runOrt(OnnxProto.write(m), nchw, r, 1);
    }

    private static String refused(Model m) {
        byte[] bytes = OnnxProto.write(m);
        return assertThrows(OnnxFormatException.class, () -> OnnxModel.read(bytes))
                .getMessage();
    }

    /**
     * Checks {@code edited} gives ONNX Runtime's logits of {@link #BASE} and that we read it as
     * {@link #BASE}: the same configuration, weights and logits, bit for bit, and a warning
     * naming the {@code ignored} nodes.
     */
    private static void readAsBase(Model edited, String... ignored) throws Exception {
        assertArrayEquals(ort(BASE), ort(edited), "ONNX Runtime, with and without the nodes");
        OnnxModel base = OnnxModel.read(OnnxProto.write(BASE));
        OnnxModel m = OnnxModel.read(OnnxProto.write(edited));
        assertEquals(base.config(), m.config());
        for (int i = 0; i < base.weights().layers().size(); i++) {
            assertArrayEquals(base.weights().kernel(i), m.weights().kernel(i), "layer " + i);
            assertArrayEquals(base.weights().bias(i), m.weights().bias(i), "layer " + i);
        }
        float[] img = OnnxTestSupport.randomImage(CFG.resolution(), 5);
        for (KernelSet k : new KernelSet[] {KernelSets.vector(), KernelSets.scalar()}) {
            assertArrayEquals(OnnxTestSupport.runOurs(base.config(), base.weights(), k, img),
                    OnnxTestSupport.runOurs(m.config(), m.weights(), k, img), k.name());
        }
        String prefix = ignored.length == 1
                ? "ignored 1 node whose outputs reach no graph output: "
                : String.format(IGNORED, ignored.length);
        assertEquals(Optional.of(prefix + String.join(", ", ignored)), m.warning());
        assertEquals(Optional.empty(), base.warning());
        assertTrue(m.description().contains(", " + edited.graph().nodes().size()
                + " ONNX nodes (" + ignored.length + " ignored: no graph output needs them), "),
                m.description());
        assertFalse(base.description().contains("ignored"), base.description());
    }

    @Test
    void aDeadBranchOffTheImageIsIgnored() throws Exception {
        // a side Transpose, as a converter may leave one
        readAsBase(withNodes(BASE, node("side", "Transpose", List.of(IN), "side.out",
                Attribute.ofInts("perm", 0, 2, 3, 1))), "Transpose 'side'");
        // a shape probe: operators we do not support, and a Constant only it reads (not named:
        // a Constant computes nothing)
        readAsBase(withNodes(BASE, node("probe.shape", "Shape", List.of(IN), "probe.shape"),
                constantLong("probe.index", 2), node("probe.gather", "Gather",
                        List.of("probe.shape", "probe.index"), "probe.size")),
                "Shape 'probe.shape'", "Gather 'probe.gather'");
    }

    /**
     * A Constant nothing reads is read without a warning, as before dead nodes were ignored:
     * exporters leave them, and they compute nothing.
     */
    @Test
    void anUnusedConstantDrawsNoWarning() throws Exception {
        Model edited = withNodes(BASE, constantLong("unused", 7));
        OnnxModel base = OnnxModel.read(OnnxProto.write(BASE));
        OnnxModel m = OnnxModel.read(OnnxProto.write(edited));
        assertEquals(base.config(), m.config());
        assertEquals(Optional.empty(), m.warning());
        assertFalse(m.description().contains("ignored"), m.description());
    }

    @Test
    void aDeadBranchOffAMiddleTensorIsIgnored() throws Exception {
        // a debug tap on a block's output, of operators we do not support, and a Reshape whose
        // shape is an initializer only it reads
        Model tap = withInitializers(withNodes(BASE,
                node("tap.hs", "HardSigmoid", List.of("block5.add"), "tap.hs"),
                node("tap.max", "ReduceMax", List.of("tap.hs"), "tap.max"),
                node("tap.flat", "Reshape", List.of("tap.hs", "tap.shape"), "tap.flat")),
                Tensor.ofLongs("tap.shape", new long[] {1, -1}, 2));
        readAsBase(tap, "HardSigmoid 'tap.hs'", "ReduceMax 'tap.max'", "Reshape 'tap.flat'");
        // an unused Identity on a convolution's output before its ReLU6: the clamp is still
        // found after the convolution, as its one live consumer
        readAsBase(withNodes(BASE, node("tap.id", "Identity", List.of("block2.expand"),
                "tap.id")), "Identity 'tap.id'");
    }

    @Test
    void aDeadBranchOffTheLogitsIsIgnored() throws Exception {
        // probabilities and the top class computed but not an output
        readAsBase(withNodes(BASE, node("probs", "Softmax", List.of(OUT), "probs",
                Attribute.ofInt("axis", 1)), node("top1", "ArgMax", List.of("probs"), "top1",
                Attribute.ofInt("axis", 1))), "Softmax 'probs'", "ArgMax 'top1'");
    }

    /**
     * A dead node of another domain is ignored as the others are: it cannot change the logits.
     * ONNX Runtime refuses the file at load (it imports no opset of that domain).
     */
    @Test
    void aDeadNodeOfAnotherDomainIsIgnored() throws Exception {
        Model m = withNodes(BASE, new Node("debug", "Print", "com.example",
                List.of("block5.add"), List.of("debug.out"), List.of()));
        assertThrows(OrtException.class, () -> ort(m));
        OnnxModel base = OnnxModel.read(OnnxProto.write(BASE));
        OnnxModel read = OnnxModel.read(OnnxProto.write(m));
        float[] img = OnnxTestSupport.randomImage(CFG.resolution(), 5);
        KernelSet k = KernelSets.vector();
        assertArrayEquals(OnnxTestSupport.runOurs(base.config(), base.weights(), k, img),
                OnnxTestSupport.runOurs(read.config(), read.weights(), k, img));
        assertEquals(Optional.of("ignored 1 node whose outputs reach no graph output: Print"
                + " 'debug'"), read.warning());
    }

    /** Past ten ignored nodes the warning says how many more there are. */
    @Test
    void manyDeadNodesAreCounted() throws OnnxFormatException {
        List<Node> taps = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            taps.add(node("tap" + i, "Relu", List.of("block5.add"), "tap" + i));
            named.add("Relu 'tap" + i + "'");
        }
        OnnxModel m = OnnxModel.read(OnnxProto.write(withNodes(BASE,
                taps.toArray(new Node[0]))));
        assertEquals(Optional.of(String.format(IGNORED, 12) + String.join(", ",
                named.subList(0, 10)) + " and 2 more"), m.warning());
    }

    /**
     * A branch whose result reaches the output changes the logits and is still refused, as
     * is an operator we do not support on it.
     */
    @Test
    void aLiveBranchIsStillRefused() throws Exception {
        // block 6's residual Add takes a Relu of its input: ONNX Runtime's logits change
        Model live = withNodes(mapNodes(BASE, n -> n.name().equals("block6.add")
                ? OnnxTestSupport.withInputs(n, "side.out", "block6.project") : n),
                node("side", "Relu", List.of("block5.add"), "side.out"));
        assertFalse(java.util.Arrays.equals(ort(BASE), ort(live)));
        assertEquals("not a MobileNetV2 graph: 'block5.add' feeds Conv 'block6.expand.conv' and"
                + " Relu 'side'; expected a single chain", refused(live));
        // the same branch of an operator we do not support
        Model unsupported = mapNodes(live, n -> n.name().equals("side")
                ? OnnxTestSupport.withOp(n, "HardSigmoid") : n);
        assertTrue(refused(unsupported).startsWith("unsupported operator HardSigmoid"
                + " (HardSigmoid 'side'): MobileNetV2 import supports Conv, "),
                refused(unsupported));
        // the image feeds the stem and a mean whose value becomes the stem's ReLU6 bound
        Model image = withNodes(mapNodes(BASE, n -> n.name().equals("stem.relu6")
                ? OnnxTestSupport.withInputs(n, "stem", "side.mean", n.input(2)) : n),
                node("side", "ReduceMean", List.of(IN), "side.mean",
                        Attribute.ofInt("keepdims", 0)));
        ort(image);
        assertEquals("not a MobileNetV2 graph: the input 'input' feeds the stem (Conv"
                + " 'stem.conv') and ReduceMean 'side' too; expected the image, [N, 3, size,"
                + " size] (NCHW), to feed only the stem convolution", refused(image));
    }

    /**
     * A dead node may not take a name another node, an initializer or the graph input has: it
     * would leave which tensor the chain reads to the order of the nodes. ONNX Runtime refuses
     * each of these files at load.
     */
    @Test
    void aDeadNodeMayNotRepeatAName() {
        Model shadow = withNodes(BASE, node("shadow", "Relu", List.of(IN), "block5.add"));
        assertThrows(OrtException.class, () -> ort(shadow));
        assertEquals("Add 'block5.add' and Relu 'shadow' both output 'block5.add'; expected each"
                + " tensor named once", refused(shadow));
        Model init = withNodes(BASE, node("shadow", "Relu", List.of(IN), "classifier.bias"));
        assertThrows(OrtException.class, () -> ort(init));
        assertEquals("Relu 'shadow' outputs 'classifier.bias', which an initializer already"
                + " holds; expected each tensor named once", refused(init));
        Model input = withNodes(BASE, node("shadow", "Relu", List.of("block5.add"), IN));
        assertThrows(OrtException.class, () -> ort(input));
        assertEquals("Relu 'shadow' outputs 'input', the name of a graph input; expected each"
                + " tensor named once", refused(input));
    }

    /**
     * A graph output no node makes is refused saying so, rather than every node being ignored
     * as reaching no output.
     */
    @Test
    void anOutputNoNodeMakesIsRefused() {
        assertEquals("not a MobileNetV2 graph: no node outputs the graph output"
                + " 'classifier.bias', an initializer; expected the logits the classifier gives",
                refused(withOutputs(BASE, List.of(new ValueInfo("classifier.bias",
                        OnnxProto.FLOAT, null)))));
        assertEquals("not a MobileNetV2 graph: no node outputs the graph output 'nothing';"
                + " expected the logits the classifier gives", refused(withOutputs(BASE,
                        List.of(new ValueInfo("nothing", OnnxProto.FLOAT, null)))));
    }

    /**
     * A second input, even one only a dead node reads, is refused naming the inputs: we take
     * one image, and ONNX Runtime, which runs dead nodes too, fails such a graph fed the image
     * alone ("Missing Input").
     */
    @Test
    void aSecondInputIsRefusedNamingThem() {
        Model two = withNodes(withInput(BASE, "extra"), node("side", "Relu", List.of("extra"),
                "side.out"));
        assertThrows(OrtException.class, () -> ort(two)); // fed the image alone
        assertEquals("not a MobileNetV2 graph: the graph has 2 inputs, 'input', 'extra', that"
                + " are not initializers; expected one, the image [N, 3, size, size] (NCHW) or"
                + " [N, size, size, 3] (NHWC, then a Transpose of perm [0, 3, 1, 2])",
                refused(two));
    }
}
