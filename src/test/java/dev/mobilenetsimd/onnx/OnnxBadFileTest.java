package dev.mobilenetsimd.onnx;

import static dev.mobilenetsimd.onnx.OnnxTestSupport.mapNodes;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.node;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.withAttribute;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.withGraph;
import static dev.mobilenetsimd.onnx.OnnxTestSupport.withOp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.onnx.OnnxProto.Attribute;
import dev.mobilenetsimd.onnx.OnnxProto.Graph;
import dev.mobilenetsimd.onnx.OnnxProto.Model;
import dev.mobilenetsimd.onnx.OnnxProto.Node;
import dev.mobilenetsimd.onnx.OnnxProto.Tensor;
import dev.mobilenetsimd.onnx.OnnxProto.ValueInfo;
import dev.mobilenetsimd.testdata.RealData;
import dev.mobilenetsimd.tflite.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not importable MobileNetV2 ONNX models
 * fail with a clear {@link OnnxFormatException}.
 */
class OnnxBadFileTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 96, 1000, Padding.SYMMETRIC);
    private static final Model GOOD = OnnxExporter.model(Weights.random(CFG, 2));
    private static final byte[] GOOD_BYTES = OnnxProto.write(GOOD);

    private static OnnxFormatException fails(byte[] bytes, String... expectedInMessage) {
        OnnxFormatException e =
                assertThrows(OnnxFormatException.class, () -> OnnxModel.read(bytes));
        for (String s : expectedInMessage) {
            assertTrue(e.getMessage().contains(s),
                    "message '" + e.getMessage() + "' should mention '" + s + "'");
        }
        return e;
    }

    private static OnnxFormatException fails(Model m, String... expectedInMessage) {
        return fails(OnnxProto.write(m), expectedInMessage);
    }

    /** {@link #GOOD} with element {@code i} of initializer {@code name} set to {@code v}. */
    private static Model withValue(String name, int i, double v, boolean asDouble)
            throws OnnxFormatException {
        List<Tensor> inits = new ArrayList<>();
        for (Tensor t : GOOD.graph().initializers()) {
            if (t.name().equals(name)) {
                float[] f = t.toFloats();
                ByteBuffer b = ByteBuffer.allocate(f.length * (asDouble ? 8 : 4))
                        .order(ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < f.length; k++) {
                    if (asDouble) {
                        b.putDouble(k == i ? v : f[k]);
                    } else {
                        b.putFloat(k == i ? (float) v : f[k]);
                    }
                }
                t = new Tensor(name, asDouble ? OnnxProto.DOUBLE : OnnxProto.FLOAT, t.dims(),
                        b.array(), false);
            }
            inits.add(t);
        }
        return withGraph(GOOD, GOOD.graph().nodes(), inits);
    }

    /**
     * A weight that is not finite names its tensor and its index there: it was reported as a
     * NaN weight of a layer at an index of the transposed layout, naming no tensor.
     */
    @Test
    void nonFiniteWeightsNameTheirTensor() throws Exception {
        fails(withValue("block2.expand.weight", 7, Double.NaN, false),
                "tensor 'block2.expand.weight' float32 [", "element 7 is NaN (as float32);"
                        + " weights must be finite");
        fails(withValue("classifier.bias", 3, Double.NEGATIVE_INFINITY, false),
                "Gemm", "tensor 'classifier.bias' float32 [1000]: element 3 is -Infinity");
        // a float64 value past float range
        fails(withValue("stem.bias", 0, 1e300, true),
                "tensor 'stem.bias' float64 [", "element 0 is Infinity (as float32)");
    }

    /**
     * The classifier Gemm's alpha and beta scale its weights and bias: a factor that is not
     * finite, or that takes a weight past float range, is named. Both were caught only as a
     * non-finite classifier weight, which the file does not hold.
     */
    @Test
    void gemmScaleFactorsMustKeepWeightsFinite() throws OnnxFormatException {
        fails(gemmWith(GOOD, Attribute.ofFloat("alpha", Float.NaN)), "Gemm", "alpha NaN",
                "expected finite numbers");
        fails(gemmWith(GOOD, Attribute.ofFloat("beta", Float.POSITIVE_INFINITY)), "Gemm",
                "beta Infinity", "expected finite numbers");
        // finite factors whose products are not: a weight of 10 (or bias of -10) times 1e38
        fails(gemmWith(withValue("classifier.weight", 5, 10, false),
                Attribute.ofFloat("alpha", 1e38f)), "Gemm", "alpha 1.0E38", "past float range");
        fails(gemmWith(withValue("classifier.bias", 5, -10, false),
                Attribute.ofFloat("beta", 1e38f)), "Gemm", "beta 1.0E38", "past float range");
        // and the same factors with the random weights, all under 1 in magnitude, import fine
        assertDoesNotThrow(() -> OnnxModel.read(OnnxProto.write(
                gemmWith(GOOD, Attribute.ofFloat("alpha", 1e38f)))));
    }

    /**
     * An attribute of another type than ONNX defines is refused, naming node, attribute and both
     * types, as ONNX Runtime refuses it: the type was not read, so an alpha given as an INT read
     * as 0 and zeroed every classifier weight.
     */
    @Test
    void attributesOfAnotherTypeAreRefused() {
        fails(gemmWith(GOOD, Attribute.ofInt("alpha", 1)),
                "Gemm 'classifier': attribute 'alpha' is INT; expected FLOAT");
        fails(gemmWith(GOOD, Attribute.ofInts("transB", 1)),
                "Gemm 'classifier': attribute 'transB' is INTS; expected INT");
        String dw = "block2.depthwise.conv";
        fails(convWith(dw, Attribute.ofFloat("group", 1f)),
                "Conv '" + dw + "': attribute 'group' is FLOAT; expected INT");
        fails(convWith(dw, Attribute.ofInt("strides", 2)),
                "Conv '" + dw + "': attribute 'strides' is INT; expected INTS");
        fails(convWith(dw, Attribute.ofInt("auto_pad", 0)),
                "Conv '" + dw + "': attribute 'auto_pad' is INT; expected STRING");
        fails(mapNodes(GOOD, n -> n.opType().equals("Flatten")
                ? withAttribute(n, Attribute.ofFloat("axis", 1f)) : n),
                "Flatten 'flatten': attribute 'axis' is FLOAT; expected INT");
        // Clip's bounds as opset 10 has them, as INTs
        fails(mapNodes(OnnxTestSupport.withOpset(GOOD, 10), n -> n.opType().equals("Clip")
                ? new Node(n.name(), "Clip", "", List.of(n.input(0)), n.outputs(),
                        List.of(Attribute.ofInt("min", 0), Attribute.ofFloat("max", 6f))) : n),
                "Clip 'stem.relu6': attribute 'min' is INT; expected FLOAT");
        // a Constant's value_float given as an INT, the stem's ReLU6 bound
        List<Node> nodes = new ArrayList<>();
        nodes.add(node("c", "Constant", List.of(), "c.out", Attribute.ofInt("value_float", 6)));
        for (Node n : GOOD.graph().nodes()) {
            nodes.add(n.name().equals("stem.relu6")
                    ? OnnxTestSupport.withInputs(n, n.input(0), n.input(1), "c.out") : n);
        }
        fails(withGraph(GOOD, nodes, GOOD.graph().initializers()),
                "Constant 'c': attribute 'value_float' is INT; expected FLOAT");
    }

    /**
     * A group past int range is refused, not cast: 2^32 + c passed as the depthwise group c,
     * and 2^32 + 1 as 1, where ONNX Runtime refuses both.
     */
    @Test
    void groupPastIntRangeIsRefused() {
        long c = GOOD.graph().nodes().stream().filter(n -> n.name().equals("block2.depthwise.conv"))
                .findFirst().orElseThrow().attribute("group").i();
        fails(convWith("block2.depthwise.conv", Attribute.ofInt("group", (1L << 32) + c)),
                "has group " + ((1L << 32) + c) + " and weights");
        fails(convWith("block1.project.conv", Attribute.ofInt("group", (1L << 32) + 1)),
                "has group 4294967297; expected 1");
    }

    /**
     * Clip's bounds in the form of the model's opset, as ONNX Runtime wants them: attributes up
     * to opset 10, inputs from 11. Both forms were read whatever the opset.
     */
    @Test
    void clipBoundsInTheFormOfTheOpset() {
        fails(OnnxTestSupport.withOpset(GOOD, 10), "Clip 'stem.relu6' has its bounds as inputs,"
                + " as Clip has them from opset 11; the model imports opset 10");
        fails(mapNodes(GOOD, n -> n.opType().equals("Clip")
                ? new Node(n.name(), "Clip", "", List.of(n.input(0)), n.outputs(),
                        List.of(Attribute.ofFloat("min", 0f), Attribute.ofFloat("max", 6f))) : n),
                "Clip 'stem.relu6' has attribute 'min', which Clip has up to opset 10; the model"
                        + " imports opset 13");
    }

    /**
     * A name given twice is refused: two initializers of one name (the last was taken, as ONNX
     * Runtime takes it), a Constant's output named as an initializer (the Constant was taken)
     * or as another Constant's, even where no node reads it, an attribute given twice on a node
     * (the first was taken; ONNX Runtime refuses it).
     */
    @Test
    void namesGivenTwiceAreRefused() {
        List<Tensor> inits = new ArrayList<>(GOOD.graph().initializers());
        inits.add(Tensor.ofFloats("classifier.bias", new float[1000], 1000));
        fails(withGraph(GOOD, GOOD.graph().nodes(), inits),
                "two initializers are named 'classifier.bias'");
        List<Node> nodes = new ArrayList<>(GOOD.graph().nodes());
        nodes.add(0, node("seven", "Constant", List.of(), "relu6.max",
                Attribute.ofFloat("value_float", 7f)));
        fails(withGraph(GOOD, nodes, GOOD.graph().initializers()), "Constant 'seven' outputs"
                + " 'relu6.max', which an initializer already holds; expected each tensor named"
                + " once");
        nodes.set(0, node("seven", "Constant", List.of(), "seven",
                Attribute.ofFloat("value_float", 7f)));
        nodes.add(1, node("eight", "Constant", List.of(), "seven",
                Attribute.ofFloat("value_float", 8f)));
        fails(withGraph(GOOD, nodes, GOOD.graph().initializers()), "Constant 'seven' and"
                + " Constant 'eight' both output 'seven'; expected each tensor named once");
        fails(mapNodes(GOOD, n -> {
            if (!n.opType().equals("Gemm")) {
                return n;
            }
            List<Attribute> attrs = new ArrayList<>(n.attributes());
            attrs.add(Attribute.ofFloat("alpha", 0f));
            return new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), attrs);
        }), "Gemm 'classifier' has attribute 'alpha' twice");
    }

    /**
     * Entries past {@link OnnxProto#MAX_ENTRIES} are refused as they are read: a 50 MB file of
     * 25 million empty nodes (two bytes each) ran out of memory, and a node's extra attributes
     * were read and kept (unused) however many there were.
     */
    @Test
    void tooManyEntriesAreRefused() {
        String tooMany = "more than 100000 nodes, attributes, tensors, names and other entries";
        // ModelProto { graph (field 7) { node (field 1) {} x 1,000,000 } }: 2 MB
        int nodes = 1_000_000;
        ByteBuffer b = ByteBuffer.allocate(2 * nodes + 6);
        b.put((byte) (7 << 3 | 2));
        for (int v = 2 * nodes; ; v >>>= 7) { // the length as a varint
            if (v < 0x80) {
                b.put((byte) v);
                break;
            }
            b.put((byte) (v & 0x7f | 0x80));
        }
        for (int i = 0; i < nodes; i++) {
            b.put((byte) (1 << 3 | 2)).put((byte) 0);
        }
        fails(Arrays.copyOf(b.array(), b.position()), tooMany);
        fails(mapNodes(GOOD, n -> {
            if (!n.opType().equals("Gemm")) {
                return n;
            }
            List<Attribute> attrs = new ArrayList<>(n.attributes());
            for (int i = 0; i < OnnxProto.MAX_ENTRIES; i++) {
                attrs.add(Attribute.ofInt("unused" + i, 0));
            }
            return new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), attrs);
        }), tooMany);
    }

    /**
     * Packed numbers are held against a budget of twice the file's size: a one-byte varint
     * became an 8-byte long, so a 100 MB file of packed dims (or int64_data, int32_data, ints)
     * ran a 1 GB heap out of memory.
     */
    @Test
    void packedNumbersPastTwiceTheFileAreRefused() {
        int n = 4 << 20; // 4 MB of one-byte varints: 32 MB as longs
        for (int field : new int[] {1, 5, 7}) { // TensorProto dims, int32_data, int64_data
            byte[] values = new byte[n];
            Arrays.fill(values, (byte) 1);
            // ModelProto { graph (7) { initializer (5) { field: packed values } } }
            byte[] tensor = lengthDelimited(field, values);
            byte[] file = lengthDelimited(7, lengthDelimited(5, tensor));
            fails(file, "packed numbers", "more than twice the file's size");
        }
        // AttributeProto.ints (8) in a node (1)
        byte[] ints = new byte[n];
        Arrays.fill(ints, (byte) 1);
        byte[] node = lengthDelimited(5, lengthDelimited(8, ints));
        fails(lengthDelimited(7, lengthDelimited(1, node)), "packed numbers");
        // a model's own numbers are far within it
        assertDoesNotThrow(() -> OnnxModel.read(GOOD_BYTES));
    }

    /** Field {@code field}, length-delimited, holding {@code body}. */
    private static byte[] lengthDelimited(int field, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(body.length + 11);
        b.put((byte) (field << 3 | 2));
        for (int v = body.length; ; v >>>= 7) {
            if (v < 0x80) {
                b.put((byte) v);
                break;
            }
            b.put((byte) (v & 0x7f | 0x80));
        }
        b.put(body);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static Model convWith(String name, Attribute a) {
        return mapNodes(GOOD, n -> n.name().equals(name) ? withAttribute(n, a) : n);
    }

    private static Model gemmWith(Model base, Attribute a) {
        return mapNodes(base, n -> n.opType().equals("Gemm") ? withAttribute(n, a) : n);
    }

    @Test
    void emptyAndTruncatedFiles() {
        fails(new byte[0], "empty");
        for (int len : new int[] {1, 7, 100, GOOD_BYTES.length / 3, GOOD_BYTES.length / 2,
                GOOD_BYTES.length - 1}) {
            fails(Arrays.copyOf(GOOD_BYTES, len));
        }
    }

    /** A valid model in the other format is named as such, not "truncated or corrupt protobuf". */
    @Test
    void tensorFlowLiteFileIsNamed() throws IOException {
        byte[] header = {0x1c, 0, 0, 0, 'T', 'F', 'L', '3', 0x14, 0, 0x20, 0};
        fails(Arrays.copyOf(header, 64), "a TensorFlow Lite model", "TfliteModel");
        Path tflite = RealData.model(RealData.TF1_QUANT);
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.load(tflite));
        assertTrue(e.getMessage().contains(tflite + ": a TensorFlow Lite model (file identifier"
                + " 'TFL3'), not ONNX: read it with TfliteModel"), e.getMessage());
    }

    @Test
    void truncatedFileOnDiskNamesTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cut.onnx");
        Files.write(f, Arrays.copyOf(GOOD_BYTES, GOOD_BYTES.length - 10));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModel.load(f));
        assertTrue(e.getMessage().contains("cut.onnx"), e.getMessage());
        assertTrue(e instanceof OnnxFormatException);
    }

    /** Over 2 GB (a sparse file): refused by its size, not an OutOfMemoryError from reading it. */
    @Test
    void fileLargerThanAnArrayIsRefusedBeforeReading(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("huge.onnx");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxModel.load(p));
        assertTrue(e.getMessage().startsWith(p + ": 3221225472 bytes, more than"), e.getMessage());
    }

    /** A device or a directory is refused by its type before anything is read. */
    @Test
    void nonRegularFilesAreRefusedBeforeReading(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("model.onnx"));
        IOException e = assertThrows(IOException.class, () -> OnnxModel.load(folder));
        assertTrue(e.getMessage().equals(folder + ": a directory, expected a regular .onnx file"),
                e.getMessage());
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero), "no /dev/zero here");
        e = assertThrows(IOException.class, () -> OnnxModel.load(zero));
        assertTrue(e.getMessage().equals(zero + ": not a regular file, expected a regular .onnx"
                + " file"), e.getMessage());
    }

    @Test
    void garbageBytes() {
        Random rnd = new Random(1);
        for (int i = 0; i < 5; i++) {
            byte[] b = new byte[1000 + i];
            rnd.nextBytes(b);
            fails(b);
        }
        fails("this is not an onnx file".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void unsupportedOperator() {
        fails(mapNodes(GOOD, n -> n.opType().equals("Clip") && n.name().startsWith("block3")
                ? withOp(n, "HardSigmoid") : n), "unsupported operator HardSigmoid", "block3");
        fails(mapNodes(GOOD, n -> n.opType().equals("Add")
                ? new Node(n.name(), "FusedAdd", "com.example", n.inputs(), n.outputs(),
                        n.attributes()) : n), "unsupported operator com.example.FusedAdd");
    }

    @Test
    void notAMobileNetV2() {
        // Stem, then straight to the head.
        List<Node> nodes = new ArrayList<>();
        for (Node n : GOOD.graph().nodes()) {
            if (n.name().startsWith("stem")) {
                nodes.add(n);
            }
        }
        nodes.add(node("pool", "GlobalAveragePool", List.of("stem.relu6"),
                OnnxExporter.OUTPUT_NAME));
        fails(withGraph(GOOD, nodes, GOOD.graph().initializers()), "not a MobileNetV2 graph",
                "GlobalAveragePool");

        // An extra branch off the chain that reaches the output (block 6's residual Add takes
        // it); one that reaches none is ignored (OnnxDeadNodesTest).
        List<Node> extra = new ArrayList<>();
        for (Node n : GOOD.graph().nodes()) {
            extra.add(n.name().equals("block6.add")
                    ? OnnxTestSupport.withInputs(n, "side.out", n.input(1)) : n);
        }
        extra.add(node("side", "Relu", List.of("block5.add"), "side.out"));
        fails(withGraph(GOOD, extra, GOOD.graph().initializers()), "not a MobileNetV2 graph",
                "block5.add");

        // A block without its residual connection: the Add
        // replaced by an Identity-like Relu... is not ReLU6.
        fails(mapNodes(GOOD, n -> n.opType().equals("Clip")
                && n.name().equals("block2.depthwise.relu6")
                ? withInputsMin(n, "relu6.min", "relu6.min") : n), "clamps to [0.0, 0.0]");

        // A wrong stride in block 2's depthwise convolution.
        fails(mapNodes(GOOD, n -> n.name().equals("block2.depthwise.conv")
                ? withAttribute(n, Attribute.ofInts("strides", 1, 1)) : n), "stride 1; expected 2");

        // NHWC input shape.
        Graph g = GOOD.graph();
        ValueInfo nhwc =
                new ValueInfo(g.inputs().get(0).name(), OnnxProto.FLOAT, List.of(1L, 96L, 96L, 3L));
        fails(new Model(GOOD.irVersion(), GOOD.opsets(), "", "",
                new Graph(g.name(), g.nodes(), g.initializers(), List.of(nhwc), g.outputs()),
                GOOD.metadata()), "[N, 3, size, size]");

        // Padding that is neither convention.
        fails(mapNodes(GOOD, n -> n.name().equals("block4.depthwise.conv")
                ? withAttribute(n, Attribute.ofInts("pads", 2, 2, 0, 0)) : n), "neither symmetric");
        // Rows padded symmetrically, columns 0 before and 1 after (same output width at stride
        // 2): the plan would pad the columns as the rows.
        fails(mapNodes(GOOD, n -> n.name().equals("block2.depthwise.conv")
                ? withAttribute(n, Attribute.ofInts("pads", 1, 0, 1, 1)) : n), "neither symmetric");

        fails(OnnxTestSupport.withOpset(GOOD, 6), "opset 6 is too old");
    }

    /** {@link #GOOD} with graph inputs {@code inputs} and outputs {@code outputs}. */
    private static Model withEnds(List<ValueInfo> inputs, List<ValueInfo> outputs) {
        Graph g = GOOD.graph();
        return new Model(GOOD.irVersion(), GOOD.opsets(), "", "", new Graph(g.name(), g.nodes(),
                g.initializers(), inputs, outputs), GOOD.metadata());
    }

    /**
     * A graph of other than one output is refused naming the outputs and the form expected,
     * though ONNX Runtime runs one of two: which is the logits is for the user to say, and we
     * return one tensor. Of other than one input, naming the inputs. It was "the graph has 1
     * inputs and 2 outputs; expected one image input and one logits output".
     */
    @Test
    void outputsAndInputsOtherThanOneAreNamed() throws Exception {
        Graph g = GOOD.graph();
        List<Node> nodes = new ArrayList<>(g.nodes());
        nodes.add(node("probs", "Softmax", List.of(OnnxExporter.OUTPUT_NAME), "probs",
                Attribute.ofInt("axis", 1)));
        List<ValueInfo> outputs = new ArrayList<>(g.outputs());
        outputs.add(new ValueInfo("probs", OnnxProto.FLOAT, null));
        Model two = withGraph(withEnds(g.inputs(), outputs), nodes, g.initializers());
        float[] image = new float[3 * 96 * 96];
        assertArrayEquals(OnnxTestSupport.runOrt(GOOD_BYTES, image, 96, 1),
                OnnxTestSupport.runOrt(OnnxProto.write(two), image, 96, 1)); // its first output
        assertEquals("not a MobileNetV2 graph: the graph has 2 outputs, 'logits', 'probs';"
                + " expected one output, the logits (or their Softmax), the one tensor the"
                + " network gives: keep only that one among the graph's outputs (nodes that then"
                + " reach no output are ignored)", fails(two).getMessage());
        assertEquals("not a MobileNetV2 graph: the graph has no outputs; expected one output,"
                + " the logits (or their Softmax)",
                fails(withEnds(g.inputs(), List.of())).getMessage());
        List<ValueInfo> inputs = new ArrayList<>(g.inputs());
        inputs.add(new ValueInfo("extra", OnnxProto.FLOAT, List.of(1L, 3L)));
        assertEquals("not a MobileNetV2 graph: the graph has 2 inputs, 'input', 'extra', that"
                + " are not initializers; expected one, the image [N, 3, size, size] (NCHW) or"
                + " [N, size, size, 3] (NHWC, then a Transpose of perm [0, 3, 1, 2])",
                fails(withEnds(inputs, g.outputs())).getMessage());
        assertEquals("not a MobileNetV2 graph: the graph has no inputs that are not"
                + " initializers; expected one, the image [N, 3, size, size] (NCHW) or"
                + " [N, size, size, 3] (NHWC, then a Transpose of perm [0, 3, 1, 2])",
                fails(withEnds(List.of(), g.outputs())).getMessage());
    }

    /** {@link #GOOD} with initializer {@code name} as {@code bytesPerValue}-byte {@code type}. */
    private static Model withType(String name, int type, int bytesPerValue) {
        List<Tensor> inits = new ArrayList<>();
        for (Tensor t : GOOD.graph().initializers()) {
            if (t.name().equals(name)) {
                t = new Tensor(name, type, t.dims(), new byte[(int) t.elements() * bytesPerValue],
                        false);
            }
            inits.add(t);
        }
        return withGraph(GOOD, GOOD.graph().nodes(), inits);
    }

    /**
     * A tensor of a data type we do not read names the type and the types expected: it was
     * "an unsupported data type", and a weight of bfloat16 was "data type 16".
     */
    @Test
    void unsupportedDataTypesAreNamed() {
        fails(withType("stem.weight", 16, 2), "tensor 'stem.weight' bfloat16 [",
                "]: bfloat16 is not a supported data type; expected float32, float16 or float64"
                        + " (weights) or int64, int32, int16, int8 or bool (shapes, axes)");
        fails(withType("stem.weight", 8, 0), "]: string is not a supported data type");
        fails(withType("stem.weight", 99, 4), "]: data type 99 is not a supported data type");
        fails(withType("relu6.max", OnnxProto.INT32, 4), "tensor 'relu6.max' int32 [",
                "is int32; expected floating-point values");
    }

    /**
     * uint8 and uint16, which no tensor of ours may be, are refused as such before the data's
     * size is checked, and a type of the wrong kind (int32 weights) is refused as that: they
     * passed the size check, so a tensor of the wrong size was refused for its size, and one of
     * the right size was called only not floating-point.
     */
    @Test
    void typesOfNoUseAreRefusedBeforeTheDataSize() {
        String unsupported = " is not a supported data type; expected float32, float16 or"
                + " float64 (weights) or int64, int32, int16, int8 or bool (shapes, axes)";
        for (int bytes : new int[] {1, 2, 3}) {
            fails(withType("stem.weight", OnnxProto.UINT8, bytes), "tensor 'stem.weight' uint8 [",
                    "]: uint8" + unsupported);
            fails(withType("stem.weight", OnnxProto.UINT16, bytes), "tensor 'stem.weight' uint16"
                    + " [", "]: uint16" + unsupported);
            fails(withType("relu6.max", OnnxProto.INT32, bytes), "tensor 'relu6.max' int32 [",
                    "is int32; expected floating-point values (float32, float16 or float64)");
        }
    }

    /**
     * {@link #GOOD} at {@code opset} with {@code tail} after its classifier, each node on the
     * one before, the last giving the graph output. An entry is an op type and then its
     * attributes, or for a Reshape its target shape.
     */
    private static Model withTail(long opset, Object[]... tail) {
        Model m = OnnxTestSupport.withOpset(GOOD, opset);
        String out = OnnxExporter.OUTPUT_NAME;
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            nodes.add(n.opType().equals("Gemm") ? new Node(n.name(), "Gemm", "", n.inputs(),
                    List.of("tail0"), n.attributes()) : n);
        }
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        for (int i = 0; i < tail.length; i++) {
            String op = (String) tail[i][0];
            List<String> in = new ArrayList<>(List.of("tail" + i));
            List<Attribute> attrs = new ArrayList<>();
            for (int k = 1; k < tail[i].length; k++) {
                if (tail[i][k] instanceof long[]) {
                    long[] shape = (long[]) tail[i][k];
                    inits.add(Tensor.ofLongs("tail.shape" + i, shape, shape.length));
                    in.add("tail.shape" + i);
                } else {
                    attrs.add((Attribute) tail[i][k]);
                }
            }
            nodes.add(new Node("tail" + i, op, "", in,
                    List.of(i == tail.length - 1 ? out : "tail" + (i + 1)), attrs));
        }
        Graph g = m.graph();
        // the output's shape left open: the tail's shape is what is checked
        ValueInfo output = new ValueInfo(out, OnnxProto.FLOAT, null);
        return new Model(m.irVersion(), m.opsets(), "", "", new Graph(g.name(), nodes, inits,
                g.inputs(), List.of(output)), Map.of());
    }

    private static Object[] reshape(long... shape) {
        return new Object[] {"Reshape", shape};
    }

    /**
     * After the classifier only reshapes that keep the classes last, and at most one Softmax,
     * over the classes: any Reshape was taken, so [1000, 1] then Softmax (all ones) read as
     * the logits, and two Softmax nodes were taken as one.
     */
    @Test
    void tailMustKeepTheClassesLast() {
        Object[] softmax = {"Softmax"};
        fails(withTail(13, reshape(1000, 1), softmax), "Reshape 'tail0' reshapes the logits"
                + " [N, 1000] to [1000, 1]; expected [1, 1000], [1, -1], [1000] or [-1], which"
                + " keep the classes last");
        fails(withTail(13, reshape(-1, 1)), "to [-1, 1]; expected");
        fails(withTail(13, reshape(1, 1000, 1)), "to [1, 1000, 1]; expected");
        fails(withTail(13, softmax, softmax), "Softmax 'tail1' follows Softmax 'tail0';"
                + " expected at most one Softmax after the classifier");
        fails(withTail(13, reshape(-1), new Object[] {"Softmax", Attribute.ofInt("axis", 1)}),
                "Softmax 'tail1' normalises axis 1 of [1000]; expected the classes (axis 0 or"
                        + " -1)");
        // opset 11's default axis 1 is out of range on [1000]
        fails(withTail(11, reshape(1000), softmax), "normalises axis 1 of [1000]");
        fails(withTail(13, new Object[] {"Flatten", Attribute.ofInt("axis", 0)}),
                "Flatten 'tail0' flattens [N, 1000] from axis 0; expected axis 1 or -1");
        // a 0 copies the batch of [N, 1000], but of [1000] it is 1000
        fails(withTail(13, reshape(-1), reshape(0, -1)), "Reshape 'tail1' reshapes the logits"
                + " [1000] to [0, -1]");
        // a 0 copies the input's size at its index; past the input's rank there is none
        // (ONNX's Reshape leaves it undefined), so that shape is refused, not failed on
        fails(withTail(13, reshape(1, 1000, 0)), "Reshape 'tail0' reshapes the logits"
                + " [N, 1000] to [1, 1000, 0]; expected");
        // what keeps the classes last imports
        for (Model ok : List.of(withTail(13, softmax), withTail(11, softmax),
                withTail(13, reshape(-1), softmax),
                withTail(11, reshape(-1), new Object[] {"Softmax", Attribute.ofInt("axis", 0)}),
                withTail(13, reshape(0, -1), new Object[] {"Flatten"}, softmax),
                withTail(13, reshape(1000), new Object[] {"Flatten", Attribute.ofInt("axis", 0)},
                        reshape(0, 1000)))) {
            assertDoesNotThrow(() -> OnnxModel.read(OnnxProto.write(ok)));
        }
    }

    /**
     * A stem too wide for any width multiplier is reported by its shape: the alpha it implies
     * (160 / 32 = 5) failed ModelConfig's check, and "alpha = 5.0 is not allowed" replaced the
     * mismatch found for the published alphas.
     */
    @Test
    void stemTooWideIsReportedByItsShape() {
        List<Tensor> inits = new ArrayList<>();
        for (Tensor t : GOOD.graph().initializers()) {
            if (t.name().equals("stem.weight")) {
                t = Tensor.ofFloats(t.name(), new float[160 * 27], 160, 3, 3, 3);
            } else if (t.name().equals("stem.bias")) {
                t = Tensor.ofFloats(t.name(), new float[160], 160);
            }
            inits.add(t);
        }
        OnnxFormatException e = fails(withGraph(GOOD, GOOD.graph().nodes(), inits),
                "not a MobileNetV2 graph: stem weights 'stem.weight' float32 [160, 3, 3, 3]"
                        + " should have shape [");
        assertTrue(!e.getMessage().contains("alpha = 5.0"), e.getMessage());
    }

    /** ModelConfig's refusal keeps its exception as the cause, not only its message. */
    @Test
    void configRefusalKeepsItsCause() {
        List<Tensor> inits = new ArrayList<>();
        for (Tensor t : GOOD.graph().initializers()) {
            if (t.name().equals("classifier.weight")) {
                t = Tensor.ofFloats(t.name(), new float[0], 0, t.dims()[1]);
            } else if (t.name().equals("classifier.bias")) {
                t = Tensor.ofFloats(t.name(), new float[0], 0);
            }
            inits.add(t);
        }
        Model m = withGraph(GOOD, GOOD.graph().nodes(), inits);
        Graph g = m.graph();
        ValueInfo open = new ValueInfo(g.outputs().get(0).name(), OnnxProto.FLOAT, null);
        OnnxFormatException e = fails(new Model(m.irVersion(), m.opsets(), "", "",
                new Graph(g.name(), g.nodes(), g.initializers(), g.inputs(), List.of(open)),
                Map.of()), "not a MobileNetV2 graph: classes = 0 is not allowed: expected 1 to");
        assertTrue(e.getCause() instanceof IllegalArgumentException, String.valueOf(e.getCause()));
        assertTrue(e.getMessage().endsWith(e.getCause().getMessage()), e.getMessage());
    }

    /** {@link #GOOD} importing {@code opsets} instead of its own. */
    private static Model withOpsets(OnnxProto.OpsetId... opsets) {
        return new Model(GOOD.irVersion(), List.of(opsets), GOOD.producerName(),
                GOOD.producerVersion(), GOOD.graph(), GOOD.metadata());
    }

    /**
     * A negative opset version is refused by name: -1 was taken for a missing import of the
     * default domain, and -5 reported as an opset too old.
     */
    @Test
    void negativeOpsetVersionsAreRefused() {
        for (long v : new long[] {-1, -5, Long.MIN_VALUE}) {
            fails(withOpsets(new OnnxProto.OpsetId("", v)), "opset_import gives domain ''"
                    + " the negative version " + v + "; expected an opset version of 1 or more");
        }
        fails(withOpsets(new OnnxProto.OpsetId("ai.onnx", 13),
                new OnnxProto.OpsetId("ai.onnx.ml", -2)), "domain 'ai.onnx.ml' the negative"
                + " version -2");
    }

    /**
     * Without an import of the default domain the standard operators have no version, and the
     * ONNX checker refuses the model: refused, saying what import is expected.
     */
    @Test
    void missingDefaultDomainOpsetIsRefused() {
        String expected = "the model imports no opset of the default ONNX domain (opset_import"
                + " holds no domain '' or 'ai.onnx'), so its standard operators have no version;"
                + " expected an import of that domain at opset 7 or newer";
        fails(withOpsets(), expected);
        fails(withOpsets(new OnnxProto.OpsetId("ai.onnx.ml", 3)), expected);
        // "ai.onnx" is the default domain's other name
        assertDoesNotThrow(() -> OnnxModel.read(OnnxProto.write(
                withOpsets(new OnnxProto.OpsetId("ai.onnx", 13)))));
    }

    /**
     * An opset newer than the importer knows (22) is read with opset 22's meaning, and
     * {@link OnnxModel#warning()} says so: there was no upper limit, and an opset 30 model was
     * read without a word.
     */
    @Test
    void newerOpsetIsReadWithAWarning() throws Exception {
        assertEquals(java.util.Optional.empty(), OnnxModel.read(OnnxProto.write(
                OnnxTestSupport.withOpset(GOOD, OnnxGraphImporter.MAX_OPSET))).warning());
        assertEquals(java.util.Optional.empty(), OnnxModel.read(GOOD_BYTES).warning());
        for (long opset : new long[] {23, 30}) {
            OnnxModel m = OnnxModel.read(OnnxProto.write(OnnxTestSupport.withOpset(GOOD, opset)));
            assertEquals(CFG, m.config());
            assertEquals(java.util.Optional.of("the model imports opset " + opset + " of the"
                    + " default ONNX domain, newer than 22, the newest this importer knows: its"
                    + " operators were read with their opset 22 meaning"), m.warning());
        }
    }

    private static Node withInputsMin(Node n, String min, String max) {
        return OnnxTestSupport.withInputs(n, n.input(0), min, max);
    }

    @Test
    void shapeMismatches() {
        // Block 3's projection with 8 more output channels than MobileNetV2 0.35 has.
        List<Tensor> inits = new ArrayList<>();
        for (Tensor t : GOOD.graph().initializers()) {
            if (t.name().equals("block3.project.weight")) {
                long[] d = t.dims().clone();
                d[0] += 8;
                inits.add(Tensor.ofFloats(t.name(), new float[(int) (d[0] * d[1])], d));
            } else if (t.name().equals("block3.project.bias")) {
                inits.add(Tensor.ofFloats(t.name(), new float[(int) t.dims()[0] + 8],
                        t.dims()[0] + 8));
            } else {
                inits.add(t);
            }
        }
        fails(withGraph(GOOD, GOOD.graph().nodes(), inits), "block 3 projection weights",
                "should have shape");

        // Data shorter than the dims say.
        List<Tensor> shortData = new ArrayList<>();
        for (Tensor t : GOOD.graph().initializers()) {
            shortData.add(t.name().equals("stem.weight")
                    ? new Tensor(t.name(), t.dataType(), t.dims(),
                            Arrays.copyOf(t.data(), t.data().length - 4), false) : t);
        }
        fails(withGraph(GOOD, GOOD.graph().nodes(), shortData), "'stem.weight'", "bytes");

        // A bias that does not fit the convolution.
        fails(mapNodes(GOOD, n -> n.name().equals("block1.project.conv")
                ? OnnxTestSupport.withInputs(n, n.input(0), n.input(1), "stem.bias") : n), "bias");

        // Weights in an external file.
        List<Tensor> external = new ArrayList<>();
        for (Tensor t : GOOD.graph().initializers()) {
            external.add(t.name().equals("conv_last.weight")
                    ? new Tensor(t.name(), t.dataType(), t.dims(), new byte[0], true) : t);
        }
        fails(withGraph(GOOD, GOOD.graph().nodes(), external), "external file");

        // Classes in the declared output that differ from the classifier's.
        Graph g = GOOD.graph();
        ValueInfo out = new ValueInfo(g.outputs().get(0).name(), OnnxProto.FLOAT, List.of(1L, 10L));
        fails(new Model(GOOD.irVersion(), GOOD.opsets(), "", "",
                new Graph(g.name(), g.nodes(), g.initializers(), g.inputs(), List.of(out)),
                GOOD.metadata()), "1000 classes");
    }
}
