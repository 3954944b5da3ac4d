package dev.mobilenetsimd.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Layer;
import dev.mobilenetsimd.plan.Step;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;

/**
 * Writes small TensorFlow Lite flatbuffers for tests with {@link FlatBufferBuilder}: arbitrary
 * graphs (tensors, constant buffers, operators with builtin options), and whole float32
 * MobileNetV2 models exported from {@link Weights}, with switches for the variants the importer
 * must handle and the defects it must reject.
 */
final class TfliteWriter {
    private record T(String name, int type, int[] shape, int buffer) {}

    private record Op(int code, String custom, int[] in, int[] out, int optionsType,
                      ToIntFunction<FlatBufferBuilder> options) {}

    private final List<T> tensors = new ArrayList<>();
    private final List<byte[]> buffers = new ArrayList<>(List.of(new byte[0]));
    private final List<Op> ops = new ArrayList<>();
    /** Whether {@link #weights} stores float16 constants behind DEQUANTIZE operators. */
    private boolean float16;
    /** Shapes {@link #finish} writes instead of a tensor's own, by tensor name. */
    private Map<String, int[]> shapes = Map.of();
    /** The tensor {@link #finish} gives (empty) sparsity parameters, by name; null: none. */
    private String sparse;
    /** Rewrites {@link #finish} applies to operators' inputs, by their output tensor's name. */
    private Map<String, UnaryOperator<int[]>> inputs = Map.of();
    /** Union types {@link #finish} writes instead of an operator's own, by builtin code. */
    private Map<Integer, Integer> optionsTypes = Map.of();
    /**
     * Whether {@link #finish} writes an operator's options table, by builtin code; by default
     * when its union type is not 0. False: the union type alone; true with union type 0: the
     * table alone.
     */
    private Map<Integer, Boolean> optionsTables = Map.of();

    /** A tensor without data (an activation). */
    int tensor(String name, int type, int... shape) {
        tensors.add(new T(name, type, shape, 0));
        return tensors.size() - 1;
    }

    /** A constant float32 tensor. */
    int floats(String name, float[] values, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return constant(name, TfliteGraph.FLOAT32, b.array(), shape);
    }

    /** A constant int32 tensor. */
    int ints(String name, int[] values, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return constant(name, TfliteGraph.INT32, b.array(), shape);
    }

    /**
     * A layer's weights or bias: a float32 constant, or (float16 models, as the TensorFlow Lite
     * converter writes them) a float16 constant that a DEQUANTIZE turns into float32.
     */
    int weights(String name, float[] values, int... shape) {
        if (!float16) {
            return floats(name, values, shape);
        }
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(half(v));
        }
        int c = constant(name + "/fp16", TfliteGraph.FLOAT16, b.array(), shape);
        int out = tensor(name, TfliteGraph.FLOAT32, shape);
        op(BuiltinOperators.DEQUANTIZE, new int[] {c}, out);
        return out;
    }

    /** {@code v} as IEEE binary16, the mantissa truncated (normal range only; tests' weights). */
    static short half(float v) {
        int bits = Float.floatToIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
        if (exp <= 0) {
            return (short) sign; // too small: zero
        }
        if (exp >= 31) {
            throw new IllegalArgumentException(v + " does not fit a float16");
        }
        return (short) (sign | exp << 10 | (bits & 0x7FFFFF) >>> 13);
    }

    int constant(String name, int type, byte[] data, int... shape) {
        buffers.add(data);
        tensors.add(new T(name, type, shape, buffers.size() - 1));
        return tensors.size() - 1;
    }

    void op(int code, int[] in, int out) {
        ops.add(new Op(code, null, in, new int[] {out}, 0, null));
    }

    void op(int code, int[] in, int out, int optionsType,
            ToIntFunction<FlatBufferBuilder> options) {
        ops.add(new Op(code, null, in, new int[] {out}, optionsType, options));
    }

    void custom(String name, int[] in, int out) {
        ops.add(new Op(BuiltinOperators.CUSTOM, name, in, new int[] {out}, 0, null));
    }

    static ToIntFunction<FlatBufferBuilder> convOptions(int padding, int stride, int act) {
        return fb -> {
            fb.startTable(7);
            fb.addByte(0, (byte) padding, 0);
            fb.addInt(1, stride, 0);
            fb.addInt(2, stride, 0);
            fb.addByte(3, (byte) act, 0);
            return fb.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> depthwiseOptions(int padding, int stride, int act) {
        return depthwiseOptions(padding, stride, act, 1);
    }

    static ToIntFunction<FlatBufferBuilder> depthwiseOptions(int padding, int stride, int act,
                                                             int multiplier) {
        return fb -> {
            fb.startTable(7);
            fb.addByte(0, (byte) padding, 0);
            fb.addInt(1, stride, 0);
            fb.addInt(2, stride, 0);
            fb.addInt(3, multiplier, 0);
            fb.addByte(4, (byte) act, 0);
            return fb.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> actOptions(int act) {
        return fb -> {
            fb.startTable(1);
            fb.addByte(0, (byte) act, 0);
            return fb.endTable();
        };
    }

    /** FullyConnectedOptions (union type 8): the fused activation and keep_num_dims. */
    static ToIntFunction<FlatBufferBuilder> fullyConnectedOptions(int act, boolean keepNumDims) {
        return fb -> {
            fb.startTable(3);
            fb.addByte(0, (byte) act, 0);
            fb.addBoolean(2, keepNumDims, false); // field 1 is weights_format
            return fb.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> softmaxOptions(float beta) {
        return fb -> {
            fb.startTable(1);
            fb.addFloat(0, beta, 0);
            return fb.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> poolOptions(int filter) {
        return poolOptions(filter, 1, TfliteGraph.PAD_VALID);
    }

    static ToIntFunction<FlatBufferBuilder> poolOptions(int filter, int stride, int padding) {
        return poolOptions(filter, filter, stride, stride, padding);
    }

    /** Pool2DOptions: padding, stride_w, stride_h, filter_width, filter_height. */
    static ToIntFunction<FlatBufferBuilder> poolOptions(int filterH, int filterW, int strideH,
                                                        int strideW, int padding) {
        return fb -> {
            fb.startTable(6);
            fb.addByte(0, (byte) padding, 0);
            fb.addInt(1, strideW, 0);
            fb.addInt(2, strideH, 0);
            fb.addInt(3, filterW, 0);
            fb.addInt(4, filterH, 0);
            return fb.endTable();
        };
    }

    /** ReshapeOptions (union type 17) with {@code newShape}. */
    static ToIntFunction<FlatBufferBuilder> reshapeOptions(int[] newShape) {
        return fb -> {
            int v = intVector(fb, newShape);
            fb.startTable(1);
            fb.addOffset(0, v, 0);
            return fb.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> keepDims(boolean keep) {
        return fb -> {
            fb.startTable(1);
            fb.addBoolean(0, keep, false);
            return fb.endTable();
        };
    }

    /** The finished flatbuffer with graph input {@code input} and output {@code output}. */
    byte[] finish(int input, int output) {
        FlatBufferBuilder fb = new FlatBufferBuilder(1024);
        List<Integer> codes = new ArrayList<>();
        List<String> customs = new ArrayList<>();
        int[] opcodeIndex = new int[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            int k = -1;
            for (int j = 0; j < codes.size(); j++) {
                if (codes.get(j) == op.code()
                        && java.util.Objects.equals(customs.get(j), op.custom())) {
                    k = j;
                }
            }
            if (k < 0) {
                codes.add(op.code());
                customs.add(op.custom());
                k = codes.size() - 1;
            }
            opcodeIndex[i] = k;
        }
        int[] codeOffsets = new int[codes.size()];
        for (int j = 0; j < codes.size(); j++) {
            int name = customs.get(j) == null ? 0 : fb.createString(customs.get(j));
            fb.startTable(4);
            fb.addByte(0, (byte) Math.min(codes.get(j), 127), 0);
            if (name != 0) {
                fb.addOffset(1, name, 0);
            }
            fb.addInt(2, 1, 1);
            fb.addInt(3, codes.get(j), 0);
            codeOffsets[j] = fb.endTable();
        }
        int[] bufferOffsets = new int[buffers.size()];
        for (int b = 0; b < buffers.size(); b++) {
            int data = buffers.get(b).length == 0 ? 0 : fb.createByteVector(buffers.get(b));
            fb.startTable(3);
            if (data != 0) {
                fb.addOffset(0, data, 0);
            }
            bufferOffsets[b] = fb.endTable();
        }
        int[] tensorOffsets = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            T t = tensors.get(i);
            int shape = intVector(fb, shapes.getOrDefault(t.name(), t.shape()));
            int name = fb.createString(t.name());
            int sparsity = 0;
            if (t.name().equals(sparse)) {
                fb.startTable(3);
                sparsity = fb.endTable();
            }
            fb.startTable(7);
            fb.addOffset(0, shape, 0);
            fb.addByte(1, (byte) t.type(), 0);
            fb.addInt(2, t.buffer(), 0);
            fb.addOffset(3, name, 0);
            if (sparsity != 0) {
                fb.addOffset(6, sparsity, 0);
            }
            tensorOffsets[i] = fb.endTable();
        }
        int[] opOffsets = new int[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            int in = intVector(fb, inputs.getOrDefault(tensors.get(op.out()[0]).name(),
                    UnaryOperator.identity()).apply(op.in().clone()));
            int out = intVector(fb, op.out());
            int type = optionsTypes.getOrDefault(op.code(), op.optionsType());
            boolean table = op.options() != null
                    && optionsTables.getOrDefault(op.code(), type != 0);
            int options = table ? op.options().applyAsInt(fb) : 0;
            fb.startTable(5);
            fb.addInt(0, opcodeIndex[i], 0);
            fb.addOffset(1, in, 0);
            fb.addOffset(2, out, 0);
            if (op.options() != null) { // each written or not as the type and table say
                fb.addByte(3, (byte) type, 0);
            }
            if (table) {
                fb.addOffset(4, options, 0);
            }
            opOffsets[i] = fb.endTable();
        }
        int tensorVec = tableVector(fb, tensorOffsets);
        int opVec = tableVector(fb, opOffsets);
        int inputs = intVector(fb, new int[] {input});
        int outputs = intVector(fb, new int[] {output});
        fb.startTable(5);
        fb.addOffset(0, tensorVec, 0);
        fb.addOffset(1, inputs, 0);
        fb.addOffset(2, outputs, 0);
        fb.addOffset(3, opVec, 0);
        int subgraph = fb.endTable();
        int codeVec = tableVector(fb, codeOffsets);
        int sgVec = tableVector(fb, new int[] {subgraph});
        int desc = fb.createString("written by TfliteWriter");
        int bufVec = tableVector(fb, bufferOffsets);
        fb.startTable(5);
        fb.addInt(0, 3, 0);
        fb.addOffset(1, codeVec, 0);
        fb.addOffset(2, sgVec, 0);
        fb.addOffset(3, desc, 0);
        fb.addOffset(4, bufVec, 0);
        int model = fb.endTable();
        fb.finish(model, TfliteReader.IDENTIFIER);
        return fb.sizedByteArray();
    }

    private static int intVector(FlatBufferBuilder fb, int[] v) {
        fb.startVector(4, v.length, 4);
        for (int i = v.length - 1; i >= 0; i--) {
            fb.addInt(v[i]);
        }
        return fb.endVector();
    }

    private static int tableVector(FlatBufferBuilder fb, int[] offsets) {
        fb.startVector(4, offsets.length, 4);
        for (int i = offsets.length - 1; i >= 0; i--) {
            fb.addOffset(offsets[i]);
        }
        return fb.endVector();
    }

    // ---- whole MobileNetV2 models -------------------------------------------------------------

    /** Variants and defects of an exported MobileNetV2. */
    static final class Variant {
        boolean fullyConnected;      // FULLY_CONNECTED classifier instead of a 1x1 CONV_2D
        boolean mean;                // MEAN instead of AVERAGE_POOL_2D
        boolean meanKeepDims = true; // its keep_dims; false: its output declared [1, channels]
        int[] meanAxes = {1, 2};     // its axes (two)
        boolean explicitPad;         // PAD + VALID for 3x3 layers (implies the config's padding)
        int projectActivation = TfliteGraph.ACT_NONE;   // defect when RELU6
        // defect: block output tensor with +8 channels
        int wrongChannelsInBlock = -1;
        boolean dropResidual;        // defect: the first residual ADD is skipped
        boolean float16;             // weights and biases float16, each behind a DEQUANTIZE
        boolean swapWidthPads;       // defect with explicitPad: columns padded (after, before)
        Integer stemBias;            // when set, the stem's bias input index (-1: none)
        boolean stemReadsConstant;   // defect: the stem convolves a constant image (input 0),
                                     // the graph input given as a fourth input
        int depthMultiplier = 1;     // of every DEPTHWISE_CONV_2D
        int poolStride = 1;          // of the AVERAGE_POOL_2D
        int poolStrideHeight;        // when not 0, its stride_h instead (poolStride stride_w)
        int poolFilterWidth;         // when not 0, its filter_width instead of the map's width
        int poolPadding = TfliteGraph.PAD_VALID;
        Map<String, int[]> shapes = new HashMap<>(); // defect: tensor name -> shape written
        String sparse;               // this tensor gets sparsity parameters (not supported)
        boolean int64Paddings;       // with explicitPad: the PADs' paddings as int64
        long int64PaddingsHigh;      // added to each int64 padding (defect when not 0)
        // defect: the operator writing this tensor (by name) gets these inputs, from its own
        Map<String, UnaryOperator<int[]>> inputs = new HashMap<>();
        boolean quantizeOutput;      // a QUANTIZE after the SOFTMAX, to uint8 "output"
        float softmaxBeta = 1f;      // the SOFTMAX's beta
        int[] reshapeTo;             // when set, the classifier's RESHAPE shape input
        boolean reshapeToNoData;     // defect: that shape input an int32 tensor without data
        int reshapeToType = TfliteGraph.INT32;  // the shape input's type (int32 or int64)
        int[] reshapeToDims;         // when set, the shape input's declared shape (else 1-D)
        int[] reshapeNewShape;       // when set, the RESHAPE's options carry this new_shape
        int reshapeOptionsType = 17; // the union type of those options (17: ReshapeOptions)
        // by builtin code: the union type every such operator's options are written with
        // instead of their own (a defect when another); 0: the operator has no options at all
        Map<Integer, Integer> optionsTypes = new HashMap<>();
        // by builtin code: whether such operators' options tables are written (default: when
        // their union type is not 0); false writes the union type alone, true with union type
        // 0 the table alone (defects TensorFlow Lite reads as no options)
        Map<Integer, Boolean> optionsTables = new HashMap<>();
        boolean fcFlatten = true;    // a RESHAPE of the pool to [1, features] before the
                                     // FULLY_CONNECTED; false: it reads the pool's output
        boolean fcKeepNumDims;       // the FULLY_CONNECTED's keep_num_dims; its output is
                                     // declared as TensorFlow Lite sizes it
        int classifierPadding = TfliteGraph.PAD_SAME; // of a CONV_2D classifier
        int pointwisePadding = TfliteGraph.PAD_SAME;  // of the expansions, projections and the
                                                      // last 1x1 CONV_2D
    }

    /** {@code weights} as a float32 TensorFlow Lite MobileNetV2 graph. */
    static byte[] mobileNet(Weights weights, Variant v) {
        ModelConfig cfg = weights.config();
        ExecutionPlan plan = ExecutionPlan.build(cfg);
        TfliteWriter w = new TfliteWriter();
        w.float16 = v.float16;
        w.shapes = v.shapes;
        w.sparse = v.sparse;
        w.inputs = v.inputs;
        w.optionsTypes = v.optionsTypes;
        w.optionsTables = v.optionsTables;
        int r = cfg.resolution();
        int input = w.tensor("input", TfliteGraph.FLOAT32, 1, r, r, 3);
        int cur = input;
        boolean residualDropped = false;
        for (Step st : plan.steps()) {
            switch (st.kind()) {
                case STEM:
                    cur = w.conv3x3(weights, st.layers().get(0), cur, st, false, v);
                    break;
                case BOTTLENECK: {
                    int blockIn = cur;
                    int li = 0;
                    if (st.hasExpand()) {
                        Layer expand = st.layers().get(li++);
                        cur = w.pointwise(weights, expand, cur, 1, st.inHeight(), st.inWidth(),
                                TfliteGraph.ACT_RELU6, expand.outChannels(), v.pointwisePadding);
                    }
                    cur = w.conv3x3(weights, st.layers().get(li++), cur, st, true, v);
                    boolean wrong = st.index() == v.wrongChannelsInBlock;
                    int outC = st.outChannels() + (wrong ? 8 : 0);
                    int proj = w.pointwise(weights, st.layers().get(li), cur, 1, st.outHeight(),
                            st.outWidth(), v.projectActivation, outC, v.pointwisePadding);
                    cur = proj;
                    if (st.hasResidual()) {
                        if (v.dropResidual && !residualDropped) {
                            residualDropped = true;
                        } else {
                            int sum = w.tensor(st.name() + "/add", TfliteGraph.FLOAT32, 1,
                                    st.outHeight(), st.outWidth(), outC);
                            w.op(BuiltinOperators.ADD, new int[] {proj, blockIn}, sum, 11,
                                    actOptions(TfliteGraph.ACT_NONE));
                            cur = sum;
                        }
                    }
                    break;
                }
                case CONV1X1:
                    cur = w.pointwise(weights, st.layers().get(0), cur, 1, st.inHeight(),
                            st.inWidth(), TfliteGraph.ACT_RELU6, st.outChannels(),
                            v.pointwisePadding);
                    break;
                case AVG_POOL: {
                    int c = st.inChannels();
                    int pooled = v.mean && !v.meanKeepDims
                            ? w.tensor("pool", TfliteGraph.FLOAT32, 1, c)
                            : w.tensor("pool", TfliteGraph.FLOAT32, 1, 1, 1, c);
                    if (v.mean) {
                        int axes = w.ints("axes", v.meanAxes, 2);
                        w.op(BuiltinOperators.MEAN, new int[] {cur, axes}, pooled, 27,
                                keepDims(v.meanKeepDims));
                    } else {
                        w.op(BuiltinOperators.AVERAGE_POOL_2D, new int[] {cur}, pooled, 5,
                                poolOptions(st.inHeight(), v.poolFilterWidth != 0
                                        ? v.poolFilterWidth : st.inWidth(),
                                        v.poolStrideHeight != 0 ? v.poolStrideHeight
                                        : v.poolStride, v.poolStride, v.poolPadding));
                    }
                    cur = pooled;
                    break;
                }
                case CLASSIFIER: {
                    Layer l = st.layers().get(0);
                    int k = l.outChannels();
                    if (v.fullyConnected) {
                        int data = cur;
                        if (v.fcFlatten) {
                            data = w.tensor("flat", TfliteGraph.FLOAT32, 1, l.inChannels());
                            w.reshape(v, cur, data, new int[] {1, l.inChannels()});
                        }
                        int filter = w.weights("fc",
                                transposeIO(weights.kernel(l.index()), l.inChannels(), k),
                                k, l.inChannels());
                        int bias = w.weights("fc_bias", weights.bias(l.index()), k);
                        // with keep_num_dims: the data's shape, its last size the classes
                        int[] kept = w.tensors.get(data).shape().clone();
                        kept[kept.length - 1] = k;
                        int logits = w.tensor("logits", TfliteGraph.FLOAT32,
                                v.fcKeepNumDims ? kept : new int[] {1, k});
                        w.op(BuiltinOperators.FULLY_CONNECTED, new int[] {data, filter, bias},
                                logits, 8,
                                fullyConnectedOptions(TfliteGraph.ACT_NONE, v.fcKeepNumDims));
                        cur = logits;
                    } else {
                        int logits4 = w.pointwise(weights, l, cur, 1, 1, 1, TfliteGraph.ACT_NONE,
                                k, v.classifierPadding);
                        int logits = w.tensor("logits", TfliteGraph.FLOAT32, 1, k);
                        w.reshape(v, logits4, logits, new int[] {1, k});
                        cur = logits;
                    }
                    int[] shape = w.tensors.get(cur).shape();
                    int probs = w.tensor("probabilities", TfliteGraph.FLOAT32, shape);
                    w.op(BuiltinOperators.SOFTMAX, new int[] {cur}, probs, 9,
                            softmaxOptions(v.softmaxBeta));
                    cur = probs;
                    if (v.quantizeOutput) {
                        int q = w.tensor("output", TfliteGraph.UINT8, shape);
                        w.op(BuiltinOperators.QUANTIZE, new int[] {cur}, q);
                        cur = q;
                    }
                    break;
                }
                default:
                    throw new AssertionError(st.kind());
            }
        }
        return w.finish(input, cur);
    }

    /**
     * The classifier's RESHAPE of {@code in} into {@code out}, its shape input named after
     * {@code out}, holding {@code to} unless the variant says otherwise.
     */
    private void reshape(Variant v, int in, int out, int[] to) {
        to = v.reshapeTo != null ? v.reshapeTo : to;
        String name = tensors.get(out).name() + "_shape";
        int[] dims = v.reshapeToDims != null ? v.reshapeToDims : new int[] {to.length};
        int shape;
        if (v.reshapeToNoData) {
            shape = tensor(name, TfliteGraph.INT32, dims);
        } else if (v.reshapeToType == TfliteGraph.INT64) {
            ByteBuffer b = ByteBuffer.allocate(8 * to.length).order(ByteOrder.LITTLE_ENDIAN);
            for (int d : to) {
                b.putLong(d);
            }
            shape = constant(name, TfliteGraph.INT64, b.array(), dims);
        } else {
            shape = ints(name, to, dims);
        }
        if (v.reshapeNewShape == null) {
            op(BuiltinOperators.RESHAPE, new int[] {in, shape}, out);
        } else {
            op(BuiltinOperators.RESHAPE, new int[] {in, shape}, out, v.reshapeOptionsType,
                    reshapeOptions(v.reshapeNewShape));
        }
    }

    private int pointwise(Weights weights, Layer l, int in, int stride, int h, int wd, int act) {
        return pointwise(weights, l, in, stride, h, wd, act, l.outChannels());
    }

    private int pointwise(Weights weights, Layer l, int in, int stride, int h, int wd, int act,
            int outC) {
        return pointwise(weights, l, in, stride, h, wd, act, outC, TfliteGraph.PAD_SAME);
    }

    private int pointwise(Weights weights, Layer l, int in, int stride, int h, int wd, int act,
                          int outC, int padding) {
        int cin = l.inChannels(), cout = l.outChannels();
        int filter = weights(l.name() + "/weights",
                transposeIO(weights.kernel(l.index()), cin, cout), cout, 1, 1, cin);
        int bias = weights(l.name() + "/bias", weights.bias(l.index()), cout);
        int out = tensor(l.name(), TfliteGraph.FLOAT32, 1, h, wd, outC);
        op(BuiltinOperators.CONV_2D, new int[] {in, filter, bias}, out, 1,
                convOptions(padding, stride, act));
        return out;
    }

    private int conv3x3(Weights weights, Layer l, int in, Step st, boolean depthwise, Variant v) {
        int cin = l.inChannels(), cout = l.outChannels();
        int s = st.stride();
        int h = st.inHeight();
        int x = in;
        int padding = TfliteGraph.PAD_SAME;
        if (v.explicitPad) {
            Padding p = weights.config().padding();
            int before = p.before(h, s);
            int after = Math.max((p.outputSize(h, s) - 1) * s + 3 - h - before, 0);
            if (p == Padding.SYMMETRIC) {
                after = 1;   // what PyTorch exports: one zero row on every side
            }
            int left = v.swapWidthPads ? after : before, right = v.swapWidthPads ? before : after;
            int[] p8 = {0, 0, before, after, left, right, 0, 0};
            int pads;
            if (v.int64Paddings) {
                ByteBuffer b = ByteBuffer.allocate(8 * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (int x8 : p8) {
                    b.putLong(x8 + v.int64PaddingsHigh);
                }
                pads = constant(l.name() + "/paddings", TfliteGraph.INT64, b.array(), 4, 2);
            } else {
                pads = ints(l.name() + "/paddings", p8, 4, 2);
            }
            x = tensor(l.name() + "/padded", TfliteGraph.FLOAT32, 1, h + before + after,
                    h + before + after, cin);
            op(BuiltinOperators.PAD, new int[] {in, pads}, x);
            padding = TfliteGraph.PAD_VALID;
        }
        int out;
        if (depthwise) {
            int filter = weights(l.name() + "/weights", weights.kernel(l.index()), 1, 3, 3, cout);
            int bias = weights(l.name() + "/bias", weights.bias(l.index()), cout);
            out = tensor(l.name(), TfliteGraph.FLOAT32, 1, st.outHeight(), st.outWidth(), cout);
            op(BuiltinOperators.DEPTHWISE_CONV_2D, new int[] {x, filter, bias}, out, 2,
                    depthwiseOptions(padding, s, TfliteGraph.ACT_RELU6, v.depthMultiplier));
        } else {
            float[] hwio = weights.kernel(l.index());
            float[] ohwi = new float[hwio.length];
            for (int k = 0; k < 9; k++) {
                for (int ci = 0; ci < cin; ci++) {
                    for (int co = 0; co < cout; co++) {
                        ohwi[(co * 9 + k) * cin + ci] = hwio[(k * cin + ci) * cout + co];
                    }
                }
            }
            int filter = weights(l.name() + "/weights", ohwi, cout, 3, 3, cin);
            int bias = weights(l.name() + "/bias", weights.bias(l.index()), cout);
            out = tensor(l.name(), TfliteGraph.FLOAT32, 1, st.outHeight(), st.outWidth(), cout);
            int b = v.stemBias != null ? v.stemBias : bias;
            int[] inputs = {x, filter, b};
            if (v.stemReadsConstant) {
                int[] shape = tensors.get(x).shape();
                int image = floats("constant image", new float[shape[1] * shape[2] * shape[3]],
                        shape);
                inputs = new int[] {image, filter, b, x};
            }
            op(BuiltinOperators.CONV_2D, inputs, out, 1,
                    convOptions(padding, s, TfliteGraph.ACT_RELU6));
        }
        return out;
    }

    /** [in][out] to [out][in]. */
    private static float[] transposeIO(float[] io, int in, int out) {
        float[] oi = new float[io.length];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                oi[o * in + i] = io[i * out + o];
            }
        }
        return oi;
    }
}
