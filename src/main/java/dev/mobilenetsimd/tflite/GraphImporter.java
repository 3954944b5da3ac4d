package dev.mobilenetsimd.tflite;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.plan.Architecture;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Layer;
import dev.mobilenetsimd.plan.Step;
import dev.mobilenetsimd.tflite.TfliteGraph.Operator;
import dev.mobilenetsimd.tflite.TfliteGraph.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Maps a decoded TensorFlow Lite graph onto our static MobileNetV2 plan: walks the operator chain
 * from the input (stem, inverted residual blocks, last 1x1 convolution, global pool, classifier,
 * then reshape/softmax/quantize to the output), derives the {@link ModelConfig}, checks every
 * shape against the plan, and dequantizes the weights into canonical layouts.
 *
 * <p>The walk follows tensors, not operator order, and every operator must be part of the
 * chain, so a graph with an extra or missing layer is rejected rather than half-imported.
 */
final class GraphImporter {
    /** The most sizes TensorFlow Lite reads from a RESHAPE's options (new_shape). */
    private static final int MAX_NEW_SHAPE = 8;

    /** Width multipliers tried first: the published ones. */
    private static final double[] PUBLISHED_ALPHAS = {1.0, 0.35, 0.5, 0.75, 1.3, 1.4};

    private final TfliteGraph g;
    private final List<List<Operator>> consumers = new ArrayList<>();
    /** The operator writing each tensor, or null (inputs and constants). */
    private final Operator[] producers;
    private final boolean[] used;

    /** One convolution of the chain (its optional PAD folded in). */
    private record Conv(Operator op, Tensor input, Tensor filter, Tensor bias, Tensor output,
                        int stride, int kernel, Set<Padding> paddings) {}

    /** One inverted residual block. */
    private record Block(Conv expand, Conv depthwise, Conv project, Operator add, Tensor output) {}

    /** The result: configuration, weights and the input tensor. */
    record Imported(ModelConfig config, Weights weights, Tensor input, String summary) {}

    private GraphImporter(TfliteGraph g) {
        this.g = g;
        for (int i = 0; i < g.tensors.size(); i++) {
            consumers.add(new ArrayList<>(2));
        }
        this.producers = new Operator[g.tensors.size()];
        this.used = new boolean[g.operators.size()];
    }

    static Imported importGraph(TfliteGraph g) throws ModelFormatException {
        return new GraphImporter(g).run();
    }

    private Imported run() throws ModelFormatException {
        for (Operator op : g.operators) {
            if (!BuiltinOperators.supported(op.builtinCode())) {
                throw new ModelFormatException("unsupported operator " + op.opName() + " ("
                        + op.describe() + "): MobileNetV2 import supports CONV_2D, "
                        + "DEPTHWISE_CONV_2D, ADD, AVERAGE_POOL_2D, "
                        + "MEAN, PAD, RESHAPE, SOFTMAX, FULLY_CONNECTED, QUANTIZE and DEQUANTIZE");
            }
            for (int i = 0; i < op.inputs().length; i++) {
                int t = op.inputs()[i];
                // -1 is TensorFlow Lite's only mark of an omitted optional input: any other
                // negative index (read as absent, it dropped a bias) is damage.
                if (t != -1) {
                    checkIndex(op, "input " + i, t);
                    consumers.get(t).add(op);
                }
            }
            if (op.outputs().length != 1) {
                throw new ModelFormatException(op.describe() + " has " + op.outputs().length
                        + " outputs; expected 1");
            }
            checkIndex(op, "output", op.outputs()[0]);
            producers[op.outputs()[0]] = op;
        }
        if (g.inputs.length != 1 || g.outputs.length != 1) {
            throw notMobileNet("the graph has " + g.inputs.length + " inputs and "
                    + g.outputs.length + " outputs; expected one image input and one class output");
        }
        // Out of range they failed as "tensor index 300 out of range", naming no role.
        for (int[] io : new int[][] {g.inputs, g.outputs}) {
            if (io[0] < 0 || io[0] >= g.tensors.size()) {
                throw new ModelFormatException("the graph's "
                        + (io == g.inputs ? "input" : "output") + " is tensor index " + io[0]
                        + ", but the graph has " + g.tensors.size() + " tensors");
            }
        }

        Tensor input = g.tensor(g.inputs[0]);
        int[] s = input.shape();
        if (s.length != 4 || s[0] != 1 || s[3] != 3 || s[1] != s[2]) {
            throw notMobileNet("the input " + input.describe()
                    + " is not one square RGB image [1, size, size, 3]");
        }
        if (input.type() != TfliteGraph.UINT8 && input.type() != TfliteGraph.INT8
                && input.type() != TfliteGraph.FLOAT32) {
            throw new ModelFormatException("the input " + input.describe()
                    + " has an unsupported type: expected uint8, int8 or float32");
        }
        Tensor cur = follow(input);

        Conv stem = conv(cur, BuiltinOperators.CONV_2D, 3, "the stem convolution");
        checkActivation(stem.op(), TfliteGraph.ACT_RELU6);
        cur = follow(stem.output());

        List<Block> blocks = new ArrayList<>();
        Conv last;
        while (true) {
            if (blocks.size() > 64) {
                throw notMobileNet("more than 64 inverted residual blocks");
            }
            Tensor blockIn = cur;
            Operator main = null;
            Operator add = null;
            for (Operator op : consumers.get(blockIn.index())) {
                if (op.builtinCode() == BuiltinOperators.ADD && add == null) {
                    add = op;
                } else if (main == null) {
                    main = op;
                } else {
                    throw notMobileNet(blockIn.describe() + " feeds " + main.describe() + " and "
                            + op.describe() + "; expected a single chain");
                }
            }
            if (main == null) {
                throw notMobileNet("nothing consumes " + blockIn.describe()
                        + "; expected a bottleneck block or the last 1x1 convolution");
            }
            Conv expand = null;
            Tensor dwIn = blockIn;
            if (main.builtinCode() == BuiltinOperators.CONV_2D) {
                Conv c = conv(blockIn, main, BuiltinOperators.CONV_2D, 1, "a 1x1 convolution");
                checkActivation(c.op(), TfliteGraph.ACT_RELU6);
                Tensor out = follow(c.output());
                Operator next = soleConsumerOrNull(out);
                boolean block = next != null
                        && (next.builtinCode() == BuiltinOperators.DEPTHWISE_CONV_2D
                        || next.builtinCode() == BuiltinOperators.PAD);
                if (!block) {
                    if (add != null) {
                        throw notMobileNet(add.describe() + " adds " + blockIn.describe()
                                + ", which starts no bottleneck block");
                    }
                    last = c;
                    cur = out;
                    break;
                }
                expand = c;
                dwIn = out;
            } else if (main.builtinCode() != BuiltinOperators.DEPTHWISE_CONV_2D
                    && main.builtinCode() != BuiltinOperators.PAD) {
                throw notMobileNet("expected a bottleneck block or the last 1x1 convolution after "
                        + blockIn.describe() + ", found " + main.describe());
            }
            String dwRole = "the depthwise convolution of block " + (blocks.size() + 1);
            Conv dw = expand == null
                    ? conv(dwIn, main, BuiltinOperators.DEPTHWISE_CONV_2D, 3, dwRole)
                    : conv(dwIn, BuiltinOperators.DEPTHWISE_CONV_2D, 3, dwRole);
            checkActivation(dw.op(), TfliteGraph.ACT_RELU6);
            Conv project = conv(follow(dw.output()), BuiltinOperators.CONV_2D, 1,
                    "the projection of block " + (blocks.size() + 1));
            checkActivation(project.op(), TfliteGraph.ACT_NONE);
            Tensor out = follow(project.output());
            if (add != null) {
                Operator a = soleConsumer(out, "the residual ADD of block " + (blocks.size() + 1));
                if (a != add) {
                    throw notMobileNet(blockIn.describe() + " is added by " + add.describe()
                            + ", but the block's projection feeds " + a.describe());
                }
                Set<Integer> ins = new LinkedHashSet<>();
                for (int t : a.inputs()) {
                    ins.add(t);
                }
                if (a.inputs().length != 2 || !ins.contains(out.index())
                        || !ins.contains(blockIn.index())) {
                    throw notMobileNet(a.describe()
                            + " should add the block input and its projection");
                }
                checkActivation(a, TfliteGraph.ACT_NONE);
                use(a);
                out = follow(g.tensor(a.outputs()[0]));
            }
            blocks.add(new Block(expand, dw, project, add, out));
            cur = out;
        }

        // Global average pool: AVERAGE_POOL_2D over the whole map, or MEAN over height and width.
        Tensor features = cur;
        Operator pool = soleConsumer(features, "the global average pool");
        Tensor pooled = g.tensor(pool.outputs()[0]);
        int[] fs = features.shape();
        if (fs.length != 4) {
            throw notMobileNet("the last 1x1 convolution's output " + features.describe()
                    + " is not 4-D");
        }
        if (pool.builtinCode() == BuiltinOperators.AVERAGE_POOL_2D) {
            readsAsData(pool, features);
            checkInputs(pool, 1, 1, "the data"); // TensorFlow Lite refuses more; they were ignored
            requireOptions(pool, "strides 0 and a 0x0 window, and refuses the operator (its"
                    + " strides must be positive)");
            TfliteGraph.Options o = pool.options();
            if (o.filterH() != fs[1] || o.filterW() != fs[2]) {
                throw notMobileNet(pool.describe() + " pools " + o.filterH() + "x" + o.filterW()
                        + " windows, not the whole " + fs[1] + "x" + fs[2] + " map");
            }
            // One window over the whole map: any stride with VALID padding; SAME only with
            // strides of at least the map's size, else TensorFlow Lite pools to a larger map.
            boolean same = o.padding() == TfliteGraph.PAD_SAME;
            if (o.strideH() < 1 || o.strideW() < 1
                    || (!same && o.padding() != TfliteGraph.PAD_VALID)
                    || (same && (o.strideH() < fs[1] || o.strideW() < fs[2]))) {
                throw notMobileNet(pool.describe() + " has strides " + o.strideH() + "x"
                        + o.strideW() + " and padding " + paddingName(o.padding())
                        + "; a global pool needs VALID padding and strides of at least 1, or SAME"
                        + " padding and strides of at least the " + fs[1] + "x" + fs[2] + " map");
            }
            checkActivation(pool, TfliteGraph.ACT_NONE);
            checkAveragePoolShape(pool, features, pooled);
        } else if (pool.builtinCode() == BuiltinOperators.MEAN) {
            readsAsData(pool, features);
            checkInputs(pool, 2, 2, "the data", "the axes");
            int[] axes = constInts(g.tensor(pool.input(1)), pool);
            Set<Integer> set = new LinkedHashSet<>();
            for (int a : axes) {
                set.add(a < 0 ? a + 4 : a);
            }
            if (!set.equals(Set.of(1, 2))) {
                throw notMobileNet(pool.describe() + " averages over axes " + Arrays.toString(axes)
                        + "; expected height and width [1, 2]");
            }
            checkMeanShape(pool, features, pooled);
        } else {
            throw notMobileNet("expected the global average pool (AVERAGE_POOL_2D or MEAN) after "
                    + features.describe() + ", found " + pool.describe());
        }
        if (pooled.elements() != fs[3]) {
            throw notMobileNet(pool.describe() + " output " + pooled.describe() + " should hold "
                    + fs[3] + " channels");
        }
        use(pool);
        cur = follow(pooled);
        while (true) {
            Operator next = soleConsumer(cur, "the classifier");
            if (next.builtinCode() != BuiltinOperators.RESHAPE) {
                break;
            }
            cur = follow(reshape(next, cur));
        }

        // Classifier: a 1x1 CONV_2D on the pooled 1x1 map, or FULLY_CONNECTED.
        Operator fcOp = soleConsumer(cur, "the classifier");
        Conv classifier;
        if (fcOp.builtinCode() == BuiltinOperators.CONV_2D) {
            classifier = conv(cur, BuiltinOperators.CONV_2D, 1, "the classifier");
            checkConvShape(classifier); // compare() checks only its weights
        } else if (fcOp.builtinCode() == BuiltinOperators.FULLY_CONNECTED) {
            // TensorFlow Lite refuses a fourth input: ignored, it loaded
            readsAsData(fcOp, cur);
            checkInputs(fcOp, 2, 3, "the data", "the weights", "an optional bias");
            if (fcOp.options().weightsFormat() != 0) {
                throw new ModelFormatException(fcOp.describe() + " uses shuffled weights format "
                        + fcOp.options().weightsFormat()
                        + "; only the default format is supported");
            }
            Tensor filter = constant(g.tensor(fcOp.input(1)));
            if (filter.shape().length != 2) {
                throw notMobileNet(fcOp.describe() + " has weights " + filter.describe()
                        + "; expected [classes, features]");
            }
            Tensor logits = g.tensor(fcOp.outputs()[0]);
            checkFullyConnectedShape(fcOp, cur, filter, logits);
            int b = fcOp.input(2);
            classifier = new Conv(fcOp, cur, filter, b < 0 ? null : constant(g.tensor(b)),
                    logits, 1, 1, EnumSet.allOf(Padding.class));
            use(fcOp);
        } else {
            throw notMobileNet("expected the classifier (CONV_2D or FULLY_CONNECTED) after "
                    + cur.describe() + ", found " + fcOp.describe());
        }
        checkActivation(classifier.op(), TfliteGraph.ACT_NONE);
        int classes = classifier.filter().shape()[0];

        // Tail: reshape, softmax and (de)quantization up to
        // the graph output; our network stops at logits.
        cur = classifier.output();
        while (cur.index() != g.outputs[0] || !consumers.get(cur.index()).isEmpty()) {
            Operator next = soleConsumer(cur, "the graph output");
            switch (next.builtinCode()) {
                case BuiltinOperators.RESHAPE:
                    cur = reshape(next, cur);
                    break;
                case BuiltinOperators.SOFTMAX:
                    requireOptions(next, "beta 0, giving every class the same probability;"
                            + " only beta = 1 is supported");
                    if (next.options().beta() != 1f) {
                        throw new ModelFormatException(next.describe() + " has beta "
                                + next.options().beta() + "; only beta = 1 is supported");
                    }
                    use(next);
                    cur = sameShape(next, cur);
                    break;
                case BuiltinOperators.QUANTIZE:
                case BuiltinOperators.DEQUANTIZE:
                    use(next);
                    cur = sameShape(next, cur);
                    break;
                default:
                    throw notMobileNet("after the classifier expected only RESHAPE, SOFTMAX,"
                            + " QUANTIZE or " + "DEQUANTIZE up to the output, found "
                            + next.describe());
            }
        }
        if (g.tensor(g.outputs[0]).elements() != classes) {
            throw notMobileNet("the output " + g.tensor(g.outputs[0]).describe()
                    + " does not hold the " + classes + " classes of the classifier");
        }
        for (Operator op : g.operators) {
            if (!used[op.index()]) {
                throw notMobileNet(op.describe()
                        + " is not part of the MobileNetV2 chain from input to output");
            }
        }

        // Padding convention: the one every 3x3 layer
        // agrees with (TF SAME preferred when both fit).
        Set<Padding> paddings = EnumSet.allOf(Padding.class);
        paddings.retainAll(stem.paddings());
        for (Block b : blocks) {
            paddings.retainAll(b.depthwise().paddings());
        }
        if (paddings.isEmpty()) {
            throw notMobileNet("the 3x3 layers pad their borders inconsistently (neither TensorFlow"
                    + " SAME " + "nor symmetric throughout)");
        }
        Padding padding = paddings.contains(Padding.TF_SAME) ? Padding.TF_SAME : Padding.SYMMETRIC;

        int resolution = s[1];
        List<Double> alphas = new ArrayList<>();
        for (double a : PUBLISHED_ALPHAS) {
            alphas.add(a);
        }
        alphas.add(stem.filter().shape()[0] / (double) Architecture.STEM_CHANNELS);
        alphas.add(blocks.isEmpty() ? 1.0
                : blocks.get(blocks.size() - 1).project().filter().shape()[0]
                / (double) Architecture.BOTTLENECKS.get(Architecture.BOTTLENECKS.size() - 1).c());
        String firstMismatch = null;
        boolean firstMismatchStemFits = false;
        for (int i = 0; i < alphas.size(); i++) {
            double alpha = alphas.get(i);
            ModelConfig config;
            try {
                config = new ModelConfig(alpha, resolution, classes, padding);
            } catch (IllegalArgumentException e) {
                if (i >= PUBLISHED_ALPHAS.length) {
                    // A width derived from a damaged filter (2048 projection channels: alpha
                    // 6.4) was the error, naming no tensor; the published widths' mismatch does.
                    continue;
                }
                // the resolution or the classes, which any width fails: say where they come from
                throw notMobileNet(e.getMessage() + " (the input " + input.describe()
                        + ", the classifier weights " + classifier.filter().describe() + ")");
            }
            ExecutionPlan plan = ExecutionPlan.build(config);
            String mismatch = compare(plan, stem, blocks, last, classifier);
            if (mismatch == null) {
                Weights w = loadWeights(config, plan, stem, blocks, last, classifier);
                String summary = config + ", " + g.operators.size() + " operators, weights "
                        + TfliteGraph.typeName(stem.filter().type()) + ", input "
                        + TfliteGraph.typeName(input.type());
                return new Imported(config, w, input, summary);
            }
            // Report the difference for a width whose stem fits: it is the likely intended one.
            boolean stemFits = plan.layers().get(0).outChannels() == stem.filter().shape()[0];
            if (firstMismatch == null || (stemFits && !firstMismatchStemFits)) {
                firstMismatch = mismatch + " (for alpha " + alpha + ")";
                firstMismatchStemFits = stemFits;
            }
        }
        throw notMobileNet(firstMismatch);
    }

    // ---- graph walking ------------------------------------------------------------------------

    /** Refuses {@code t}, the index of {@code what} of {@code op}, unless it names a tensor. */
    private void checkIndex(Operator op, String what, int t) throws ModelFormatException {
        if (t < 0 || t >= g.tensors.size()) {
            throw new ModelFormatException(op.describe() + ": " + what + " is tensor index " + t
                    + ", but the graph has " + g.tensors.size() + " tensors"
                    + (t < -1 ? " (only -1 marks an omitted optional input)" : ""));
        }
    }

    /**
     * Refuses {@code op} unless it has {@code required} to {@code max} inputs, the first
     * {@code required} present (not -1); {@code names} says what each input is. An absent
     * required input was looked up as tensor -1, and the error named neither operator nor input.
     */
    private static void checkInputs(Operator op, int required, int max, String... names)
            throws ModelFormatException {
        int n = op.inputs().length;
        String expected = "; expected " + required + (max > required ? " or " + max : "")
                + (max == 1 ? " input (" : " inputs (") + String.join(", ", names) + ")";
        for (int i = 0; i < required; i++) {
            if (op.input(i) < 0) { // below -1 is refused before the walk (checkIndex)
                throw new ModelFormatException(op.describe() + " lacks input " + i + " ("
                        + names[i] + "): " + (i < n
                                ? "its index is -1, the mark of an omitted optional input"
                                : "it has " + n + (n == 1 ? " input" : " inputs")) + expected);
            }
        }
        if (n > max) {
            throw new ModelFormatException(op.describe() + " has " + n + " inputs" + expected);
        }
    }

    private void use(Operator op) throws ModelFormatException {
        if (used[op.index()]) {
            throw notMobileNet(op.describe()
                    + " is reached twice: the graph has a cycle or a shared branch");
        }
        used[op.index()] = true;
    }

    private Operator soleConsumerOrNull(Tensor t) {
        List<Operator> c = consumers.get(t.index());
        return c.size() == 1 ? c.get(0) : null;
    }

    private Operator soleConsumer(Tensor t, String expected) throws ModelFormatException {
        List<Operator> c = consumers.get(t.index());
        if (c.size() != 1) {
            throw notMobileNet(t.describe() + " feeds " + c.size() + " operators; expected only "
                    + expected);
        }
        return c.get(0);
    }

    /** Skips QUANTIZE/DEQUANTIZE operators: in float they do not change values. */
    private Tensor follow(Tensor t) throws ModelFormatException {
        while (true) {
            Operator op = soleConsumerOrNull(t);
            if (op == null || (op.builtinCode() != BuiltinOperators.QUANTIZE
                    && op.builtinCode() != BuiltinOperators.DEQUANTIZE)) {
                return t;
            }
            use(op);
            t = sameShape(op, t);
        }
    }

    /**
     * The constant behind a layer's weights or bias: {@code t} itself, or the constant a DEQUANTIZE
     * turns into {@code t} (the TensorFlow Lite converter stores a float16 model's weights so).
     */
    private Tensor constant(Tensor t) throws ModelFormatException {
        Operator op = producers[t.index()];
        if (op == null || op.builtinCode() != BuiltinOperators.DEQUANTIZE) {
            return t;
        }
        // A second input was refused only as an operator off the chain, or the missing
        // constant as a weight without data; TensorFlow Lite takes exactly one
        checkInputs(op, 1, 1, "the constant");
        Tensor source = g.tensor(op.input(0));
        if (!Arrays.equals(source.shape(), t.shape())) {
            throw new ModelFormatException(op.describe() + " turns " + source.describe() + " into "
                    + t.describe() + "; the shapes should be equal");
        }
        use(op);
        return source;
    }

    /** The output of {@code op}, a SOFTMAX, QUANTIZE or DEQUANTIZE of {@code in}. */
    private Tensor sameShape(Operator op, Tensor in) throws ModelFormatException {
        readsAsData(op, in);
        checkInputs(op, 1, 1, "the data"); // TensorFlow Lite refuses more; they were ignored
        Tensor out = g.tensor(op.outputs()[0]);
        if (!Arrays.equals(in.shape(), out.shape())) {
            throw new ModelFormatException(op.describe() + " turns " + in.describe() + " into "
                    + out.describe() + "; the shapes should be equal");
        }
        return out;
    }

    /**
     * The output of the RESHAPE {@code op} of {@code in}. TensorFlow Lite takes the new shape
     * from the shape input when it is an int32 vector, otherwise from the options' new_shape
     * (none, or the legacy [0], meaning a scalar []); it resizes the output to the shape it
     * resolves, whatever the file declares, and the operators after it see that shape. We go
     * on with the declared one, so the two must agree.
     */
    private Tensor reshape(Operator op, Tensor in) throws ModelFormatException {
        readsAsData(op, in);
        // TensorFlow Lite refuses a third input; it was ignored
        checkInputs(op, 1, 2, "the data", "an optional shape");
        Tensor out = g.tensor(op.outputs()[0]);
        Tensor shape = op.input(1) >= 0 ? g.tensor(op.input(1)) : null;
        int[] newShape = op.options().newShape();
        // TensorFlow Lite refuses it when it reads the options, even if the shape input is taken
        if (newShape != null && newShape.length > MAX_NEW_SHAPE) {
            throw new ModelFormatException(op.describe() + ": its options' new_shape has "
                    + newShape.length + " sizes; TensorFlow Lite takes " + MAX_NEW_SHAPE
                    + " at most");
        }
        String taken;
        int[] sizes;
        if (shape != null && shape.type() == TfliteGraph.INT32 && shape.shape().length == 1) {
            taken = "its shape input " + shape.describe();
            // an empty vector (a scalar []) has no data to hold, constant or not
            if (shape.shape()[0] != 0
                    && (producers[shape.index()] != null || !g.hasData(shape))) {
                throw new ModelFormatException(op.describe() + ": " + taken
                        + " is not a constant; expected a constant int32 shape");
            }
            sizes = shape.shape()[0] == 0 ? new int[0] : constInts(shape, op);
            taken += " holds " + Arrays.toString(sizes);
        } else {
            // An int64 or 2-D shape input is not an error to TensorFlow Lite: it is ignored.
            taken = (shape == null ? "it has no shape input"
                    : "its shape input " + shape.describe() + " is not an int32 vector")
                    + ", so TensorFlow Lite takes ";
            if (newShape == null) {
                sizes = new int[0];
                taken += "a scalar [] (its options have no new_shape)";
            } else if (Arrays.equals(newShape, new int[] {0})) {
                sizes = new int[0];
                taken += "a scalar [] (its options' new_shape [0], by legacy convention)";
            } else {
                sizes = newShape;
                taken += "its options' new_shape " + Arrays.toString(newShape);
            }
        }
        checkResolvedShape(op, in, out, taken, sizes);
        use(op);
        return out;
    }

    /**
     * Refuses the RESHAPE {@code op} of {@code in} to {@code sizes} (as {@code taken}
     * describes where TensorFlow Lite takes them from) unless they resolve as TensorFlow Lite
     * resolves them (at most one -1, inferred, the others not negative, giving {@code in}'s
     * element count) to the shape its output {@code out} declares.
     */
    private void checkResolvedShape(Operator op, Tensor in, Tensor out, String taken, int[] sizes)
            throws ModelFormatException {
        long n = in.elements();
        long product = 1; // saturating: past n it can only come back to 0
        int inferred = -1;
        boolean valid = n >= 0;
        for (int i = 0; i < sizes.length; i++) {
            int d = sizes[i];
            if (d == -1) {
                valid &= inferred < 0;
                inferred = i;
            } else if (d < 0) {
                valid = false;
            } else {
                product = d == 0 ? 0 : product > Long.MAX_VALUE / d ? Long.MAX_VALUE : product * d;
            }
        }
        boolean fits = inferred < 0 ? product == n
                : product != 0 && n % product == 0 && n / product <= Integer.MAX_VALUE;
        if (!valid || !fits) {
            throw new ModelFormatException(op.describe() + ": " + taken
                    + ", which does not give the " + n + " elements of its data " + in.describe()
                    + "; expected sizes whose product is " + n
                    + ", one of them -1 at most (inferred)");
        }
        int[] resolved = sizes.clone();
        if (inferred >= 0) {
            resolved[inferred] = (int) (n / product);
        }
        requireDeclaredAs(resolved, out, op.describe() + ": " + taken
                + ", which TensorFlow Lite resolves to ");
    }

    /**
     * Refuses an operator's output {@code out} unless it is declared {@code sized}, the shape
     * TensorFlow Lite resizes it to whatever the file declares (and the one the next operators
     * see; we go on with the declared one). {@code how} begins the message: the operator and how
     * TensorFlow Lite comes to {@code sized}, which follows it.
     */
    private static void requireDeclaredAs(int[] sized, Tensor out, String how)
            throws ModelFormatException {
        if (!Arrays.equals(sized, out.shape())) {
            throw new ModelFormatException(how + Arrays.toString(sized) + ", but it declares its"
                    + " output " + out.describe() + "; expected the output declared "
                    + Arrays.toString(sized) + ", as TensorFlow Lite resizes it to that shape"
                    + " (the one the next operators see)");
        }
    }

    /**
     * The convolution consuming {@code in} (after an
     * optional PAD), checked for kind, kernel and options.
     */
    private Conv conv(Tensor in, int code, int kernel, String role) throws ModelFormatException {
        return conv(in, soleConsumer(in, role), code, kernel, role);
    }

    /**
     * As {@link #conv(Tensor, int, int, String)}, starting
     * from {@code op}, a known consumer of {@code in}.
     */
    private Conv conv(Tensor in, Operator op, int code, int kernel, String role)
            throws ModelFormatException {
        int[] explicitPad = null;
        Tensor convIn = in;
        if (op.builtinCode() == BuiltinOperators.PAD) {
            // A third input would be PADV2's constant value: padding with other than zeros.
            readsAsData(op, in);
            checkInputs(op, 2, 2, "the data", "the paddings");
            int[] p = constInts(g.tensor(op.input(1)), op);
            if (p.length != 8 || p[0] != 0 || p[1] != 0 || p[6] != 0 || p[7] != 0) {
                throw notMobileNet(op.describe() + " pads " + Arrays.toString(p)
                        + "; only height and width padding fits MobileNetV2");
            }
            explicitPad = new int[] {p[2], p[3], p[4], p[5]};
            use(op);
            convIn = g.tensor(op.outputs()[0]);
            checkPadShape(op, in, p, convIn);
            op = soleConsumer(convIn, role);
        }
        if (op.builtinCode() != code) {
            throw notMobileNet("expected " + role + " (" + BuiltinOperators.name(code) + ") after "
                    + in.describe() + ", found " + op.describe());
        }
        readsAsData(op, convIn);
        checkInputs(op, 2, 3, "the data", "the filter", "an optional bias");
        Tensor filter = constant(g.tensor(op.input(1)));
        int[] fs = filter.shape();
        int[] is = convIn.shape();
        if (fs.length != 4 || fs[1] != kernel || fs[2] != kernel || is.length != 4) {
            throw notMobileNet(role + " (" + op.describe() + ") has filter " + filter.describe()
                    + " on input " + convIn.describe() + "; expected a " + kernel + "x" + kernel
                    + " filter on a 4-D input");
        }
        if (code == BuiltinOperators.DEPTHWISE_CONV_2D && (fs[0] != 1 || fs[3] != is[3])) {
            throw notMobileNet(role + " (" + op.describe() + ") has filter " + filter.describe()
                    + " for input " + convIn.describe() + "; expected depth multiplier 1");
        }
        requireOptions(op, "strides 0 and no padding, and computes an empty output map");
        // 0 is the schema's default (the field left out), which TensorFlow Lite's kernels accept:
        // they ignore the field since 2.1 and take the multiplier from the shapes.
        int multiplier = op.options().depthMultiplier();
        if (code == BuiltinOperators.DEPTHWISE_CONV_2D && (multiplier < 0 || multiplier > 1)) {
            throw notMobileNet(role + " (" + op.describe() + ") has depth multiplier " + multiplier
                    + "; expected 1 (or 0, unset)");
        }
        if (code == BuiltinOperators.CONV_2D && fs[3] != is[3]) {
            throw new ModelFormatException(op.describe() + ": filter " + filter.describe()
                    + " expects " + fs[3] + " input channels but the input " + convIn.describe()
                    + " has " + is[3]);
        }
        TfliteGraph.Options o = op.options();
        if (o.strideW() != o.strideH() || o.strideW() < 1 || o.strideW() > 2) {
            throw notMobileNet(op.describe() + " has strides " + o.strideH() + "x" + o.strideW()
                    + "; expected 1x1 or 2x2");
        }
        if (o.dilationW() != 1 || o.dilationH() != 1) {
            throw notMobileNet(op.describe() + " is dilated; MobileNetV2 has no dilation");
        }
        int stride = o.strideW();
        Set<Padding> paddings = EnumSet.noneOf(Padding.class);
        if (kernel == 1) {
            if (explicitPad != null || stride != 1) {
                throw notMobileNet(op.describe()
                        + ": a 1x1 convolution should have stride 1 and no padding");
            }
            // Both pad nothing around a 1x1 filter. The plan keeps the map of any other
            // padding too, where TensorFlow Lite sizes it 0x0 and computes nothing.
            if (o.padding() != TfliteGraph.PAD_SAME && o.padding() != TfliteGraph.PAD_VALID) {
                throw new ModelFormatException(op.describe() + " has padding "
                        + paddingName(o.padding()) + ", neither SAME nor VALID, and TensorFlow"
                        + " Lite sizes its output map 0x0; expected SAME or VALID");
            }
            paddings = EnumSet.allOf(Padding.class);
        } else if (explicitPad == null) {
            if (o.padding() != TfliteGraph.PAD_SAME) {
                throw notMobileNet(op.describe()
                        + " uses VALID padding without a PAD, which shrinks the map");
            }
            paddings.add(Padding.TF_SAME);
        } else {
            if (o.padding() != TfliteGraph.PAD_VALID) {
                throw notMobileNet(op.describe() + " pads twice (a PAD and SAME padding)");
            }
            int h = in.shape()[1], w = in.shape()[2]; // at least 1x1 (checkPadShape)
            for (Padding p : Padding.values()) {
                // Same zeros before the image, and the same
                // output size (extra zeros after are unused).
                if (explicitPad[0] == p.before(h, stride) && explicitPad[2] == p.before(w, stride)
                        && (h + explicitPad[0] + explicitPad[1] - 3) / stride + 1
                                == p.outputSize(h, stride)
                        && (w + explicitPad[2] + explicitPad[3] - 3) / stride + 1
                                == p.outputSize(w, stride)) {
                    paddings.add(p);
                }
            }
            if (paddings.isEmpty()) {
                throw notMobileNet("the PAD before " + op.describe() + " pads "
                        + Arrays.toString(explicitPad)
                        + " (top, bottom, left, right), which is neither TensorFlow SAME nor"
                        + " symmetric");
            }
        }
        int b = op.input(2);
        use(op);
        return new Conv(op, convIn, filter, b < 0 ? null : constant(g.tensor(b)),
                g.tensor(op.outputs()[0]), stride, kernel, paddings);
    }

    /**
     * Refuses {@code op}, a consumer of {@code t} on the chain, unless it reads {@code t} as its
     * input 0, the data: a CONV_2D on a constant image, the graph input its fourth input,
     * loaded as a convolution of the graph input.
     */
    private static void readsAsData(Operator op, Tensor t) throws ModelFormatException {
        if (op.input(0) != t.index()) {
            int slot = 1;
            while (slot < op.inputs().length - 1 && op.inputs()[slot] != t.index()) {
                slot++;
            }
            throw notMobileNet(op.describe() + " reads " + t.describe() + " as input " + slot
                    + "; expected it as input 0, the data");
        }
    }

    /**
     * Refuses a PAD whose declared output shape is not its input's shape plus the paddings.
     * The plan derives the padded size itself, so a wrong declaration would load unnoticed.
     */
    private static void checkPadShape(Operator pad, Tensor in, int[] paddings, Tensor out)
            throws ModelFormatException {
        int[] is = in.shape();
        if (is.length != 4 || is[1] < 1 || is[2] < 1) {
            // read as [1, h, w, c]: an ArrayIndexOutOfBounds or Padding's
            // IllegalArgumentException escaped the import
            throw notMobileNet(pad.describe() + " pads " + in.describe()
                    + "; expected a 4-D input [1, height, width, channels] of at least 1x1");
        }
        long[] expected = new long[4]; // long: a damaged dimension plus paddings may overflow
        boolean equal = out.shape().length == 4;
        for (int i = 0; i < 4; i++) {
            expected[i] = (long) is[i] + paddings[2 * i] + paddings[2 * i + 1];
            equal = equal && out.shape()[i] == expected[i];
        }
        if (!equal) {
            throw new ModelFormatException(pad.describe() + " pads " + in.describe() + " by "
                    + Arrays.toString(paddings) + " into " + out.describe() + "; expected "
                    + Arrays.toString(expected) + " (the input's shape plus the paddings)");
        }
    }

    /**
     * Refuses a MEAN (over height and width) whose output is declared other than TensorFlow Lite
     * sizes it: [batch, 1, 1, channels] with keep_dims, else [batch, channels] (also when it has
     * no options, as TensorFlow Lite then takes keep_dims false). The next operators see that
     * shape, not the declared one: a CONV_2D classifier refuses a 2-D input.
     */
    private static void checkMeanShape(Operator mean, Tensor in, Tensor out)
            throws ModelFormatException {
        int[] is = in.shape();
        TfliteGraph.Options o = mean.options();
        int[] sized = o.keepDims() ? new int[] {is[0], 1, 1, is[3]} : new int[] {is[0], is[3]};
        String taken = o.missing() == null ? " with keep_dims " + o.keepDims() + " averages "
                : ": " + o.missing() + ", so TensorFlow Lite takes keep_dims false and averages ";
        requireDeclaredAs(sized, out, mean.describe() + taken + in.describe() + " into ");
    }

    /**
     * Refuses a FULLY_CONNECTED of {@code in} by {@code filter} ([units, features]) whose output
     * {@code out} is declared other than TensorFlow Lite sizes it: with keep_num_dims, {@code
     * in}'s shape with its last size (which must be the features) made the units; else [batch,
     * units], batch being {@code in}'s elements over the features (also without options, as
     * TensorFlow Lite then takes keep_num_dims false). The next operators see that shape: an
     * output declared [1, 1, 1, classes] without keep_num_dims loaded.
     */
    private static void checkFullyConnectedShape(Operator fc, Tensor in, Tensor filter,
                                                 Tensor out) throws ModelFormatException {
        int[] is = in.shape();
        int units = filter.shape()[0], features = filter.shape()[1];
        TfliteGraph.Options o = fc.options();
        String taken = (o.missing() == null ? " with keep_num_dims " + o.keepDims()
                : ": " + o.missing() + ", so TensorFlow Lite takes keep_num_dims false and")
                + " multiplies " + in.describe() + " by its weights " + filter.describe();
        int[] sized;
        if (o.keepDims()) {
            if (is.length == 0 || is[is.length - 1] != features) {
                throw new ModelFormatException(fc.describe() + taken + "; with keep_num_dims"
                        + " TensorFlow Lite requires the data's last size to be the weights' "
                        + features + " features (their second size)");
            }
            sized = is.clone();
            sized[is.length - 1] = units;
        } else {
            long n = in.elements();
            if (features <= 0 || n < 0 || n % features != 0
                    || n / features > Integer.MAX_VALUE) {
                // Weights whose features are not the data's, refused against the plan (whose
                // features are the data's element count).
                return;
            }
            sized = new int[] {(int) (n / features), units};
        }
        requireDeclaredAs(sized, out, fc.describe() + taken + " into ");
    }

    /**
     * Refuses an AVERAGE_POOL_2D of {@code in} whose output is declared other than TensorFlow
     * Lite sizes it: [batch, height, width, channels], the batch and channels {@code in}'s, the
     * height and width as its windows, strides and padding give them ({@link #windowedSize}):
     * [1, 1, 1, C] for the global pools the walk accepts. Only the element count was checked:
     * [1, C] or [1, 1, C, 1] loaded, while the next operators see TensorFlow Lite's shape.
     */
    private static void checkAveragePoolShape(Operator pool, Tensor in, Tensor out)
            throws ModelFormatException {
        int[] is = in.shape(); // 4-D, as TensorFlow Lite requires (checked by the walk)
        TfliteGraph.Options o = pool.options();
        int[] sized = {is[0], windowedSize(o.padding(), is[1], o.filterH(), o.strideH()),
                windowedSize(o.padding(), is[2], o.filterW(), o.strideW()), is[3]};
        requireDeclaredAs(sized, out, pool.describe() + " with " + o.filterH() + "x"
                + o.filterW() + " windows, strides " + o.strideH() + "x" + o.strideW()
                + " and padding " + paddingName(o.padding()) + " pools " + in.describe()
                + " into ");
    }

    /**
     * Refuses the CONV_2D {@code c} when its output is declared other than TensorFlow Lite
     * sizes it: [batch, height, width, filters], the batch {@code c}'s input's, the height and
     * width as its filter, stride and padding give the input's ({@link #windowedSize}), the
     * filters the filter's first size: [1, 1, 1, classes] for a classifier on the pooled map.
     * {@link #compare} checks the other convolutions' outputs against the plan, which sizes
     * them so (with the SAME or VALID padding the walk requires); the classifier's output
     * is not in the plan (its logits are a vector), and any declared shape of as many elements
     * loaded: [1, classes] or [1, 1, classes, 1].
     */
    private static void checkConvShape(Conv c) throws ModelFormatException {
        int[] is = c.input().shape(), fs = c.filter().shape(); // both 4-D (conv())
        TfliteGraph.Options o = c.op().options();
        int[] sized = {is[0], windowedSize(o.padding(), is[1], fs[1], o.strideH()),
                windowedSize(o.padding(), is[2], fs[2], o.strideW()), fs[0]};
        requireDeclaredAs(sized, c.output(), c.op().describe() + " with strides " + o.strideH()
                + "x" + o.strideW() + " and padding " + paddingName(o.padding()) + " convolves "
                + c.input().describe() + " by its filter " + c.filter().describe() + " into ");
    }

    /**
     * The height or width TensorFlow Lite gives the output map of a convolution or pool
     * (ComputeOutSize, without dilation): ceil(size / stride) with SAME padding, (size +
     * stride - filter) / stride rounded toward zero with VALID, 0 with any other padding
     * (unknown to it). {@code stride} is at least 1; long, as a damaged size plus the stride
     * passes int range.
     */
    private static int windowedSize(int padding, int size, int filter, int stride) {
        long s = stride;
        return padding == TfliteGraph.PAD_SAME ? (int) ((size + s - 1) / s)
                : padding == TfliteGraph.PAD_VALID ? (int) ((size + s - filter) / s) : 0;
    }

    /**
     * Refuses {@code op} when it has no options of its expected union type, where TensorFlow
     * Lite's zeroed defaults for that case give no classification (zero strides) or one we do
     * not compute (softmax beta 0): {@code what} says what TensorFlow Lite then does. A
     * FULLY_CONNECTED, ADD or MEAN without options imports, as TensorFlow Lite runs it: with no
     * fused activation, keep_dims false ({@link #checkMeanShape}).
     */
    private static void requireOptions(Operator op, String what) throws ModelFormatException {
        String missing = op.options().missing();
        if (missing != null) {
            throw new ModelFormatException(op.describe() + ": " + missing + "; without them"
                    + " TensorFlow Lite takes " + what);
        }
    }

    private void checkActivation(Operator op, int expected) throws ModelFormatException {
        int a = op.options().activation();
        if (a != expected) {
            throw notMobileNet(op.describe() + " has fused activation " + activationName(a)
                    + "; expected " + activationName(expected));
        }
    }

    private static String paddingName(int p) {
        return p == TfliteGraph.PAD_SAME ? "SAME" : p == TfliteGraph.PAD_VALID ? "VALID" : "" + p;
    }

    private static String activationName(int a) {
        switch (a) {
            case 0: return "NONE";
            case 1: return "RELU";
            case 2: return "RELU_N1_TO_1";
            case 3: return "RELU6";
            case 4: return "TANH";
            default: return "activation " + a;
        }
    }

    /**
     * The values of {@code t}, a constant input of {@code op}: int32, or for a PAD int64 too
     * (TensorFlow Lite's PAD takes either; int64 paddings were refused).
     */
    private int[] constInts(Tensor t, Operator op) throws ModelFormatException {
        boolean int64 = t.type() == TfliteGraph.INT64 && op.builtinCode() == BuiltinOperators.PAD;
        if (t.type() != TfliteGraph.INT32 && !int64) {
            throw new ModelFormatException(op.describe() + " expects constant int32 "
                    + (op.builtinCode() == BuiltinOperators.PAD ? "or int64 " : "")
                    + t.describe());
        }
        ByteBuffer b = g.data(t);
        int[] a = new int[(int) t.elements()];
        for (int i = 0; i < a.length; i++) {
            long v = int64 ? b.getLong(8 * i) : b.getInt(4 * i);
            if (v != (int) v) { // its low 32 bits could pass for a padding
                throw new ModelFormatException(op.describe() + ": element " + i + " of its input "
                        + t.describe() + " is " + v + ", past int range");
            }
            a[i] = (int) v;
        }
        return a;
    }

    private static ModelFormatException notMobileNet(String why) {
        return new ModelFormatException("not a MobileNetV2 graph: " + why);
    }

    // ---- shape check against the plan ----------------------------------------------------------

    /** The first difference between the plan and the graph, or {@code null} when they agree. */
    private static String compare(ExecutionPlan plan, Conv stem, List<Block> blocks, Conv last,
            Conv classifier) {
        List<Step> steps = plan.steps();
        List<Step> bottlenecks =
                steps.stream().filter(st -> st.kind() == Step.Kind.BOTTLENECK).toList();
        if (bottlenecks.size() != blocks.size()) {
            return "the graph has " + blocks.size() + " inverted residual blocks; MobileNetV2 has "
                    + bottlenecks.size();
        }
        Step st = steps.get(0);
        String m = check(stem.filter(), new int[] {st.outChannels(), 3, 3, 3}, "stem filter");
        m = m != null ? m : checkStride(stem, st.stride(), "stem");
        m = m != null ? m : check(stem.output(),
                new int[] {1, st.outHeight(), st.outWidth(), st.outChannels()}, "stem output");
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
                m = check(b.expand().filter(), new int[] {ce, 1, 1, st.inChannels()},
                        name + " expand filter");
                m = m != null ? m : check(b.expand().output(),
                        new int[] {1, st.inHeight(), st.inWidth(), ce}, name + " expand output");
            }
            m = m != null ? m : check(b.depthwise().filter(), new int[] {1, 3, 3, ce},
                    name + " depthwise filter");
            m = m != null ? m : checkStride(b.depthwise(), st.stride(), name + " depthwise");
            m = m != null ? m : check(b.depthwise().output(),
                    new int[] {1, st.outHeight(), st.outWidth(), ce}, name + " depthwise output");
            m = m != null ? m : check(b.project().filter(), new int[] {st.outChannels(), 1, 1, ce},
                    name + " project filter");
            // The projection's output separately: with a residual ADD, b.output() is the sum's.
            m = m != null ? m : check(b.project().output(),
                    new int[] {1, st.outHeight(), st.outWidth(), st.outChannels()},
                    name + " project output");
            m = m != null ? m : check(b.output(),
                    new int[] {1, st.outHeight(), st.outWidth(), st.outChannels()},
                    name + " output");
            if (m == null && st.hasResidual() != (b.add() != null)) {
                return name + (st.hasResidual() ? " lacks" : " has") + " a residual connection";
            }
        }
        if (m != null) {
            return m;
        }
        st = steps.stream().filter(x -> x.kind() == Step.Kind.CONV1X1).findFirst().orElseThrow();
        m = check(last.filter(), new int[] {st.outChannels(), 1, 1, st.inChannels()},
                "last 1x1 filter");
        m = m != null ? m : check(last.output(),
                new int[] {1, st.outHeight(), st.outWidth(), st.outChannels()}, "last 1x1 output");
        if (m == null) {
            // Its output, which the plan does not shape, is checked as TensorFlow Lite sizes
            // it by the walk (checkConvShape, checkFullyConnectedShape).
            Step fc = steps.get(steps.size() - 1);
            int[] fs = classifier.filter().shape();
            int[] expected = fs.length == 2 ? new int[] {fc.outChannels(), fc.inChannels()}
                    : new int[] {fc.outChannels(), 1, 1, fc.inChannels()};
            m = check(classifier.filter(), expected, "classifier weights");
        }
        return m;
    }

    private static String check(Tensor t, int[] expected, String what) {
        return Arrays.equals(t.shape(), expected) ? null
                : what + " " + t.describe() + " should have shape " + Arrays.toString(expected);
    }

    private static String checkStride(Conv c, int expected, String what) {
        return c.stride() == expected ? null
                : what + " (" + c.op().describe() + ") has stride " + c.stride() + "; expected "
                + expected;
    }

    // ---- weights ------------------------------------------------------------------------------

    private Weights loadWeights(ModelConfig config, ExecutionPlan plan, Conv stem,
                                List<Block> blocks, Conv last, Conv classifier)
            throws ModelFormatException {
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
        convs.add(classifier);
        List<Layer> layers = plan.layers();
        if (layers.size() != convs.size()) {
            throw new IllegalStateException(layers.size() + " plan layers but " + convs.size()
                    + " convolutions");
        }
        for (Layer l : layers) {
            Conv c = convs.get(l.index());
            float[] raw = Dequantizer.weights(g, c.filter());
            float[] kernel = new float[l.kernelLength()];
            int cin = l.inChannels(), cout = l.outChannels();
            switch (l.kind()) {
                case CONV3X3:
                    // OHWI [cout][3][3][cin] -> HWIO [3][3][cin][cout]
                    for (int co = 0; co < cout; co++) {
                        for (int k = 0; k < 9; k++) {
                            for (int ci = 0; ci < cin; ci++) {
                                kernel[(k * cin + ci) * cout + co] = raw[(co * 9 + k) * cin + ci];
                            }
                        }
                    }
                    break;
                case DEPTHWISE:
                    // [1][3][3][c] is already our [3][3][c]
                    System.arraycopy(raw, 0, kernel, 0, kernel.length);
                    break;
                default:
                    // [cout][1][1][cin] or FC [cout][cin] -> [cin][cout]
                    for (int co = 0; co < cout; co++) {
                        for (int ci = 0; ci < cin; ci++) {
                            kernel[ci * cout + co] = raw[co * cin + ci];
                        }
                    }
            }
            float[] bias = c.bias() == null ? new float[cout]
                    : Dequantizer.bias(g, c.bias(), c.input(), c.filter(), cout, c.op());
            try {
                w.set(l.index(), kernel, bias);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(c.op().describe() + ": " + e.getMessage(), e);
            }
        }
        return w;
    }
}
