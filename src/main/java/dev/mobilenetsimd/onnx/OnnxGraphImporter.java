package dev.mobilenetsimd.onnx;

import static dev.mobilenetsimd.onnx.OnnxAttributes.attribute;
import static dev.mobilenetsimd.onnx.OnnxAttributes.constantValue;
import static dev.mobilenetsimd.onnx.OnnxAttributes.floatAttr;
import static dev.mobilenetsimd.onnx.OnnxAttributes.intAttr;
import static dev.mobilenetsimd.onnx.OnnxAttributes.ints;
import static dev.mobilenetsimd.onnx.ReshapeShapes.notOneRowEach;
import static dev.mobilenetsimd.onnx.ReshapeShapes.reshaped;
import static dev.mobilenetsimd.onnx.ReshapeShapes.rowsOfBatch;

import dev.mobilenetsimd.BatchNorm;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.onnx.OnnxProto.Attribute;
import dev.mobilenetsimd.onnx.OnnxProto.Graph;
import dev.mobilenetsimd.onnx.OnnxProto.Node;
import dev.mobilenetsimd.onnx.OnnxProto.Tensor;
import dev.mobilenetsimd.onnx.OnnxProto.ValueInfo;
import dev.mobilenetsimd.plan.Architecture;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Layer;
import dev.mobilenetsimd.plan.Step;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Maps an ONNX graph onto our static MobileNetV2 plan: walks the node chain from the image input
 * (stem, inverted residual blocks, last 1x1 convolution, global pool, classifier (Gemm, MatMul
 * and Add, or a 1x1 Conv), then flatten/reshape/softmax to the output), derives the
 * {@link ModelConfig}, checks every weight shape, stride and padding against the plan, folds
 * batch normalisation and transposes the weights into canonical layouts.
 *
 * <p>Each convolution may be followed by BatchNormalization and by clamps (Clip with bounds as
 * attributes before opset 11, as inputs from 11, Relu, Min/Max with a constant), whose combined
 * range must be [0, 6] (ReLU6) or unbounded; it may be preceded by a zero Pad, whose pads are
 * added to its own. An NHWC input is taken where a Transpose to NCHW is its sole consumer, as
 * tf2onnx writes a Keras model. Identity and Dropout (inference) are skipped.
 *
 * <p>Nodes none of whose outputs reach the graph output (dead nodes: shape probes, debug taps,
 * unused Identity or Shape chains exporters and hand edits leave) cannot change the logits, so
 * they are ignored whatever their operator, as ONNX Runtime computes and discards them, and
 * {@link Imported#warning} names them. Every other node must be on the chain, so a graph with a
 * branch that reaches the output is refused rather than half-imported; a name two nodes (or a
 * node and an initializer or the input) give is refused, dead or not.
 */
final class OnnxGraphImporter {
    /** Width multipliers tried first: the published ones. */
    private static final double[] PUBLISHED_ALPHAS = {1.0, 0.35, 0.5, 0.75, 1.3, 1.4};
    /** The operators we understand. */
    static final Set<String> SUPPORTED_OPS = new LinkedHashSet<>(List.of("Conv",
            "BatchNormalization", "Clip", "Relu", "Min", "Max", "Add", "GlobalAveragePool",
            "ReduceMean", "AveragePool", "Flatten", "Reshape", "Squeeze", "Gemm", "MatMul",
            "Identity", "Dropout", "Softmax", "Constant", "Transpose", "Pad"));
    /** How many names a message lists at most (of inputs, of outputs, of nodes ignored). */
    private static final int LISTED = 10;
    /** The perm of the Transpose that makes an NHWC input the NCHW image the stem takes. */
    private static final long[] NHWC_TO_NCHW = {0, 3, 1, 2};
    /** The input forms, for the messages. */
    private static final String NCHW_FORM = "[N, 3, size, size] (NCHW)";
    private static final String NHWC_FORM = "[N, size, size, 3] (NHWC, then a Transpose of"
            + " perm [0, 3, 1, 2])";
    /** Why a Pad elsewhere is refused, for the messages, before the form expected there. */
    private static final String PAD_FOLDED = "a Pad is folded only into the Conv that follows"
            + " it in the stem, a block or the last 1x1 convolution; expected ";
    /** Oldest default-domain opset accepted. */
    static final long MIN_OPSET = 7;
    /**
     * Newest default-domain opset whose operators the importer knows: the operators it reads
     * last changed meaning at 18 (ReduceMean's axes as an input, Pad's input axes), 19 to 22
     * only add tensor types (and Pad a mode, refused as the others are), and ONNX Runtime 1.22,
     * the tests' reference, runs up to 22. A newer one is read with opset 22's meaning, with a
     * warning ({@link Imported#warning}).
     */
    static final long MAX_OPSET = 22;

    private final Graph g;
    private final long opset;
    private final String paddingHint;
    private final Map<String, Tensor> constants = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();
    private final Map<Node, Boolean> used = new IdentityHashMap<>();
    /** The nodes the graph output depends on. */
    private final Set<Node> live = Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * The others, none of whose outputs reach the graph output, in graph order, but Constants:
     * those compute nothing, and unused ones were always read without a word.
     */
    private final List<Node> ignored = new ArrayList<>();

    /**
     * One convolution with what follows it: optional batch norm and the clamp range; the Pad
     * before it, if any, its pads folded into {@code pads}.
     */
    private record Conv(Node node, Tensor weight, Tensor bias, Node batchNorm, int stride,
                        long group, int kernel, long[] pads, String autoPad, Activation activation,
                        String output, Node pad) {
        int outChannels() { return (int) weight.dims()[0]; }

        /** The node, and the Pad folded into it, for the messages. */
        String describe() {
            return node.describe() + (pad == null ? ""
                    : " (its pads with those of " + pad.describe() + " before it)");
        }
    }

    /** One inverted residual block, and its output (after the residual Add, if any). */
    private record Block(Conv expand, Conv depthwise, Conv project, Node add, String output) {}

    /** The classifier: weights as {@code [in][out]} and bias. */
    private record Classifier(Node node, int in, int out, float[] kernel, float[] bias) {}

    /**
     * The result: configuration, weights, a summary and a warning on how the model was read
     * (null when there is none).
     */
    record Imported(ModelConfig config, Weights weights, String inputName, boolean nhwcInput,
                    String outputName, String summary, String warning) {}

    private OnnxGraphImporter(OnnxProto.Model model) {
        this.g = model.graph();
        this.opset = model.defaultOpset();
        this.paddingHint = model.metadata().get(OnnxExporter.PADDING_METADATA_KEY);
    }

    /**
     * How a caller gives the input size of a model that does not fix it, for the messages
     * that refuse such a model without one.
     */
    static final String HOW_TO_GIVE_RESOLUTION = "give the resolution to read it at:"
            + " OnnxModel.load(file, resolution) or OnnxModel.read(bytes, resolution), or"
            + " --resolution on the command line (classify, export-onnx --from)";

    /**
     * Where the resolution is given, for the messages that refuse one other than the size the
     * model fixes: "expected resolution 96" did not say which resolution, or that it could be
     * left out.
     */
    static final String WHERE_RESOLUTION_IS_GIVEN = "(OnnxModel.load(file, resolution) or"
            + " OnnxModel.read(bytes, resolution); --resolution on the command line)";

    /**
     * Imports {@code model}.
     *
     * @param givenResolution the input height and width the caller gives, already range
     *                        checked, or null to take the model's own: the size the network
     *                        runs at where the input does not fix it (symbolic, unnamed or
     *                        negative height and width, or no shape), and one it must equal
     *                        where it does
     */
    static Imported importModel(OnnxProto.Model model, Integer givenResolution)
            throws OnnxFormatException {
        if (model.graph() == null) {
            throw new OnnxFormatException("the ONNX model has no graph");
        }
        for (OnnxProto.OpsetId o : model.opsets()) {
            // -1 was taken for "no import of the default domain", -5 for an old opset
            if (o.version() < 0) {
                throw new OnnxFormatException("opset_import gives domain '" + o.domain()
                        + "' the negative version " + o.version()
                        + "; expected an opset version of 1 or more");
            }
        }
        long opset = model.defaultOpset();
        if (opset < 0) {
            throw new OnnxFormatException("the model imports no opset of the default ONNX domain"
                    + " (opset_import holds no domain '' or 'ai.onnx'), so its standard operators"
                    + " have no version; expected an import of that domain at opset "
                    + MIN_OPSET + " or newer");
        }
        if (opset < MIN_OPSET) {
            throw new OnnxFormatException("opset " + opset + " is too old: expected opset "
                    + MIN_OPSET + " or newer (11+ recommended)");
        }
        return new OnnxGraphImporter(model).run(model, givenResolution);
    }

    /**
     * Walks the chain from the image input to the output, a phase per part of the network,
     * then finds the configuration whose plan it fits.
     */
    private Imported run(OnnxProto.Model model, Integer givenResolution)
            throws OnnxFormatException {
        checkOneOutput();
        indexNodes();
        ImageInput input = imageInput(givenResolution);
        Conv stem = stem(input.stemInput());
        List<Block> blocks = new ArrayList<>();
        Conv last = blocks(stem.output(), blocks);
        At features = features(pool(last.output(), input.resolution()), last.outChannels(),
                input.info());
        Logits logits = classifier(features, last.outChannels());
        int tailRank = tail(logits, input.info());
        checkOutput(g.outputs().get(0), logits.classifier().out(), tailRank == 4);
        checkAllUsed();
        return configure(model, input, stem, blocks, last, logits.classifier());
    }

    /** The image input: its value info, layout and size, and the tensor the stem takes. */
    private record ImageInput(ValueInfo info, boolean nhwc, int resolution, String stemInput) {}

    /** A tensor on the chain and its rank, where the walk has got to. */
    private record At(String tensor, int rank) {}

    /** The classifier, and its logits: their tensor and rank ([N, K, 1, 1] or [N, K]). */
    private record Logits(Classifier classifier, String tensor, int rank) {}

    /**
     * Refuses a graph of other than one output: we return one tensor, and which of several
     * would be the logits is for the user to say. It was refused as "the graph has 1 inputs
     * and 2 outputs", not naming them.
     */
    private void checkOneOutput() throws OnnxFormatException {
        List<ValueInfo> outputs = g.outputs();
        String expected = "expected one output, the logits (or their Softmax)";
        if (outputs.isEmpty()) {
            throw notMobileNet("the graph has no outputs; " + expected);
        }
        if (outputs.size() > 1) {
            List<String> names = new ArrayList<>();
            for (ValueInfo v : outputs) {
                names.add("'" + v.name() + "'");
            }
            throw notMobileNet("the graph has " + outputs.size() + " outputs, " + listed(names)
                    + "; " + expected + ", the one tensor the network gives: keep only that one"
                    + " among the graph's outputs (nodes that then reach no output are ignored)");
        }
    }

    /** Names listed up to {@link #LISTED}, then how many more. */
    private static String listed(List<String> names) {
        if (names.size() <= LISTED) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, LISTED)) + " and " + (names.size() - LISTED)
                + " more";
    }

    /**
     * Reads the initializers and the Constants the output needs and indexes the consumers of
     * each node the output needs (the others are {@link #ignored}), refusing an operator we do
     * not support among those, and of any node no outputs, an attribute given twice and a name
     * given twice.
     */
    private void indexNodes() throws OnnxFormatException {
        for (Tensor t : g.initializers()) {
            // ONNX Runtime 1.22 takes the last of two; the ONNX checker refuses them
            if (constants.put(t.name(), t) != null) {
                throw new OnnxFormatException("two initializers are named '" + t.name() + "'");
            }
        }
        Map<String, Node> producers = producers();
        String output = g.outputs().get(0).name();
        if (!producers.containsKey(output)) {
            throw notMobileNet("no node outputs the graph output '" + output + "'"
                    + (constants.containsKey(output) ? ", an initializer" : "")
                    + "; expected the logits the classifier gives");
        }
        findLive(producers, output);
        for (Node n : g.nodes()) {
            if (!live.contains(n)) {
                if (!isStandardConstant(n)) {
                    ignored.add(n); // a value nothing reads computes nothing: not worth a warning
                }
                continue;
            }
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
                throw new OnnxFormatException("unsupported operator " + n.domain() + "."
                        + n.opType() + " (" + n.describe()
                        + "): only the default ONNX domain is supported");
            }
            if (!SUPPORTED_OPS.contains(n.opType())) {
                throw new OnnxFormatException("unsupported operator " + n.opType() + " ("
                        + n.describe() + "): MobileNetV2 import supports "
                        + String.join(", ", SUPPORTED_OPS));
            }
            if (n.opType().equals("Constant")) {
                // its name is its own: producers() refused it elsewhere
                constants.put(n.outputs().get(0), constantValue(n));
                continue;
            }
            for (String in : n.inputs()) {
                if (!in.isEmpty()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>(2)).add(n);
                }
            }
        }
    }

    /**
     * The node making each tensor, refusing of any node, the output needs it or not, no outputs,
     * an attribute given twice and a tensor named twice: by two nodes, or by a node and an
     * initializer or the graph input. A dead node of a live tensor's name would make it
     * ambiguous which node the chain reads.
     */
    private Map<String, Node> producers() throws OnnxFormatException {
        Set<String> graphInputs = new HashSet<>();
        for (ValueInfo v : g.inputs()) {
            graphInputs.add(v.name());
        }
        Map<String, Node> producers = new HashMap<>();
        for (Node n : g.nodes()) {
            if (n.outputs().isEmpty()) {
                throw new OnnxFormatException(n.describe() + " has no outputs");
            }
            Set<String> attributeNames = new HashSet<>();
            for (Attribute a : n.attributes()) {
                // the first was read; ONNX Runtime refuses the node
                if (!attributeNames.add(a.name())) {
                    throw new OnnxFormatException(n.describe() + " has attribute '" + a.name()
                            + "' twice");
                }
            }
            for (String out : n.outputs()) {
                if (out.isEmpty()) {
                    continue; // an optional output left out
                }
                String expected = "; expected each tensor named once";
                if (constants.containsKey(out)) {
                    throw new OnnxFormatException(n.describe() + " outputs '" + out
                            + "', which an initializer already holds" + expected);
                }
                if (graphInputs.contains(out)) {
                    throw new OnnxFormatException(n.describe() + " outputs '" + out
                            + "', the name of a graph input" + expected);
                }
                Node other = producers.putIfAbsent(out, n);
                if (other != null) {
                    throw new OnnxFormatException(other.describe() + " and " + n.describe()
                            + " both output '" + out + "'" + expected);
                }
            }
        }
        return producers;
    }

    /**
     * Finds the {@link #live} nodes, those {@code output} depends on: its producer, and theirs
     * of each input, over {@code producers}. The others cannot change the logits.
     */
    private void findLive(Map<String, Node> producers, String output) {
        Deque<String> todo = new ArrayDeque<>();
        todo.push(output);
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String tensor = todo.pop();
            Node p = producers.get(tensor);
            if (seen.add(tensor) && p != null && live.add(p)) {
                for (String in : p.inputs()) {
                    if (!in.isEmpty()) {
                        todo.push(in);
                    }
                }
            }
        }
    }

    /** Whether {@code n} is the standard operator Constant. */
    private static boolean isStandardConstant(Node n) {
        return n.opType().equals("Constant")
                && (n.domain().isEmpty() || n.domain().equals("ai.onnx"));
    }

    /**
     * The warning naming the {@link #ignored} nodes, or null when there are none: they could
     * hold anything (an operator we do not know, a debug tap), so not silently.
     */
    private String ignoredWarning() {
        if (ignored.isEmpty()) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (Node n : ignored) {
            names.add(n.describe());
        }
        return "ignored " + ignored.size() + (ignored.size() == 1 ? " node whose outputs reach"
                : " nodes whose outputs reach") + " no graph output: " + listed(names);
    }

    /**
     * The image: the one graph input that is not an initializer, NCHW or NHWC then a Transpose
     * to NCHW, and its size.
     */
    private ImageInput imageInput(Integer givenResolution) throws OnnxFormatException {
        List<ValueInfo> inputs = new ArrayList<>();
        for (ValueInfo v : g.inputs()) {
            if (!constants.containsKey(v.name())) {
                inputs.add(v);
            }
        }
        if (inputs.size() != 1) {
            List<String> names = new ArrayList<>();
            for (ValueInfo v : inputs) {
                names.add("'" + v.name() + "'");
            }
            throw notMobileNet("the graph has " + (inputs.isEmpty() ? "no inputs"
                    : inputs.size() + " inputs, " + listed(names) + ",") + " that are not"
                    + " initializers; expected one, the image " + NCHW_FORM + " or "
                    + NHWC_FORM);
        }
        ValueInfo input = inputs.get(0);
        String cur = follow(input.name());
        checkNhwcFeedsOnlyItsTranspose(input, cur);
        // tf2onnx keeps a Keras model's NHWC input and transposes it for the stem
        Node transpose = soleConsumerOrNull(cur);
        boolean nhwc = transpose != null && transpose.opType().equals("Transpose");
        if (nhwc) {
            checkInputTranspose(transpose, input, cur);
        }
        int resolution = resolution(input, givenResolution, nhwc);
        if (nhwc) {
            use(transpose);
            cur = follow(transpose.outputs().get(0));
        }
        checkImageFeedsOnlyTheStem(input, cur, nhwc ? transpose : null);
        return new ImageInput(input, nhwc, resolution, cur);
    }

    /**
     * Refuses an image (the input, or the NCHW tensor {@code in} its {@code transpose} makes of
     * it) that feeds the stem and other nodes too: it was refused as "'input' feeds 2 nodes;
     * expected only the stem convolution", without naming the others or the form expected.
     */
    private void checkImageFeedsOnlyTheStem(ValueInfo input, String in, Node transpose)
            throws OnnxFormatException {
        List<Node> next = consumersOf(in);
        List<Node> stems = next.stream().filter(n -> Set.of("Conv", "Pad").contains(n.opType())
                && n.input(0).equals(in)).toList();
        if (next.size() < 2 || stems.size() != 1) {
            return; // no stem, or several: the stem's own check says so
        }
        List<String> others = new ArrayList<>();
        for (Node n : next) {
            if (n != stems.get(0)) {
                others.add(n.describe());
            }
        }
        String image = transpose == null ? "the input '" + input.name() + "'"
                : "the input '" + input.name() + "', transposed by " + transpose.describe() + ",";
        throw notMobileNet(image + " feeds the stem (" + stems.get(0).describe() + ") and "
                + String.join(", ", others) + " too; expected the image, "
                + (transpose == null ? NCHW_FORM : NHWC_FORM) + ", to feed only the stem"
                + " convolution" + (stems.get(0).opType().equals("Pad")
                        ? " (through the Pad before it)" : ""));
    }

    /**
     * Refuses an input (its tensor {@code in}) that feeds a Transpose to NCHW, so an NHWC one,
     * and other nodes, no convolution among them: it was refused as an NCHW input of the
     * wrong shape, or as feeding several nodes where only the stem was expected.
     */
    private void checkNhwcFeedsOnlyItsTranspose(ValueInfo input, String in)
            throws OnnxFormatException {
        List<Node> next = consumersOf(in);
        if (next.size() < 2 || next.stream().anyMatch(n -> Set.of("Conv", "Pad")
                .contains(n.opType()))) {
            return;
        }
        for (Node t : next) {
            if (t.opType().equals("Transpose")
                    && Arrays.equals(ints(t, "perm", null), NHWC_TO_NCHW)) {
                List<String> others = new ArrayList<>();
                for (Node n : next) {
                    if (n != t) {
                        others.add(n.describe());
                    }
                }
                throw notMobileNet("the input '" + input.name() + "' feeds " + t.describe()
                        + " and " + String.join(", ", others) + "; expected an NHWC input to"
                        + " feed only its Transpose (perm " + Arrays.toString(NHWC_TO_NCHW)
                        + ") into the stem convolution");
            }
        }
    }

    /** The stem: a 3x3 convolution of the RGB image, then ReLU6. */
    private Conv stem(String in) throws OnnxFormatException {
        Conv stem = conv(in, soleConsumer(in, "the stem convolution"), "the stem convolution");
        expectConv(stem, 3, false, Activation.RELU6, "the stem convolution");
        // The input's channels where its shape does not give them (no shape, or a channel
        // dim not fixed): ONNX Runtime runs such an input with as many as the stem takes.
        long stemChannels = stem.weight().dims()[1];
        if (stemChannels != 3) {
            throw notMobileNet("the stem convolution (" + stem.node().describe() + ") takes "
                    + stemChannels + " input channels (weights " + stem.weight().describe()
                    + "); expected 3, an RGB image");
        }
        return stem;
    }

    /**
     * The inverted residual blocks from {@code in}, added to {@code blocks}, up to the last 1x1
     * convolution, which it returns: a 1x1 convolution that no depthwise one follows.
     */
    private Conv blocks(String in, List<Block> blocks) throws OnnxFormatException {
        String cur = in;
        while (true) {
            if (blocks.size() > 64) {
                throw notMobileNet("more than 64 inverted residual blocks");
            }
            String blockIn = cur;
            Node main = null;
            Node add = null;
            for (Node n : consumersOf(blockIn)) {
                if (n.opType().equals("Add") && add == null) {
                    add = n;
                } else if (main == null) {
                    main = n;
                } else {
                    throw notMobileNet("'" + blockIn + "' feeds " + main.describe() + " and "
                            + n.describe() + "; expected a single chain");
                }
            }
            String role = "block " + (blocks.size() + 1);
            if (main == null || !(main.opType().equals("Conv") || main.opType().equals("Pad"))) {
                throw notMobileNet("expected a bottleneck block or the last 1x1 convolution after '"
                        + blockIn + "', found " + (main == null ? "nothing" : main.describe()));
            }
            Conv first = conv(blockIn, main, role);
            if (first.kernel() == 1 && !feedsDepthwise(first)) {
                if (add != null) {
                    throw notMobileNet(add.describe() + " adds '" + blockIn
                            + "', which starts no bottleneck block");
                }
                expectConv(first, 1, false, Activation.RELU6, "the last 1x1 convolution");
                return first;
            }
            Block block = block(blockIn, first, add, role);
            blocks.add(block);
            cur = block.output();
        }
    }

    /** Whether the 1x1 convolution {@code c} feeds a depthwise one: it expands a block. */
    private boolean feedsDepthwise(Conv c) throws OnnxFormatException {
        Node next = soleConsumerOrNull(c.output());
        // a Pad before the depthwise convolution (Keras's ZeroPadding2D) is folded
        Node nextConv = next != null && next.opType().equals("Pad")
                ? soleConsumerOrNull(next.outputs().get(0)) : next;
        return nextConv != null && nextConv.opType().equals("Conv")
                && intAttr(nextConv, "group", 1) > 1;
    }

    /**
     * The block {@code role} on {@code blockIn} from its first convolution {@code first}: the
     * expansion (if any), the depthwise and projection convolutions, and the residual
     * {@code add} (if any) of its input and the projection.
     */
    private Block block(String blockIn, Conv first, Node add, String role)
            throws OnnxFormatException {
        Conv expand = null;
        Conv dw;
        if (first.kernel() == 1) {
            expectConv(first, 1, false, Activation.RELU6, "the expansion of " + role);
            expand = first;
            dw = conv(first.output(), soleConsumerOrNull(first.output()),
                    "the depthwise convolution of " + role);
        } else {
            dw = first;
        }
        expectConv(dw, 3, true, Activation.RELU6, "the depthwise convolution of " + role);
        Conv project = conv(dw.output(), soleConsumer(dw.output(), "the projection of " + role),
                "the projection of " + role);
        expectConv(project, 1, false, Activation.LINEAR, "the projection of " + role);
        String out = project.output();
        if (add != null) {
            Node a = soleConsumer(out, "the residual Add of " + role);
            if (a != add) {
                throw notMobileNet("'" + blockIn + "' is added by " + add.describe()
                        + ", but the projection of " + role + " feeds " + a.describe());
            }
            if (a.inputs().size() != 2 || !Set.copyOf(a.inputs()).equals(Set.of(out, blockIn))) {
                throw notMobileNet(a.describe() + " should add the input of " + role
                        + " and its projection");
            }
            use(a);
            out = follow(a.outputs().get(0));
        }
        return new Block(expand, dw, project, add, out);
    }

    /**
     * The global average pool of the last convolution's map {@code in} (GlobalAveragePool,
     * ReduceMean over height and width, or AveragePool over the whole map): its output and rank.
     */
    private At pool(String in, int resolution) throws OnnxFormatException {
        Node pool = soleConsumer(in, "the global average pool");
        int rank;
        if (pool.opType().equals("GlobalAveragePool")) {
            rank = 4;
        } else if (pool.opType().equals("ReduceMean")) {
            long[] axes = axes(pool);
            if (!heightAndWidth(axes)) {
                throw notMobileNet(pool.describe() + " averages over axes " + Arrays.toString(axes)
                        + "; expected height and width [2, 3]");
            }
            rank = intAttr(pool, "keepdims", 1) != 0 ? 4 : 2;
        } else if (pool.opType().equals("AveragePool")) {
            checkWholeMapAveragePool(pool, resolution);
            rank = 4;
        } else if (pool.opType().equals("Pad")) {
            throw notMobileNet(pool.describe() + " pads '" + in + "' before the global average"
                    + " pool; " + PAD_FOLDED + "the global average pool (GlobalAveragePool,"
                    + " ReduceMean or AveragePool over the whole map) after '" + in + "'");
        } else {
            throw notMobileNet("expected the global average pool (GlobalAveragePool, ReduceMean"
                    + " or AveragePool over the whole map) after '" + in + "', found "
                    + pool.describe());
        }
        use(pool);
        return new At(follow(pool.outputs().get(0)), rank);
    }

    /**
     * The pooled features up to the classifier: Flatten, Reshape or Squeeze of the pooled map
     * to [N, C] rows of {@code features}, or none (the map, for a Conv classifier).
     */
    private At features(At pooled, int features, ValueInfo input) throws OnnxFormatException {
        String cur = pooled.tensor();
        int rank = pooled.rank();
        while (true) {
            Node fc = soleConsumer(cur, "the classifier");
            String op = fc.opType();
            if (op.equals("Flatten")) {
                // a negative axis counts from the end, as ONNX Runtime reads it: of the pooled
                // [N, C, 1, 1] map -3 is 1, of [N, C] (ReduceMean without keepdims) -1 is
                long axis = intAttr(fc, "axis", 1);
                if (axis != 1 && axis != 1 - rank) {
                    throw notMobileNet(fc.describe() + " flattens from axis " + axis
                            + "; expected 1 (or " + (1 - rank) + "), a row per image");
                }
            } else if (op.equals("Reshape")) {
                checkFeatureReshape(fc, rank, features, input);
            } else if (op.equals("Squeeze")) {
                checkFeatureSqueeze(fc, rank, features, input);
            } else {
                return new At(cur, rank);
            }
            use(fc);
            rank = 2;
            cur = follow(fc.outputs().get(0));
        }
    }

    /** Checks a Reshape of the pooled features, of {@code rank}, gives a row per image. */
    private void checkFeatureReshape(Node fc, int rank, int features, ValueInfo input)
            throws OnnxFormatException {
        // The classifier (Gemm) takes [N, C], a row of features per image, so the
        // shape is resolved as ONNX Runtime resolves it for the input's batch (a batch
        // not fixed as the one image we run at a time). Of a fixed batch of 2+, [1, C]
        // is one image's row, which ONNX Runtime fails at every run, where we would
        // read it image by image.
        long[] shape = reshapeShape(fc);
        Long batch = fixedBatch(input);
        long rows = batch == null ? 1 : batch;
        long[] pooled = rank == 4 ? new long[] {rows, features, 1, 1}
                : new long[] {rows, features};
        long[] made = reshaped(pooled, shape);
        if (!Arrays.equals(made, new long[] {rows, features})) {
            if (rows == 1) {
                throw notMobileNet(fc.describe() + " reshapes the pooled features to "
                        + Arrays.toString(shape) + "; expected [1, " + features
                        + "] or [1, -1]");
            }
            throw notMobileNet(fc.describe() + " reshapes the pooled features to "
                    + Arrays.toString(shape) + ", but the input '" + input.name()
                    + "' has a fixed batch of " + rows + ": "
                    + notOneRowEach(made, rows, features)
                    + ", and ONNX Runtime fails that graph; expected "
                    + rowsOfBatch(rows, features));
        }
    }

    /** Checks a Squeeze of the pooled features, of {@code rank}, leaves [N, C]. */
    private void checkFeatureSqueeze(Node fc, int rank, int features, ValueInfo input)
            throws OnnxFormatException {
        long[] axes = axesOf(fc, 13);
        if (axes == null) {
            // No axes squeezes every axis of size 1. A fixed batch of 1 goes too: [C],
            // which ONNX's Gemm (A of shape [M, K]) refuses, as does ONNX Runtime.
            // A batch of 2+ leaves [N, C], whose rows are our per-image logits, so a
            // symbolic batch is taken from opset 13, where ONNX Runtime reads a [C]
            // of a batch of 1 as one row; at 11 and 12 it refuses the graph at load.
            // C, the last convolution's channels, is 1280 or more once checked
            // against the plan.
            Long batch = fixedBatch(input);
            if (rank == 4 && opset < 13 && batch == null) {
                throw notMobileNet(fc.describe() + " has no axes, so it squeezes every"
                        + " axis of size 1, which at opset " + opset + " needs every"
                        + " size known, but the batch of the input '" + input.name()
                        + "' is symbolic (" + describeBatch(input)
                        + "): ONNX Runtime refuses that graph; expected attribute axes"
                        + " [2, 3]");
            }
            if (rank == 4 && Long.valueOf(1).equals(batch)) {
                throw notMobileNet(fc.describe() + " has no axes, so it squeezes every"
                        + " axis of size 1 of the pooled [1, " + features + ", 1, 1]"
                        + " map, the fixed batch of 1 too, to [" + features + "], and"
                        + " the classifier (Gemm) takes [N, " + features + "]; expected"
                        + " axes [2, 3]");
            }
            axes = new long[] {2, 3};
        }
        if (rank != 4 || !heightAndWidth(axes)) {
            throw notMobileNet(fc.describe() + " squeezes axes " + Arrays.toString(axes)
                    + "; expected [2, 3] of the pooled [N, C, 1, 1] map");
        }
    }

    /**
     * The classifier on the pooled {@code features}: Gemm or MatMul (then an Add of the bias,
     * or none) on the [N, C] rows, or a 1x1 Conv on the [N, C, 1, 1] pooled map, which gives
     * the logits as [N, K, 1, 1] for the tail to flatten, or as the output.
     */
    private Logits classifier(At features, int count) throws OnnxFormatException {
        String cur = features.tensor();
        int rank = features.rank();
        Node fc = soleConsumer(cur, "the classifier");
        Classifier classifier;
        int tailRank;
        switch (fc.opType()) {
            case "Gemm":
            case "MatMul":
                if (rank != 2) {
                    throw notMobileNet(fc.describe() + " gets the 4-D pooled map; expected"
                            + " Flatten or Reshape to [N, " + count + "] first");
                }
                if (fc.opType().equals("Gemm")) {
                    classifier = gemm(cur, fc);
                    use(fc);
                    cur = follow(fc.outputs().get(0));
                } else {
                    classifier = matMul(cur, fc, count);
                    use(fc);
                    cur = follow(fc.outputs().get(0));
                    Node add = soleConsumerOrNull(cur);
                    if (add != null && add.opType().equals("Add")) {
                        classifier = withBiasAdd(classifier, cur, add);
                        use(add);
                        cur = follow(add.outputs().get(0));
                    }
                }
                tailRank = 2;
                break;
            case "Conv":
                if (rank != 4) {
                    throw notMobileNet(fc.describe() + " convolves the pooled features as [N, "
                            + count + "]; expected a 1x1 Conv on the pooled [N, " + count
                            + ", 1, 1] map (ReduceMean with keepdims = 1), without Flatten,"
                            + " Reshape or Squeeze before it");
                }
                Conv conv = conv(cur, fc, "the classifier");
                classifier = convClassifier(conv);
                cur = conv.output();
                tailRank = 4;
                break;
            case "Pad":
                throw notMobileNet(fc.describe() + " pads '" + cur + "' before the classifier; "
                        + PAD_FOLDED + "the classifier (Gemm, MatMul or 1x1 Conv) after '" + cur
                        + "'");
            default:
                throw notMobileNet("expected the classifier (Gemm, MatMul or 1x1 Conv) after '"
                        + cur + "', found " + fc.describe());
        }
        return new Logits(classifier, cur, tailRank);
    }

    /**
     * Walks the tail from the logits to the graph output, only reshaping and softmax, as our
     * network stops at the logits; gives the rank of the logits at the output.
     */
    private int tail(Logits logits, ValueInfo input) throws OnnxFormatException {
        // The classes must stay the last axis, of [N, classes], [N, 1, classes] or [classes],
        // and a Softmax must normalise them: any Reshape and a Softmax of axis 1 were taken,
        // so [classes, 1] then Softmax (all ones) read as the logits. A Conv classifier's
        // [N, classes, 1, 1] is flattened first (Flatten, Reshape or Squeeze of [2, 3], or of
        // every axis of size 1 at a fixed batch), maybe after a Softmax of axis 1, or is the
        // output.
        String outputName = g.outputs().get(0).name();
        Node fc = logits.classifier().node();
        String cur = logits.tensor();
        int tailRank = logits.rank();
        Node softmax = null;
        int classes = logits.classifier().out();
        while (!cur.equals(outputName) || !consumersOf(cur).isEmpty()) {
            Node next = soleConsumer(cur, "the graph output");
            String shape = logitsShape(tailRank, classes);
            if (tailRank == 4 && !Set.of("Flatten", "Reshape", "Squeeze", "Softmax")
                    .contains(next.opType())) {
                throw notMobileNet("after the classifier " + fc.describe() + " expected its "
                        + shape + " logits flattened to [N, " + classes + "] (Flatten, Reshape or"
                        + " Squeeze of axes [2, 3]) or as the output, found " + next.describe());
            }
            switch (next.opType()) {
                case "Squeeze":
                    tailRank = squeezedLogits(next, tailRank, classes, input);
                    break;
                case "Softmax":
                    if (softmax != null) {
                        throw notMobileNet(next.describe() + " follows " + softmax.describe()
                                + "; expected at most one Softmax after the classifier");
                    }
                    softmax = next;
                    checkSoftmax(next, tailRank, classes);
                    break;
                case "Flatten":
                    tailRank = flattenedLogits(next, tailRank, classes);
                    break;
                case "Reshape":
                    tailRank = reshapedLogits(next, tailRank, classes, input);
                    break;
                default:
                    throw notMobileNet("after the classifier expected only Softmax, Flatten or"
                            + " Reshape up to " + "the output, found " + next.describe());
            }
            use(next);
            cur = follow(next.outputs().get(0));
        }
        return tailRank;
    }

    /** The logits of {@code rank} as the messages write them. */
    private static String logitsShape(int rank, int classes) {
        return rank == 4 ? "[N, " + classes + ", 1, 1]" : rank == 3 ? "[N, 1, " + classes + "]"
                : rank == 2 ? "[N, " + classes + "]" : "[" + classes + "]";
    }

    /** The rank of the logits, of {@code rank}, after {@code squeeze}. */
    private int squeezedLogits(Node squeeze, int rank, int classes, ValueInfo input)
            throws OnnxFormatException {
        if (rank != 4) {
            throw notMobileNet("after the classifier expected only Softmax, Flatten"
                    + " or Reshape up to the output, found " + squeeze.describe());
        }
        long[] axes = axesOf(squeeze, 13);
        if (axes == null) {
            // every axis of size 1: ONNX Runtime squeezes the batch too when it
            // is 1, so the logits' shape follows the batch
            return squeezedRank(squeeze, input, fixedBatch(input), classes);
        }
        if (!heightAndWidth(axes)) {
            throw notMobileNet(squeeze.describe() + " squeezes axes "
                    + Arrays.toString(axes) + " of the classifier's "
                    + logitsShape(rank, classes) + " logits; expected axes [2, 3]");
        }
        return 2;
    }

    /** Checks {@code softmax} normalises the classes of the logits, of {@code rank}. */
    private void checkSoftmax(Node softmax, int rank, int classes) throws OnnxFormatException {
        String shape = logitsShape(rank, classes);
        long axis = intAttr(softmax, "axis", opset >= 13 ? -1 : 1);
        if (rank == 4) {
            // of [N, K, 1, 1] axis 1 normalises the K classes of each image: from
            // opset 13 alone, before it with the 1x1 after them flattened in
            if (axis != 1 && axis != -3) {
                throw notMobileNet(softmax.describe() + " normalises axis " + axis
                        + " of " + shape + "; expected the classes (axis 1 or -3)"
                        + ", or the Softmax after flattening the logits");
            }
            return;
        }
        if (rank == 3 && opset < 13) {
            // before opset 13 a Softmax takes [N, 1, K] from axis 1 as [N, 1 * K]: each
            // image's classes, as ONNX Runtime runs it (its default axis, 1, was refused)
            if (axis != 1 && axis != 2 && axis != -1 && axis != -2) {
                throw notMobileNet(softmax.describe() + " normalises axis " + axis + " of "
                        + shape + "; expected the classes (axis 1, 2, -2 or -1, which before"
                        + " opset 13 each take the classes of each image)");
            }
            return;
        }
        if (axis != -1 && axis != rank - 1) {
            throw notMobileNet(softmax.describe() + " normalises axis " + axis + " of "
                    + shape + "; expected the classes (axis " + (rank - 1)
                    + " or -1)");
        }
    }

    /** The rank of the logits, of {@code rank}, after {@code flatten}: 2, the classes last. */
    private static int flattenedLogits(Node flatten, int rank, int classes)
            throws OnnxFormatException {
        long axis = intAttr(flatten, "axis", 1);
        // of [N, C] axis 1 (or -1) keeps it; of [C] axis 0 (or -1) gives [1, C];
        // of [N, C, 1, 1] only axis 1 (-3) gives [N, C]; of [N, 1, C] axis 1 or 2 does
        boolean keeps = rank == 4 ? axis == 1 || axis == -3
                : rank == 3 ? axis == 1 || axis == 2 || axis == -1 || axis == -2
                : axis == -1 || axis == rank - 1;
        if (!keeps) {
            throw notMobileNet(flatten.describe() + " flattens " + logitsShape(rank, classes)
                    + " from axis " + axis + "; expected axis " + (rank == 4 ? "1 (-3), which"
                    : rank == 3 ? "1 or 2 (-2 or -1), which"
                    : (rank - 1) + " or -1, which") + " keep the classes last");
        }
        return 2;
    }

    /**
     * The rank of the logits, of {@code rank}, after {@code reshape}: a row of the classes for
     * each image, [N, classes] or [N, 1, classes], or one image's [classes].
     */
    private int reshapedLogits(Node reshape, int rank, int classes, ValueInfo input)
            throws OnnxFormatException {
        // Resolved as ONNX Runtime does for the input's batch: a row of the
        // classes for each image, or one image's [classes].
        String shape = logitsShape(rank, classes);
        Long batch = fixedBatch(input);
        long rows = batch == null ? 1 : batch;
        long[] to = reshapeShape(reshape);
        long[] logits = rank == 4 ? new long[] {rows, classes, 1, 1}
                : rank == 3 ? new long[] {rows, 1, classes}
                : rank == 2 ? new long[] {rows, classes} : new long[] {classes};
        long[] made = reshaped(logits, to);
        // [N, 1, classes] holds the rows in the order [N, classes] does (ONNX Runtime runs it)
        if (!Arrays.equals(made, new long[] {rows, classes})
                && !Arrays.equals(made, new long[] {rows, 1, classes})
                && !(rows == 1 && Arrays.equals(made, new long[] {classes}))) {
            if (rows == 1) {
                throw notMobileNet(reshape.describe() + " reshapes the logits " + shape
                        + " to " + Arrays.toString(to) + "; expected [1, " + classes
                        + "], [1, -1], [" + classes + "] or [-1], which keep the"
                        + " classes last");
            }
            // [1, -1] or [-1] ONNX Runtime runs, but as one row of every image's
            // logits, which a Softmax would normalise together
            throw notMobileNet(reshape.describe() + " reshapes the logits " + shape
                    + " to " + Arrays.toString(to) + ", but the input '"
                    + input.name() + "' has a fixed batch of " + rows + ": "
                    + notOneRowEach(made, rows, classes)
                    + (made == null ? ", and ONNX Runtime fails that graph" : "")
                    + "; expected " + rowsOfBatch(rows, classes) + ", which keep"
                    + " the classes last");
        }
        return to.length;
    }

    /**
     * Refuses a node the output needs that the walk did not reach: every such node but a
     * Constant is on the chain.
     */
    private void checkAllUsed() throws OnnxFormatException {
        for (Node n : g.nodes()) {
            if (!n.opType().equals("Constant") && !used.containsKey(n) && live.contains(n)) {
                throw notMobileNet(n.describe()
                        + " is not part of the MobileNetV2 chain from input to output");
            }
        }
    }

    /**
     * The configuration whose plan the graph's layers fit, with the weights: the width
     * multiplier is the first that fits of the published ones, then those the stem and the
     * last block imply.
     */
    private Imported configure(OnnxProto.Model model, ImageInput input, Conv stem,
                               List<Block> blocks, Conv last, Classifier classifier)
            throws OnnxFormatException {
        int resolution = input.resolution();
        List<Double> alphas = new ArrayList<>();
        for (double a : PUBLISHED_ALPHAS) {
            alphas.add(a);
        }
        alphas.add(stem.outChannels() / (double) Architecture.STEM_CHANNELS);
        if (!blocks.isEmpty()) {
            alphas.add(blocks.get(blocks.size() - 1).project().outChannels() / (double)
                    Architecture.BOTTLENECKS.get(Architecture.BOTTLENECKS.size() - 1).c());
        }
        String firstMismatch = null;
        boolean firstMismatchStemFits = false;
        for (double alpha : alphas) {
            ModelConfig probe;
            try {
                probe = new ModelConfig(alpha, resolution, classifier.out(), Padding.SYMMETRIC);
            } catch (IllegalArgumentException e) {
                // The published alphas come first and are valid, so after a mismatch this is
                // an implied alpha out of range (a stem of over 128 channels): the mismatch
                // says what is wrong, where "alpha = 5.0 is not allowed" replaced it.
                if (firstMismatch != null) {
                    continue;
                }
                throw notMobileNet(e.getMessage(), e);
            }
            // Output sizes are the same under both conventions,
            // so the probe's shapes hold for either.
            ExecutionPlan plan = ExecutionPlan.build(probe);
            String mismatch = compare(plan, stem, blocks, last, classifier);
            if (mismatch == null) {
                Padding padding = padding(plan, stem, blocks, last);
                ModelConfig config = new ModelConfig(alpha, resolution, classifier.out(), padding);
                Weights w = loadWeights(config, stem, blocks, last, classifier);
                String summary = config + ", " + g.nodes().size() + " ONNX nodes"
                        + (ignored.isEmpty() ? "" : " (" + ignored.size() + " ignored: no graph"
                        + " output needs them)") + ", opset " + opset
                        + (model.producerName().isEmpty() ? "" : ", from " + model.producerName()
                        + (model.producerVersion().isEmpty() ? "" : " " + model.producerVersion()))
                        + ", weights " + OnnxProto.typeName(stem.weight().dataType());
                return new Imported(config, w, input.info().name(), input.nhwc(),
                        g.outputs().get(0).name(), summary, warning());
            }
            boolean stemFits = plan.layers().get(0).outChannels() == stem.outChannels();
            if (firstMismatch == null || (stemFits && !firstMismatchStemFits)) {
                firstMismatch = mismatch + " (for alpha " + alpha + ")";
                firstMismatchStemFits = stemFits;
            }
        }
        throw notMobileNet(firstMismatch);
    }

    /** The opset warning and the ignored nodes', or null when there are none. */
    private String warning() {
        String a = opsetWarning(opset);
        String b = ignoredWarning();
        return a == null ? b : b == null ? a : a + "; " + b;
    }

    /**
     * The warning for a default-domain opset newer than {@link #MAX_OPSET}, or null: such a
     * model is read, as a later opset mostly keeps an operator's meaning, but not silently.
     */
    static String opsetWarning(long opset) {
        if (opset <= MAX_OPSET) {
            return null;
        }
        return "the model imports opset " + opset + " of the default ONNX domain, newer than "
                + MAX_OPSET + ", the newest this importer knows: its operators were read with"
                + " their opset " + MAX_OPSET + " meaning";
    }

    // ---- input and output -----------------------------------------------------------------------

    /**
     * The input's height and width: the size the model fixes, or {@code given} where it fixes
     * none. A dim is fixed when it is a dim_value of 0 or more; a dim_param, an unnamed dim or
     * a negative dim_value is a size ONNX Runtime learns only when run, and an input without a
     * shape it runs at any size (its channels are then the stem's, checked there). Such a
     * size is refused without {@code given}, and a fixed one that differs from it with it.
     * {@code nhwc}: the input is {@code [N, H, W, C]}, transposed to NCHW for the stem.
     */
    private static int resolution(ValueInfo input, Integer given, boolean nhwc)
            throws OnnxFormatException {
        String form = nhwc ? NHWC_FORM : NCHW_FORM;
        int cAxis = nhwc ? 3 : 1, hAxis = nhwc ? 1 : 2, wAxis = nhwc ? 2 : 3;
        if (input.elemType() != OnnxProto.FLOAT) {
            throw new OnnxFormatException("the input '" + input.name() + "' is "
                    + OnnxProto.typeName(input.elemType()) + "; expected float32");
        }
        List<Object> d = input.dims();
        if (d == null) {
            if (given == null) {
                throw notMobileNet("the input '" + input.name() + "' has no shape, so its"
                        + " size is not fixed in the model; expected " + form + ", or "
                        + HOW_TO_GIVE_RESOLUTION);
            }
            return given;
        }
        // Any batch: the network runs image by image (a fixed batch of 8 was refused as not
        // [N, 3, size, size]). A negative one is unknown, as ONNX Runtime reads it.
        if (d.size() == 4 && Long.valueOf(0).equals(d.get(0))) {
            throw notMobileNet("the input '" + input.name() + "' has shape " + shape(d)
                    + ", a batch of 0, which holds no image (ONNX Runtime refuses it too);"
                    + " expected " + form + " with N at least 1, symbolic or unknown");
        }
        // Channels not fixed are the stem's, checked there.
        Long h = d.size() == 4 ? fixedSize(d.get(hAxis)) : null;
        Long w = d.size() == 4 ? fixedSize(d.get(wAxis)) : null;
        Long channels = d.size() == 4 ? fixedSize(d.get(cAxis)) : null;
        // [N, H, W, 3] straight into the stem: say how NHWC is taken
        String nhwcHint = !nhwc && d.size() == 4 && Long.valueOf(3).equals(d.get(3))
                ? ", or " + NHWC_FORM : "";
        if (d.size() != 4 || (channels != null && channels != 3)
                || (h != null && w != null && !h.equals(w))) {
            throw notMobileNet("the input '" + input.name() + "' has shape " + shape(d)
                    + "; expected one square RGB image " + form + nhwcHint);
        }
        if (h == null || w == null) {
            String notFixed = h == null && w == null ? "height and width are"
                    : h == null ? "height is" : "width is";
            Long fixed = h != null ? h : w;
            String fixedDim = h != null ? "height" : "width";
            if (fixed != null && (fixed < ModelConfig.MIN_RESOLUTION
                    || fixed > ModelConfig.MAX_RESOLUTION)) {
                // [N, H, W, 3] (NHWC) with H and W symbolic: not its width 3 to give
                throw notMobileNet("the input '" + input.name() + "' has shape " + shape(d)
                        + ": its " + fixedDim + " is fixed at " + fixed + ", outside "
                        + ModelConfig.MIN_RESOLUTION + " to " + ModelConfig.MAX_RESOLUTION
                        + "; expected one square RGB image " + form + nhwcHint);
            }
            if (given == null) {
                throw notMobileNet("the input '" + input.name() + "' has shape " + shape(d)
                        + ": its " + notFixed + " not fixed in the model; "
                        + HOW_TO_GIVE_RESOLUTION);
            }
            if (fixed != null && fixed.longValue() != given) {
                // the other size is not fixed, so a resolution must be given: this one
                throw new OnnxFormatException("the input '" + input.name() + "' has shape "
                        + shape(d) + ": the model fixes its " + fixedDim + " at " + fixed
                        + ", and the resolution given is " + given + "; the resolution given "
                        + WHERE_RESOLUTION_IS_GIVEN + " must be " + fixed
                        + " (height and width are one size)");
            }
            return given;
        }
        long r = h;
        if (r < ModelConfig.MIN_RESOLUTION || r > ModelConfig.MAX_RESOLUTION) {
            throw notMobileNet("the input resolution " + r + " is outside "
                    + ModelConfig.MIN_RESOLUTION + " to " + ModelConfig.MAX_RESOLUTION);
        }
        if (given != null && r != given) {
            throw new OnnxFormatException("the input '" + input.name() + "' has shape "
                    + shape(d) + ": the model fixes its size at " + r + "x" + r + ", and the"
                    + " resolution given is " + given + "; the resolution given "
                    + WHERE_RESOLUTION_IS_GIVEN + " must be " + r + ", or be left out");
        }
        return (int) r;
    }

    /**
     * Checks the Transpose {@code t} that takes the input (its tensor {@code in}): it must make
     * an NHWC image the NCHW one the stem convolution takes, as tf2onnx writes a Keras model.
     */
    private static void checkInputTranspose(Node t, ValueInfo input, String in)
            throws OnnxFormatException {
        if (!t.input(0).equals(in)) {
            throw notMobileNet(t.describe() + " transposes '" + t.input(0) + "', not the input '"
                    + in + "'; expected the input as its input 0");
        }
        long[] perm = ints(t, "perm", null);
        if (perm == null || !Arrays.equals(perm, NHWC_TO_NCHW)) {
            throw notMobileNet(t.describe() + " transposes the input '" + input.name() + "' by "
                    + (perm == null ? "reversing its axes (no perm)"
                    : "perm " + Arrays.toString(perm)) + "; expected perm "
                    + Arrays.toString(NHWC_TO_NCHW) + ", which makes an NHWC image"
                    + " [N, size, size, 3] the NCHW [N, 3, size, size] the stem convolution takes");
        }
    }

    /**
     * A dim's size when it is fixed, or null when it is not: a dim_param, unnamed (neither
     * dim_value nor dim_param) or a negative dim_value, which ONNX Runtime reads as a size it
     * learns only when run.
     */
    private static Long fixedSize(Object dim) {
        return dim instanceof Long l && l >= 0 ? l : null;
    }

    /**
     * {@code dims} as a list, an unnamed dim (neither dim_value nor dim_param, or an empty
     * dim_param) as {@code ?}.
     */
    private static String shape(List<Object> dims) {
        List<String> out = new ArrayList<>(dims.size());
        for (Object dim : dims) {
            out.add(dim == null || "".equals(dim) ? "?" : dim.toString());
        }
        return out.toString();
    }

    /**
     * The input's batch when it is fixed, or null when it is symbolic (a dim_param), unnamed
     * (neither dim_value nor dim_param) or a negative dim_value: ONNX Runtime reads all three
     * as a size it learns only when run. Null too for an input without a shape.
     */
    private static Long fixedBatch(ValueInfo input) {
        return input.dims() == null ? null : fixedSize(input.dims().get(0));
    }

    /** How the input's batch, not fixed, is written: its dim_param or why it is unknown. */
    private static String describeBatch(ValueInfo input) {
        if (input.dims() == null) {
            return "no shape given";
        }
        Object b = input.dims().get(0);
        if (b instanceof Long l) {
            return "dim_value " + l + ", negative, which ONNX Runtime reads as unknown";
        }
        return b == null || ((String) b).isEmpty() ? "unnamed" : (String) b;
    }

    /**
     * Checks the declared output shape, where there is one, against the logits: classes last,
     * or {@code [N, classes, 1, 1]} where {@code map} (a Conv classifier's logits left as its
     * output map, which hold the same values in the same order).
     */
    private static void checkOutput(ValueInfo out, int classes, boolean map)
            throws OnnxFormatException {
        List<Object> d = out.dims();
        if (map && d != null) {
            boolean fits = d.size() == 4;
            for (int i = 1; fits && i < 4; i++) {
                Long size = fixedSize(d.get(i));
                fits = size == null || size == (i == 1 ? classes : 1);
            }
            if (!fits) {
                throw notMobileNet("the output '" + out.name() + "' has shape " + shape(d)
                        + " but the classifier (a 1x1 Conv) gives its " + classes + " classes as"
                        + " [N, " + classes + ", 1, 1]; expected that shape, or the logits"
                        + " flattened to [N, " + classes + "] before the output");
            }
            return;
        }
        if (d == null || d.isEmpty()) {
            return;
        }
        Object lastDim = d.get(d.size() - 1);
        if (lastDim instanceof Long && (Long) lastDim != classes) {
            throw notMobileNet("the output '" + out.name() + "' has shape " + d
                    + " but the classifier has " + classes + " classes");
        }
    }

    // ---- graph walking --------------------------------------------------------------------------

    private List<Node> consumersOf(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    private void use(Node n) throws OnnxFormatException {
        if (used.put(n, Boolean.TRUE) != null) {
            throw notMobileNet(n.describe()
                    + " is reached twice: the graph has a cycle or a shared branch");
        }
    }

    private Node soleConsumerOrNull(String tensor) {
        List<Node> c = consumersOf(tensor);
        return c.size() == 1 ? c.get(0) : null;
    }

    private Node soleConsumer(String tensor, String expected) throws OnnxFormatException {
        List<Node> c = consumersOf(tensor);
        if (c.size() != 1) {
            throw notMobileNet("'" + tensor + "' feeds " + c.size() + " nodes; expected only "
                    + expected);
        }
        return c.get(0);
    }

    /** Skips Identity and inference-mode Dropout. */
    private String follow(String tensor) throws OnnxFormatException {
        while (true) {
            Node n = soleConsumerOrNull(tensor);
            if (n == null || !(n.opType().equals("Identity") || n.opType().equals("Dropout"))) {
                return tensor;
            }
            if (!n.input(0).equals(tensor)) {
                throw notMobileNet(n.describe() + " passes on '" + n.input(0) + "', not '"
                        + tensor + "'; expected the chain's tensor as its input 0");
            }
            if (n.opType().equals("Dropout") && n.outputs().size() > 1
                    && !n.outputs().get(1).isEmpty()
                    && !consumersOf(n.outputs().get(1)).isEmpty()) {
                throw notMobileNet(n.describe()
                        + " has its mask used; expected inference-mode Dropout");
            }
            // from opset 12 an input says whether to drop: true drops activations at random
            if (n.opType().equals("Dropout") && !n.input(2).isEmpty()) {
                for (long v : constant(n.input(2), n, "training_mode").toLongs()) {
                    if (v != 0) {
                        throw notMobileNet(n.describe() + " is in training mode (input"
                                + " training_mode '" + n.input(2) + "' is true); expected"
                                + " inference-mode Dropout");
                    }
                }
            }
            use(n);
            tensor = n.outputs().get(0);
        }
    }

    /**
     * The Conv {@code node} on {@code in}, with the batch norm and clamps that follow it; or,
     * where {@code node} is a zero Pad (as tf2onnx writes Keras's ZeroPadding2D), the Conv
     * after it, the Pad's pads added to its own.
     */
    private Conv conv(String in, Node node, String role) throws OnnxFormatException {
        Node pad = null;
        long[] padded = null;
        if (node.opType().equals("Pad")) {
            pad = node;
            padded = zeroPads(pad, in);
            use(pad);
            in = follow(pad.outputs().get(0));
            List<Node> next = consumersOf(in);
            if (next.size() != 1 || !next.get(0).opType().equals("Conv")) {
                throw notMobileNet(pad.describe() + " pads '" + pad.input(0) + "' for "
                        + (next.isEmpty() ? "no node" : next.size() == 1
                        ? next.get(0).describe() : next.size() + " nodes")
                        + "; expected a Pad to feed only " + role + " (Conv), whose borders it"
                        + " pads");
            }
            node = next.get(0);
        }
        if (!node.opType().equals("Conv")) {
            throw notMobileNet("expected " + role + " (Conv) after '" + in + "', found "
                    + node.describe());
        }
        if (!node.input(0).equals(in) || node.inputs().size() < 2) {
            throw notMobileNet(node.describe() + " should convolve '" + in
                    + "' with constant weights");
        }
        Tensor w = constant(node.input(1), node, "weights");
        Tensor b = node.input(2).isEmpty() ? null : constant(node.input(2), node, "bias");
        long[] d = w.dims();
        if (d.length != 4 || d[2] != d[3] || (d[2] != 1 && d[2] != 3)) {
            throw notMobileNet(role + " (" + node.describe() + ") has weights " + w.describe()
                    + "; expected [out, in, 3, 3] or [out, in, 1, 1]");
        }
        long[] ks = ints(node, "kernel_shape", null);
        if (ks != null && (ks.length != 2 || ks[0] != d[2] || ks[1] != d[3])) {
            throw new OnnxFormatException(node.describe() + " has kernel_shape "
                    + Arrays.toString(ks) + " but weights " + w.describe());
        }
        if (b != null && (b.dims().length != 1 || b.dims()[0] != d[0])) {
            throw new OnnxFormatException(node.describe() + " has bias " + b.describe() + " for "
                    + d[0] + " output channels");
        }
        long[] strides = ints(node, "strides", new long[] {1, 1});
        if (strides.length != 2 || strides[0] != strides[1] || strides[0] < 1 || strides[0] > 2) {
            throw notMobileNet(node.describe() + " has strides " + Arrays.toString(strides)
                    + "; expected 1x1 or 2x2");
        }
        long[] dil = ints(node, "dilations", new long[] {1, 1});
        for (long x : dil) {
            if (x != 1) {
                throw notMobileNet(node.describe() + " is dilated " + Arrays.toString(dil)
                        + "; MobileNetV2 has no dilation");
            }
        }
        long[] pads = ints(node, "pads", new long[] {0, 0, 0, 0});
        if (pads.length != 4) {
            throw new OnnxFormatException(node.describe() + " has pads " + Arrays.toString(pads)
                    + "; expected 4 values for a 2-D convolution");
        }
        Attribute ap = attribute(node, "auto_pad", OnnxProto.ATTR_STRING);
        String autoPad = ap == null ? "NOTSET" : ap.string();
        if (pad != null) {
            // SAME pads the padded map by its size: no fixed sum
            if (autoPad.startsWith("SAME")) {
                throw notMobileNet(node.describe() + " has auto_pad " + autoPad + " after "
                        + pad.describe() + "; expected explicit pads (auto_pad NOTSET) or"
                        + " VALID on a Conv after a Pad");
            }
            // VALID: no pads of its own
            long[] own = autoPad.equals("VALID") ? new long[4] : pads;
            pads = new long[4];
            for (int i = 0; i < 4; i++) {
                pads[i] = own[i] + padded[i];
            }
            autoPad = "NOTSET";
        }
        // kept as a long: cast to int, a group of 2^32 + c was taken for c
        long group = intAttr(node, "group", 1);
        use(node);

        String out = follow(node.outputs().get(0));
        Node bn = soleConsumerOrNull(out);
        if (bn != null && bn.opType().equals("BatchNormalization") && bn.input(0).equals(out)) {
            checkBatchNormInputs(bn);
            if (intAttr(bn, "training_mode", 0) != 0) {
                throw notMobileNet(bn.describe()
                        + " is in training mode; export the model in eval mode");
            }
            use(bn);
            out = follow(bn.outputs().get(0));
        } else {
            bn = null;
        }
        // Clamps: Clip, Relu, Max(x, c), Min(x, c), composed into one range [lo, hi].
        float lo = Float.NEGATIVE_INFINITY, hi = Float.POSITIVE_INFINITY;
        while (true) {
            Node n = soleConsumerOrNull(out);
            if (n == null) {
                break;
            }
            float a, bHi;
            switch (n.opType()) {
                case "Relu":
                    a = 0f;
                    bHi = Float.POSITIVE_INFINITY;
                    break;
                case "Clip": {
                    if (!n.input(0).equals(out)) {
                        throw notMobileNet(n.describe() + " should clip '" + out + "'");
                    }
                    // bounds are attributes up to opset 10, inputs from 11: ONNX Runtime
                    // refuses the other form
                    if (opset < 11) {
                        if (!n.input(1).isEmpty() || !n.input(2).isEmpty()) {
                            throw new OnnxFormatException(n.describe() + " has its bounds as"
                                    + " inputs, as Clip has them from opset 11; the model imports"
                                    + " opset " + opset + ", where they are attributes");
                        }
                        a = floatAttr(n, "min", Float.NEGATIVE_INFINITY);
                        bHi = floatAttr(n, "max", Float.POSITIVE_INFINITY);
                        break;
                    }
                    for (String bound : new String[] {"min", "max"}) {
                        if (n.attribute(bound) != null) {
                            throw new OnnxFormatException(n.describe() + " has attribute '"
                                    + bound + "', which Clip has up to opset 10; the model imports"
                                    + " opset " + opset + ", where the bounds are inputs");
                        }
                    }
                    a = n.input(1).isEmpty() ? Float.NEGATIVE_INFINITY
                            : scalar(n.input(1), n, "min");
                    bHi = n.input(2).isEmpty() ? Float.POSITIVE_INFINITY
                            : scalar(n.input(2), n, "max");
                    break;
                }
                case "Max":
                case "Min": {
                    if (n.inputs().size() != 2 || !n.inputs().contains(out)) {
                        throw notMobileNet(n.describe() + " should clamp '" + out
                                + "' with one constant");
                    }
                    String other = n.input(0).equals(out) ? n.input(1) : n.input(0);
                    float c = scalar(other, n, "bound");
                    a = n.opType().equals("Max") ? c : Float.NEGATIVE_INFINITY;
                    bHi = n.opType().equals("Min") ? c : Float.POSITIVE_INFINITY;
                    break;
                }
                default:
                    a = Float.NaN;
                    bHi = Float.NaN;
            }
            if (Float.isNaN(a)) {
                break;
            }
            // max(., a) then min(., bHi) applied to clamp(x, lo, hi) is a clamp again.
            lo = Math.min(Math.max(lo, a), bHi);
            hi = Math.min(Math.max(hi, a), bHi);
            use(n);
            out = follow(n.outputs().get(0));
        }
        Activation act;
        if (lo == Float.NEGATIVE_INFINITY && hi == Float.POSITIVE_INFINITY) {
            act = Activation.LINEAR;
        } else if (lo == 0f && hi == 6f) {
            act = Activation.RELU6;
        } else {
            throw notMobileNet("the activation after " + node.describe() + " clamps to [" + lo
                    + ", " + hi + "]; expected ReLU6 [0, 6] or none");
        }
        return new Conv(node, w, b, bn, (int) strides[0], group, (int) d[2], pads, autoPad, act,
                out, pad);
    }

    /**
     * The [top, left, bottom, right] zeros the Pad {@code pad} adds around {@code in}, an NCHW
     * map: mode constant, value 0, on height and width only, none negative. Its pads and value
     * are attributes up to opset 10, inputs from 11 (ONNX Runtime refuses the other form); from
     * 18 the pads may be of only the axes an input lists.
     */
    private long[] zeroPads(Node pad, String in) throws OnnxFormatException {
        String form = "expected a zero Pad (mode 'constant', value 0) of height and width by"
                + " 0 or more: pads [0, 0, top, left, 0, 0, bottom, right]";
        if (!pad.input(0).equals(in)) {
            throw notMobileNet(pad.describe() + " pads '" + pad.input(0) + "', not '" + in
                    + "'; expected the chain's tensor as its input 0");
        }
        Attribute modeAttr = attribute(pad, "mode", OnnxProto.ATTR_STRING);
        String mode = modeAttr == null ? "constant" : modeAttr.string();
        if (!mode.equals("constant")) {
            throw notMobileNet(pad.describe() + " pads in mode '" + mode + "'; " + form);
        }
        long[] pads;
        float value;
        if (opset < 11) {
            if (pad.inputs().size() > 1) {
                throw new OnnxFormatException(pad.describe() + " has its pads as inputs, as Pad"
                        + " has them from opset 11; the model imports opset " + opset
                        + ", where they are attributes");
            }
            pads = ints(pad, "pads", null);
            if (pads == null) {
                throw new OnnxFormatException(pad.describe() + " has no attribute 'pads'; "
                        + form);
            }
            value = floatAttr(pad, "value", 0f);
        } else {
            for (String a : new String[] {"pads", "value"}) {
                if (pad.attribute(a) != null) {
                    throw new OnnxFormatException(pad.describe() + " has attribute '" + a
                            + "', which Pad has up to opset 10; the model imports opset "
                            + opset + ", where pads and value are inputs");
                }
            }
            if (pad.input(1).isEmpty()) {
                throw new OnnxFormatException(pad.describe() + " has no input pads; " + form);
            }
            if (!pad.input(3).isEmpty() && opset < 18) {
                throw new OnnxFormatException(pad.describe() + " has input axes '"
                        + pad.input(3) + "', which Pad has from opset 18; the model imports"
                        + " opset " + opset);
            }
            pads = constant(pad.input(1), pad, "pads").toLongs();
            value = pad.input(2).isEmpty() ? 0f : scalar(pad.input(2), pad, "constant_value");
            if (!pad.input(3).isEmpty()) {
                pads = padsOfAxes(pad, pads, constant(pad.input(3), pad, "axes").toLongs());
            }
        }
        if (value != 0f) {
            throw notMobileNet(pad.describe() + " pads with the value " + value + "; " + form);
        }
        if (pads.length != 8) {
            throw notMobileNet(pad.describe() + " has pads " + Arrays.toString(pads) + ", "
                    + pads.length + " values; " + form);
        }
        if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) {
            throw notMobileNet(pad.describe() + " pads " + Arrays.toString(pads)
                    + ", the batch or the channels too; " + form);
        }
        for (long p : pads) {
            if (p < 0) {
                throw notMobileNet(pad.describe() + " pads " + Arrays.toString(pads)
                        + ", cropping where negative; " + form);
            }
        }
        return new long[] {pads[2], pads[3], pads[6], pads[7]};
    }

    /**
     * The 8 pads of the 4-D map from {@code pads} of only {@code axes} (Pad's input axes, from
     * opset 18): the begins of the axes in their order, then the ends; a negative axis counts
     * from the end, and the axes not listed are not padded.
     */
    private static long[] padsOfAxes(Node pad, long[] pads, long[] axes)
            throws OnnxFormatException {
        if (pads.length != 2 * axes.length) {
            throw new OnnxFormatException(pad.describe() + " has pads " + Arrays.toString(pads)
                    + " for axes " + Arrays.toString(axes) + "; expected two for each axis, its"
                    + " begins then its ends");
        }
        long[] all = new long[8];
        boolean[] given = new boolean[4];
        for (int i = 0; i < axes.length; i++) {
            long axis = axes[i] < 0 ? axes[i] + 4 : axes[i];
            if (axis < 0 || axis > 3) {
                throw new OnnxFormatException(pad.describe() + " has axes " + Arrays.toString(axes)
                        + ", of which " + axes[i] + " is not an axis of its 4-D input; expected"
                        + " axes from -4 to 3");
            }
            // ONNX leaves a repeated axis undefined
            if (given[(int) axis]) {
                throw new OnnxFormatException(pad.describe() + " has axes " + Arrays.toString(axes)
                        + ", which name axis " + axis + " twice; expected each axis once");
            }
            given[(int) axis] = true;
            all[(int) axis] = pads[i];
            all[(int) axis + 4] = pads[axes.length + i];
        }
        return all;
    }

    /** Names of BatchNormalization's five inputs, as ONNX defines them. */
    private static final List<String> BATCH_NORM_INPUTS = List.of("X", "scale", "B", "mean", "var");

    /**
     * Refuses a BatchNormalization without exactly its five inputs: a missing one read as the
     * omitted name '' and was reported as a weight "'' that is not a constant".
     */
    private static void checkBatchNormInputs(Node bn) throws OnnxFormatException {
        List<String> missing = new ArrayList<>();
        for (int k = 1; k < BATCH_NORM_INPUTS.size(); k++) {
            if (bn.input(k).isEmpty()) {
                missing.add(BATCH_NORM_INPUTS.get(k));
            }
        }
        if (!missing.isEmpty() || bn.inputs().size() != BATCH_NORM_INPUTS.size()) {
            throw new OnnxFormatException(bn.describe() + " has " + bn.inputs().size()
                    + " inputs " + bn.inputs() + (missing.isEmpty() ? ""
                    : ", without " + String.join(", ", missing))
                    + "; expected five: " + String.join(", ", BATCH_NORM_INPUTS));
        }
    }

    /** Checks kernel size, depthwise-ness and activation of a convolution in a known role. */
    private static void expectConv(Conv c, int kernel, boolean depthwise, Activation act,
            String role) throws OnnxFormatException {
        long[] d = c.weight().dims();
        if (c.kernel() != kernel) {
            throw notMobileNet(role + " (" + c.node().describe() + ") is " + c.kernel() + "x"
                    + c.kernel() + "; expected " + kernel + "x" + kernel);
        }
        if (depthwise && (c.group() != d[0] || d[1] != 1)) {
            throw notMobileNet(role + " (" + c.node().describe() + ") has group " + c.group()
                    + " and weights " + c.weight().describe()
                    + "; expected a depthwise convolution (group = channels, [c, 1, 3, 3])");
        }
        if (!depthwise && c.group() != 1) {
            throw notMobileNet(role + " (" + c.node().describe() + ") has group " + c.group()
                    + "; expected 1");
        }
        if (kernel == 1 && c.stride() != 1) {
            throw notMobileNet(role + " (" + c.node().describe() + ") has stride " + c.stride()
                    + "; expected 1");
        }
        if (c.activation() != act) {
            throw notMobileNet(role + " (" + c.node().describe() + ") is followed by "
                    + (c.activation() == Activation.RELU6 ? "ReLU6" : "no activation")
                    + "; expected "
                    + (act == Activation.RELU6 ? "ReLU6 (Clip 0..6)" : "none (linear)"));
        }
    }

    private Classifier gemm(String in, Node n) throws OnnxFormatException {
        if (!n.input(0).equals(in)) {
            throw notMobileNet(n.describe() + " should multiply the pooled features '" + in + "'");
        }
        if (intAttr(n, "transA", 0) != 0) {
            throw notMobileNet(n.describe() + " transposes its input (transA = 1)");
        }
        boolean transB = intAttr(n, "transB", 0) != 0;
        float alpha = floatAttr(n, "alpha", 1f);
        float beta = floatAttr(n, "beta", 1f);
        if (!Float.isFinite(alpha) || !Float.isFinite(beta)) {
            throw new OnnxFormatException(n.describe() + " has alpha " + alpha + " and beta " + beta
                    + "; expected finite numbers");
        }
        Tensor bT = constant(n.input(1), n, "weights");
        long[] d = bT.dims();
        if (d.length != 2) {
            throw notMobileNet(n.describe() + " has weights " + bT.describe() + "; expected 2-D");
        }
        int inF = (int) (transB ? d[1] : d[0]);
        int outF = (int) (transB ? d[0] : d[1]);
        float[] b = weightValues(bT, n);
        float[] kernel = new float[b.length];
        for (int i = 0; i < inF; i++) {
            for (int o = 0; o < outF; o++) {
                kernel[i * outF + o] = alpha * (transB ? b[o * inF + i] : b[i * outF + o]);
            }
        }
        float[] bias = new float[outF];
        if (!n.input(2).isEmpty()) {
            Tensor cT = constant(n.input(2), n, "bias");
            float[] c = weightValues(cT, n);
            if (c.length == 1) {
                Arrays.fill(bias, beta * c[0]);
            } else if (c.length == outF && cT.dims()[cT.dims().length - 1] == outF) {
                for (int o = 0; o < outF; o++) {
                    bias[o] = beta * c[o];
                }
            } else {
                throw new OnnxFormatException(n.describe() + " has bias " + cT.describe() + " for "
                        + outF + " outputs");
            }
        }
        // finite factors can still overflow float range: name the node, not a later layer check
        for (float[] scaled : new float[][] {kernel, bias}) {
            for (float v : scaled) {
                if (!Float.isFinite(v)) {
                    throw new OnnxFormatException(n.describe() + ": alpha " + alpha + " or beta "
                            + beta + " scales a weight or bias past float range");
                }
            }
        }
        return new Classifier(n, inF, outF, kernel, bias);
    }

    /**
     * Refuses an AveragePool that does not average the whole last feature map into one value
     * per channel, as GlobalAveragePool does: its kernel must be the map's size, unpadded. Any
     * stride and ceil_mode then give a 1x1 output.
     */
    private void checkWholeMapAveragePool(Node pool, int resolution)
            throws OnnxFormatException {
        // the map's size depends on the resolution only, not on alpha, classes or padding
        Step avg = ExecutionPlan.build(new ModelConfig(1.0, resolution, 1000, Padding.SYMMETRIC))
                .steps().stream().filter(st -> st.kind() == Step.Kind.AVG_POOL).findFirst()
                .orElseThrow();
        long size = avg.inHeight();
        long[] kernel = ints(pool, "kernel_shape", null);
        long[] pads = ints(pool, "pads", new long[4]);
        long[] strides = ints(pool, "strides", new long[] {1, 1});
        long[] dilations = ints(pool, "dilations", new long[] {1, 1});
        Attribute ap = attribute(pool, "auto_pad", OnnxProto.ATTR_STRING);
        String autoPad = ap == null ? "NOTSET" : ap.string();
        String expected = "; expected kernel_shape [" + size + ", " + size + "], the whole "
                + size + "x" + size + " map of the last convolution, without padding";
        if (kernel == null || !Arrays.equals(kernel, new long[] {size, size})) {
            throw notMobileNet(pool.describe() + " averages windows of "
                    + (kernel == null ? "no kernel_shape" : Arrays.toString(kernel)) + expected);
        }
        boolean padded = !Arrays.equals(pads, new long[4]);
        if (padded || !Set.of("NOTSET", "VALID").contains(autoPad)) {
            throw notMobileNet(pool.describe() + " pads the map ("
                    + (padded ? "pads " + Arrays.toString(pads) : "auto_pad " + autoPad)
                    + ")" + expected);
        }
        if (!Arrays.equals(dilations, new long[] {1, 1}) || strides.length != 2
                || strides[0] < 1 || strides[1] < 1) {
            throw notMobileNet(pool.describe() + " has strides " + Arrays.toString(strides)
                    + " and dilations " + Arrays.toString(dilations) + expected
                    + ", strides of 1 or more and no dilation");
        }
    }

    /**
     * A MatMul classifier: the [N, C] features times a constant {@code [C, K]}, as exporters
     * write a Linear or Dense layer they do not fuse into a Gemm; the bias, if any, is the Add
     * that follows ({@link #withBiasAdd}).
     */
    private Classifier matMul(String in, Node n, int features) throws OnnxFormatException {
        if (n.inputs().size() != 2 || !n.input(0).equals(in)) {
            throw notMobileNet(n.describe() + " should multiply the pooled features '" + in
                    + "' (input 0) by constant weights [" + features + ", classes] (input 1)");
        }
        Tensor wT = constant(n.input(1), n, "weights");
        long[] d = wT.dims();
        if (d.length != 2 || d[0] != features) {
            String reversed = d.length == 2 && d[1] == features
                    ? ", the other way round (Gemm with transB = 1 takes [classes, " + features
                    + "]; MatMul does not transpose)" : "";
            throw notMobileNet(n.describe() + " multiplies the [N, " + features + "] features"
                    + " by weights " + wT.describe() + reversed + "; expected [" + features
                    + ", classes]");
        }
        int inF = (int) d[0];
        int outF = (int) d[1];
        // MatMul's B is [in][out], our classifier's layout already
        return new Classifier(n, inF, outF, weightValues(wT, n), new float[outF]);
    }

    /** {@code c}, a MatMul classifier giving {@code logits}, with the bias {@code add} adds. */
    private Classifier withBiasAdd(Classifier c, String logits, Node add)
            throws OnnxFormatException {
        if (add.inputs().size() != 2 || !add.inputs().contains(logits)) {
            throw notMobileNet(add.describe() + " should add a constant bias to the logits '"
                    + logits + "' of " + c.node().describe());
        }
        String other = add.input(0).equals(logits) ? add.input(1) : add.input(0);
        Tensor bT = constant(other, add, "bias");
        long[] d = bT.dims();
        boolean row = d.length == 1 && d[0] == c.out()
                || d.length == 2 && d[0] == 1 && d[1] == c.out();
        // [1] (or a scalar, or [1, 1]) broadcasts: the one value is every class's bias
        boolean one = d.length <= 2 && Arrays.stream(d).allMatch(size -> size == 1);
        if (!row && !one) {
            throw notMobileNet(add.describe() + " adds bias " + bT.describe() + " to the [N, "
                    + c.out() + "] logits of " + c.node().describe() + "; expected a bias of "
                    + c.out() + " values, [" + c.out() + "] or [1, " + c.out() + "], or one"
                    + " value for every class, [1]");
        }
        float[] values = weightValues(bT, add);
        float[] bias = row ? values : new float[c.out()];
        if (!row) {
            Arrays.fill(bias, values[0]);
        }
        return new Classifier(c.node(), c.in(), c.out(), c.kernel(), bias);
    }

    /**
     * A 1x1 Conv classifier on the [N, C, 1, 1] pooled map: weights {@code [K, C, 1, 1]},
     * optional bias, no padding, stride 1, no activation after it; a BatchNormalization after
     * it is folded into its weights and bias, as after the other convolutions.
     */
    private Classifier convClassifier(Conv c) throws OnnxFormatException {
        Node n = c.node();
        expectConv(c, 1, false, Activation.LINEAR, "the classifier");
        if (!Arrays.equals(c.pads(), new long[4])) {
            throw notMobileNet("the classifier (" + n.describe() + ") pads the pooled map "
                    + Arrays.toString(c.pads()) + "; expected no padding");
        }
        if (!Set.of("NOTSET", "", "VALID", "SAME_UPPER", "SAME_LOWER").contains(c.autoPad())) {
            throw new OnnxFormatException(n.describe() + " has unknown auto_pad '"
                    + c.autoPad() + "'");
        }
        int out = c.outChannels();
        int in = (int) c.weight().dims()[1];
        float[] raw = weightValues(c.weight(), n);
        float[] kernel = new float[raw.length];
        // [K][C][1][1] -> [C][K]
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                kernel[i * out + o] = raw[o * in + i];
            }
        }
        float[] bias = c.bias() == null ? null : weightValues(c.bias(), n);
        if (c.batchNorm() != null) {
            // [C][K] has the output channel fastest, as the fold takes it
            bias = foldBatchNorm(c, kernel, bias, out);
        }
        return new Classifier(n, in, out, kernel, bias == null ? new float[out] : bias);
    }

    // ---- attributes and constants ---------------------------------------------------------------

    private Tensor constant(String name, Node n, String what) throws OnnxFormatException {
        Tensor t = constants.get(name);
        if (t == null) {
            throw new OnnxFormatException(n.describe() + ": the " + what + " '" + name
                    + "' is not a constant (initializer or Constant node); only constant weights"
                    + " are supported");
        }
        return t;
    }

    /**
     * The values of {@code t}, weights of {@code n}, each finite: a NaN was caught only as a NaN
     * weight of a layer at an index of our transposed layout, or as a folded batch norm's.
     */
    private static float[] weightValues(Tensor t, Node n) throws OnnxFormatException {
        float[] v = t.toFloats();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new OnnxFormatException(n.describe() + ": tensor " + t.describe()
                        + ": element " + i + " is " + v[i] + " (as float32); weights must be"
                        + " finite");
            }
        }
        return v;
    }

    private float scalar(String name, Node n, String what) throws OnnxFormatException {
        float[] v = constant(name, n, what).toFloats();
        if (v.length != 1) {
            throw notMobileNet(n.describe() + ": the " + what + " '" + name + "' is not a scalar");
        }
        return v[0];
    }

    private long[] axes(Node n) throws OnnxFormatException {
        long[] a = axesOf(n, 18);
        if (a == null) {
            // from opset 18 no axes with noop_with_empty_axes = 1 is an Identity
            boolean noop = opset >= 18 && intAttr(n, "noop_with_empty_axes", 0) != 0;
            throw notMobileNet(n.describe() + (noop ? " passes its input on unchanged (no axes,"
                    + " noop_with_empty_axes = 1)" : " reduces over all axes")
                    + "; expected height and width [2, 3]");
        }
        return a;
    }

    /**
     * The axes of {@code n} (Squeeze, ReduceMean), or {@code null} when it gives none: an
     * attribute before opset {@code inputFrom}, input 1 from it. Both forms were read at any
     * opset; ONNX Runtime refuses the other form.
     */
    private long[] axesOf(Node n, long inputFrom) throws OnnxFormatException {
        if (opset < inputFrom) {
            if (!n.input(1).isEmpty()) {
                throw new OnnxFormatException(n.describe() + " has its axes as input 1, as "
                        + n.opType() + " has them from opset " + inputFrom + "; the model imports"
                        + " opset " + opset + ", where they are an attribute");
            }
            return ints(n, "axes", null);
        }
        if (n.attribute("axes") != null) {
            throw new OnnxFormatException(n.describe() + " has attribute 'axes', which "
                    + n.opType() + " has up to opset " + (inputFrom - 1) + "; the model imports"
                    + " opset " + opset + ", where the axes are input 1");
        }
        return n.input(1).isEmpty() ? null : constant(n.input(1), n, "axes").toLongs();
    }

    /**
     * Whether {@code axes} of a 4-D NCHW tensor are its height and width, [2, 3] in any order,
     * a negative axis counting from the end: what the global pool and the Squeezes after it
     * must name.
     */
    private static boolean heightAndWidth(long[] axes) {
        Set<Long> set = new LinkedHashSet<>();
        for (long a : axes) {
            set.add(a < 0 ? a + 4 : a);
        }
        return set.equals(Set.of(2L, 3L));
    }

    /**
     * The rank of a Conv classifier's {@code [N, classes, 1, 1]} logits after {@code squeeze}
     * with no axes, which ONNX Runtime resolves by the sizes it runs: {@code [classes]} at a
     * fixed batch of 1, {@code [N, classes]} at a larger fixed batch. Refused where the batch
     * is not fixed (the rank would follow the batch run) or where the classes would go too.
     */
    private static int squeezedRank(Node squeeze, ValueInfo input, Long batch, int classes)
            throws OnnxFormatException {
        String what = squeeze.describe() + " squeezes every axis of size 1 (no axes) of the"
                + " classifier's [N, " + classes + ", 1, 1] logits";
        if (batch == null) {
            throw notMobileNet(what + ", but the input '" + input.name() + "' has no fixed"
                    + " batch (" + describeBatch(input) + "): at a batch of 1 that squeezes the"
                    + " batch too, giving [" + classes + "] rather than [N, " + classes + "];"
                    + " expected axes [2, 3]");
        }
        if (classes == 1) {
            throw notMobileNet(what + ", which squeezes the single class too; expected axes"
                    + " [2, 3]");
        }
        return batch == 1 ? 1 : 2;
    }

    /**
     * The target shape of a Reshape. Its attribute allowzero (opset 14+) = 1 makes a 0 a
     * dimension of size 0 rather than a copy of the input's: refused with a 0, where it was
     * read as a copy. A shape ONNX does not allow (two -1s, a size below -1) is refused as
     * such, where it was said not to hold the values of a fixed batch.
     */
    private long[] reshapeShape(Node n) throws OnnxFormatException {
        long[] shape = constant(n.input(1), n, "shape").toLongs();
        String allowed = ", which ONNX does not allow; expected at most one -1 (the size the"
                + " others leave) and no other negative size";
        int inferred = 0;
        for (long d : shape) {
            if (d < -1) {
                throw new OnnxFormatException(n.describe() + " reshapes to "
                        + Arrays.toString(shape) + ", with the size " + d + allowed);
            }
            inferred += d == -1 ? 1 : 0;
        }
        if (inferred > 1) {
            throw new OnnxFormatException(n.describe() + " reshapes to " + Arrays.toString(shape)
                    + ", with " + inferred + " sizes of -1" + allowed);
        }
        Attribute a = attribute(n, "allowzero", OnnxProto.ATTR_INT);
        if (a != null && opset < 14) {
            throw new OnnxFormatException(n.describe() + " has attribute 'allowzero', which"
                    + " Reshape has from opset 14; the model imports opset " + opset);
        }
        if (a != null && a.i() != 0) {
            for (long d : shape) {
                if (d == 0) {
                    throw notMobileNet(n.describe() + " reshapes to " + Arrays.toString(shape)
                            + " with allowzero = " + a.i() + ", which makes its 0 an axis of"
                            + " size 0, not a copy of the input's; expected no 0 in the shape"
                            + " or allowzero = 0");
                }
            }
        }
        return shape;
    }

    private static OnnxFormatException notMobileNet(String why) {
        return new OnnxFormatException("not a MobileNetV2 graph: " + why);
    }

    private static OnnxFormatException notMobileNet(String why, Throwable cause) {
        return new OnnxFormatException("not a MobileNetV2 graph: " + why, cause);
    }

    // ---- shape check against the plan -----------------------------------------------------------

    /** The first difference between the plan and the graph, or {@code null} when they agree. */
    private static String compare(ExecutionPlan plan, Conv stem, List<Block> blocks, Conv last,
                                  Classifier classifier) {
        List<Step> steps = plan.steps();
        List<Step> bottlenecks =
                steps.stream().filter(st -> st.kind() == Step.Kind.BOTTLENECK).toList();
        if (bottlenecks.size() != blocks.size()) {
            return "the graph has " + blocks.size() + " inverted residual blocks; MobileNetV2 has "
                    + bottlenecks.size();
        }
        Step st = steps.get(0);
        String m = check(stem, new long[] {st.outChannels(), 3, 3, 3}, st.stride(), "stem");
        for (int i = 0; i < blocks.size() && m == null; i++) {
            Block b = blocks.get(i);
            st = bottlenecks.get(i);
            String name = "block " + (i + 1);
            int ce = st.expandedChannels();
            if (st.hasExpand() != (b.expand() != null)) {
                return name + (st.hasExpand() ? " lacks" : " has") + " an expansion layer"
                        + " (expected expansion factor " + st.expansion() + ")";
            }
            if (b.expand() != null) {
                m = check(b.expand(), new long[] {ce, st.inChannels(), 1, 1}, 1,
                        name + " expansion");
            }
            m = m != null ? m : check(b.depthwise(), new long[] {ce, 1, 3, 3}, st.stride(),
                    name + " depthwise");
            m = m != null ? m : check(b.project(), new long[] {st.outChannels(), ce, 1, 1}, 1,
                    name + " projection");
            if (m == null && st.hasResidual() != (b.add() != null)) {
                return name + (st.hasResidual() ? " lacks" : " has") + " a residual connection";
            }
        }
        if (m != null) {
            return m;
        }
        st = steps.stream().filter(x -> x.kind() == Step.Kind.CONV1X1).findFirst().orElseThrow();
        m = check(last, new long[] {st.outChannels(), st.inChannels(), 1, 1}, 1,
                "last 1x1 convolution");
        if (m == null && classifier.in() != st.outChannels()) {
            m = "the classifier " + classifier.node().describe() + " takes " + classifier.in()
                    + " features; the last 1x1 convolution gives " + st.outChannels();
        }
        return m;
    }

    private static String check(Conv c, long[] expected, int stride, String what) {
        if (!Arrays.equals(c.weight().dims(), expected)) {
            return what + " weights " + c.weight().describe() + " should have shape "
                    + Arrays.toString(expected);
        }
        if (c.stride() != stride) {
            return what + " (" + c.node().describe() + ") has stride " + c.stride()
                    + "; expected " + stride;
        }
        return null;
    }

    // ---- padding --------------------------------------------------------------------------------

    /**
     * The convention every 3x3 layer agrees with; the exporter's hint, then symmetric, break ties.
     */
    private Padding padding(ExecutionPlan plan, Conv stem, List<Block> blocks, Conv last)
            throws OnnxFormatException {
        List<Step> steps = plan.steps();
        Set<Padding> all = EnumSet.allOf(Padding.class);
        List<Step> bottlenecks =
                steps.stream().filter(st -> st.kind() == Step.Kind.BOTTLENECK).toList();
        all.retainAll(paddings(stem, steps.get(0)));
        for (int i = 0; i < blocks.size(); i++) {
            all.retainAll(paddings(blocks.get(i).depthwise(), bottlenecks.get(i)));
        }
        // 1x1 layers: no padding at all.
        List<Conv> ones = new ArrayList<>();
        for (Block b : blocks) {
            if (b.expand() != null) {
                ones.add(b.expand());
            }
            ones.add(b.project());
        }
        ones.add(last);
        for (Conv c : ones) {
            if (!Arrays.equals(c.pads(), new long[4])) {
                throw notMobileNet(c.describe() + " pads a 1x1 convolution "
                        + Arrays.toString(c.pads()) + "; expected no padding");
            }
        }
        if (all.isEmpty()) {
            throw notMobileNet("the 3x3 layers pad their borders inconsistently (neither symmetric"
                    + " (PyTorch) " + "nor TensorFlow SAME throughout)");
        }
        if (all.size() == 1) {
            return all.iterator().next();
        }
        if (paddingHint != null) {
            for (Padding p : all) {
                if (p.name().toLowerCase(Locale.ROOT).equals(paddingHint)) {
                    return p;
                }
            }
        }
        return Padding.SYMMETRIC;
    }

    /** The conventions a 3x3 convolution's padding is equivalent to, on the input of {@code st}. */
    private static Set<Padding> paddings(Conv c, Step st) throws OnnxFormatException {
        int s = c.stride();
        int h = st.inHeight(), w = st.inWidth();
        long top, left, bottom, right;
        switch (c.autoPad()) {
            case "NOTSET":
            case "":
                top = c.pads()[0];
                left = c.pads()[1];
                bottom = c.pads()[2];
                right = c.pads()[3];
                break;
            case "SAME_UPPER":
            case "SAME_LOWER": {
                boolean upper = c.autoPad().equals("SAME_UPPER");
                long th = Math.max((Padding.TF_SAME.outputSize(h, s) - 1L) * s + 3 - h, 0);
                long tw = Math.max((Padding.TF_SAME.outputSize(w, s) - 1L) * s + 3 - w, 0);
                top = upper ? th / 2 : th - th / 2;
                bottom = th - top;
                left = upper ? tw / 2 : tw - tw / 2;
                right = tw - left;
                break;
            }
            case "VALID":
                throw notMobileNet(c.node().describe()
                        + " uses VALID padding, which shrinks the map");
            default:
                throw new OnnxFormatException(c.node().describe() + " has unknown auto_pad '"
                        + c.autoPad() + "'");
        }
        Set<Padding> out = EnumSet.noneOf(Padding.class);
        for (Padding p : Padding.values()) {
            // The same zeros before the image and the same
            // output size (zeros after it may go unused).
            if (top == p.before(h, s) && left == p.before(w, s)
                    && (h + top + bottom - 3) / s + 1 == p.outputSize(h, s)
                    && (w + left + right - 3) / s + 1 == p.outputSize(w, s)) {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw notMobileNet(c.describe() + " pads [" + top + ", " + left + ", " + bottom + ", "
                    + right + "] (top, left, bottom, right) on a " + h + "x" + w
                    + " input, which is neither symmetric " + "(PyTorch) nor TensorFlow SAME");
        }
        return out;
    }

    // ---- weights --------------------------------------------------------------------------------

    private Weights loadWeights(ModelConfig config, Conv stem, List<Block> blocks, Conv last,
                                Classifier classifier) throws OnnxFormatException {
        Weights w = Weights.zeros(config);
        List<Conv> convs = new ArrayList<>();
        convs.add(stem);
        for (Block b : blocks) {
            if (b.expand() != null) {
                convs.add(b.expand());
            }
            convs.add(b.depthwise());
            convs.add(b.project());
        }
        convs.add(last);
        List<Layer> layers = w.layers();
        if (layers.size() != convs.size() + 1) {
            throw new IllegalStateException(layers.size() + " plan layers but " + (convs.size() + 1)
                    + " in the graph");
        }
        for (int i = 0; i < convs.size(); i++) {
            Conv c = convs.get(i);
            Layer l = layers.get(i);
            float[] raw = weightValues(c.weight(), c.node());
            float[] kernel = new float[l.kernelLength()];
            int cin = l.inChannels(), cout = l.outChannels();
            switch (l.kind()) {
                case CONV3X3:
                    // OIHW [cout][cin][3][3] -> HWIO [3][3][cin][cout]
                    for (int co = 0; co < cout; co++) {
                        for (int ci = 0; ci < cin; ci++) {
                            for (int t = 0; t < 9; t++) {
                                kernel[(t * cin + ci) * cout + co] = raw[(co * cin + ci) * 9 + t];
                            }
                        }
                    }
                    break;
                case DEPTHWISE:
                    // [c][1][3][3] -> [3][3][c]
                    for (int ch = 0; ch < cout; ch++) {
                        for (int t = 0; t < 9; t++) {
                            kernel[t * cout + ch] = raw[ch * 9 + t];
                        }
                    }
                    break;
                default:
                    // [cout][cin][1][1] -> [cin][cout]
                    for (int co = 0; co < cout; co++) {
                        for (int ci = 0; ci < cin; ci++) {
                            kernel[ci * cout + co] = raw[co * cin + ci];
                        }
                    }
            }
            float[] bias = c.bias() == null ? null : weightValues(c.bias(), c.node());
            if (c.batchNorm() != null) {
                bias = foldBatchNorm(c, kernel, bias, cout);
            }
            set(w, l, kernel, bias == null ? new float[cout] : bias, c.node());
        }
        set(w, layers.get(layers.size() - 1), classifier.kernel(), classifier.bias(),
                classifier.node());
        return w;
    }

    private float[] foldBatchNorm(Conv c, float[] kernel, float[] bias, int channels)
            throws OnnxFormatException {
        Node bn = c.batchNorm();
        float[][] v = new float[4][];
        String[] what = {"scale", "B", "mean", "var"};
        for (int k = 0; k < 4; k++) {
            v[k] = weightValues(constant(bn.input(k + 1), bn, what[k]), bn);
            if (v[k].length != channels) {
                throw new OnnxFormatException(bn.describe() + ": " + what[k] + " has " + v[k].length
                        + " values for " + channels + " channels");
            }
        }
        float eps = floatAttr(bn, "epsilon", 1e-5f);
        try {
            return BatchNorm.fold(kernel, bias, v[0], v[1], v[2], v[3], eps);
        } catch (IllegalArgumentException e) {
            throw new OnnxFormatException(bn.describe() + ": " + e.getMessage(), e);
        }
    }

    private static void set(Weights w, Layer l, float[] kernel, float[] bias, Node n)
            throws OnnxFormatException {
        try {
            w.set(l.index(), kernel, bias);
        } catch (IllegalArgumentException e) {
            throw new OnnxFormatException(n.describe() + ": " + e.getMessage(), e);
        }
    }
}
