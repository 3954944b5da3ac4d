package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.testdata.RealData;
import dev.mobilenetsimd.tflite.TfliteGraph.Operator;
import dev.mobilenetsimd.tflite.TfliteGraph.Options;
import dev.mobilenetsimd.tflite.TfliteGraph.Quantization;
import dev.mobilenetsimd.tflite.TfliteGraph.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decoded graphs with one to three random edits (an operator's inputs, output, code or options;
 * a tensor's shape, type, buffer or quantization; the graph's input or output) are imported or
 * refused with a {@link ModelFormatException} that names what is wrong: never another exception,
 * nor the bare "tensor index ... out of range" that names no operator or role. Byte flips test
 * the reader ({@link TfliteCorruptFileTest}); these reach the importer's checks, which a flip
 * rarely passes the reader to get to.
 */
class TfliteGraphMutationTest {
    private static final int TRIALS = 300;
    private static final int[] VALUES = {0, 1, -1, -2, 2, 3, 7, 8, 16, 224, 1001, 1 << 20,
            Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final int[] CODES = {BuiltinOperators.ADD, BuiltinOperators.AVERAGE_POOL_2D,
            BuiltinOperators.CONV_2D, BuiltinOperators.DEPTHWISE_CONV_2D,
            BuiltinOperators.DEQUANTIZE, BuiltinOperators.FULLY_CONNECTED,
            BuiltinOperators.RESHAPE, BuiltinOperators.SOFTMAX, BuiltinOperators.PAD,
            BuiltinOperators.MEAN, BuiltinOperators.QUANTIZE};
    private static final float[] SCALES = {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, 1e-45f,
            1e38f};

    private static TfliteGraph graph(String source) throws Exception {
        byte[] file;
        if (source.startsWith("synthetic")) {
            TfliteWriter.Variant v = new TfliteWriter.Variant();
            boolean second = source.endsWith("2");
            v.float16 = !second;
            v.fullyConnected = second;
            v.mean = second;
            v.explicitPad = second;
            file = TfliteWriter.mobileNet(Weights.random(
                    new ModelConfig(0.35, 32, 7, Padding.TF_SAME), 3), v);
        } else {
            file = Files.readAllBytes(RealData.model(source));
        }
        return TfliteReader.read(ByteBuffer.wrap(file));
    }

    @ParameterizedTest
    @ValueSource(strings = {"synthetic1", "synthetic2", RealData.TF1_QUANT, RealData.TF2_PTQ})
    void editedGraphsAreImportedOrRefusedByName(String source) throws Exception {
        TfliteGraph g = graph(source);
        SplittableRandom rnd = new SplittableRandom(source.hashCode());
        int refused = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            List<Tensor> tensors = new ArrayList<>(g.tensors);
            List<Operator> ops = new ArrayList<>(g.operators);
            int[][] io = {g.inputs.clone(), g.outputs.clone()};
            StringBuilder edits = new StringBuilder();
            for (int e = 1 + rnd.nextInt(3); e > 0; e--) {
                edits.append(edit(rnd, tensors, ops, io, g.buffers.size())).append("; ");
            }
            TfliteGraph damaged = new TfliteGraph(tensors, ops, io[0], io[1], g.buffers,
                    g.dataEnd, g.description);
            try {
                TfliteModel.normalization(GraphImporter.importGraph(damaged).input());
            } catch (ModelFormatException x) {
                refused++;
                String m = x.getMessage();
                assertFalse(m == null || m.startsWith("tensor index") || m.contains("Exception"),
                        edits + "refused as: " + m);
            } catch (RuntimeException | Error x) {
                fail(edits + "failed with " + x, x);
            }
        }
        assertTrue(refused > TRIALS / 2, refused + " of " + TRIALS + " refused");
    }

    /** One random edit of the graph's parts, described. */
    private static String edit(SplittableRandom rnd, List<Tensor> tensors, List<Operator> ops,
                               int[][] io, int buffers) {
        int oi = rnd.nextInt(ops.size());
        Operator o = ops.get(oi);
        int[] in = o.inputs().clone();
        int[] out = o.outputs();
        int code = o.builtinCode();
        Options p = o.options();
        // a tensor the operator reads half the time: those are the ones checked
        int ti = in.length > 0 && in[0] >= 0 && rnd.nextBoolean()
                ? in[rnd.nextInt(in.length)] : rnd.nextInt(tensors.size());
        ti = ti < 0 ? 0 : ti;
        Tensor t = tensors.get(ti);
        int[] shape = t.shape().clone();
        int type = t.type(), buffer = t.buffer();
        Quantization q = t.quantization();
        int v = VALUES[rnd.nextInt(VALUES.length)];
        String what;
        int kind = rnd.nextInt(11);
        switch (kind) {
            case 0:
                if (in.length == 0) {
                    return "nothing";
                }
                int slot = rnd.nextInt(in.length);
                in[slot] = rnd.nextInt(3) == 0 ? -1 : rnd.nextInt(tensors.size());
                what = "input " + slot + " " + in[slot];
                break;
            case 1:
                in = Arrays.copyOf(in, in.length > 0 && rnd.nextBoolean() ? in.length - 1
                        : in.length + 1);
                if (in.length > o.inputs().length) {
                    in[in.length - 1] = rnd.nextBoolean() ? -1 : rnd.nextInt(tensors.size());
                }
                what = "inputs " + Arrays.toString(in);
                break;
            case 2:
                out = new int[] {rnd.nextInt(tensors.size())};
                what = "output " + out[0];
                break;
            case 3:
                code = CODES[rnd.nextInt(CODES.length)];
                what = "code " + BuiltinOperators.name(code);
                break;
            case 4: {
                int f = rnd.nextInt(10);
                p = new Options(f == 0 ? v : p.padding(), f == 1 ? v : p.strideW(),
                        f == 2 ? v : p.strideH(), f == 3 ? v : p.dilationW(),
                        f == 4 ? v : p.dilationH(), f == 5 ? v : p.depthMultiplier(),
                        f == 6 ? v : p.filterW(), f == 7 ? v : p.filterH(),
                        f == 8 ? v : p.activation(), p.keepDims(),
                        f == 9 ? Float.intBitsToFloat(v) : p.beta(), p.weightsFormat(),
                        p.newShape(), p.missing());
                what = "options " + p;
                break;
            }
            case 5:
                shape = Arrays.copyOf(shape, shape.length > 0 && rnd.nextBoolean()
                        ? shape.length - 1 : shape.length + 1);
                if (shape.length > 0) {
                    shape[rnd.nextInt(shape.length)] = v;
                }
                what = "shape " + Arrays.toString(shape);
                break;
            case 6:
                type = rnd.nextInt(18);
                what = "type " + type;
                break;
            case 7:
                buffer = rnd.nextBoolean() ? v : rnd.nextInt(buffers);
                what = "buffer " + buffer;
                break;
            case 8: {
                float[] scale = q.scale().clone();
                long[] zeroPoint = q.zeroPoint().clone();
                int dim = q.quantizedDimension();
                int f = rnd.nextInt(4);
                if (f == 0) {
                    dim = v;
                } else if (f == 1) {
                    scale = Arrays.copyOf(scale, Math.max(0, scale.length + rnd.nextInt(3) - 1));
                } else if (f == 2 && scale.length > 0) {
                    scale[rnd.nextInt(scale.length)] = SCALES[rnd.nextInt(SCALES.length)];
                } else if (zeroPoint.length > 0) {
                    zeroPoint[rnd.nextInt(zeroPoint.length)] = (long) v << rnd.nextInt(2) * 32;
                }
                q = new Quantization(scale, zeroPoint, dim);
                what = "quantization " + q;
                break;
            }
            default:
                int which = rnd.nextInt(2);
                io[which] = new int[] {rnd.nextBoolean() ? v : rnd.nextInt(tensors.size())};
                return "graph " + (which == 0 ? "input " : "output ") + io[which][0];
        }
        ops.set(oi, new Operator(o.index(), code, o.customCode(), in, out, p));
        tensors.set(ti, new Tensor(ti, t.name(), shape, type, buffer, q));
        return (kind <= 4 ? o.describe() : t.describe()) + ": " + what;
    }
}
