package dev.mobilenetsimd.tflite;

import dev.mobilenetsimd.tflite.TfliteGraph.Operator;
import dev.mobilenetsimd.tflite.TfliteGraph.Quantization;
import dev.mobilenetsimd.tflite.TfliteGraph.Tensor;
import java.nio.ByteBuffer;

/**
 * Turns constant tensors into float32: float32 as is, float16 widened, uint8/int8 with per-tensor
 * or per-channel affine quantization ({@code real = scale * (q - zero_point)}), and int32 biases
 * with scale {@code scale_input * scale_weight}, the scale the integer kernels give their
 * accumulators (a layer with a uint8 input must also declare that scale on its bias, within a
 * relative 1e-6, as TensorFlow Lite requires). Values stay in TensorFlow Lite's layout; the
 * importer transposes. A scale that is not finite, a zero point outside the type's range or a value
 * that is not finite is a {@link ModelFormatException} naming the tensor (a NaN scale was only
 * caught later, as a NaN weight of a layer at an index of our layout).
 */
final class Dequantizer {
    private Dequantizer() {}

    /** The weights in {@code t}, as floats, each finite. */
    static float[] weights(TfliteGraph g, Tensor t) throws ModelFormatException {
        return finite(g, t, "weights");
    }

    /** The values of {@code t}, {@code what} (weights or biases), as floats, each finite. */
    private static float[] finite(TfliteGraph g, Tensor t, String what)
            throws ModelFormatException {
        float[] out = values(g, t);
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) {
                throw new ModelFormatException(t.describe() + ": element " + i + " is " + out[i]
                        + (t.quantization().present() ? " (" + t.quantization() + ")" : "")
                        + "; " + what + " must be finite");
            }
        }
        return out;
    }

    private static float[] values(TfliteGraph g, Tensor t) throws ModelFormatException {
        ByteBuffer b = g.data(t);
        int n = (int) t.elements();
        float[] out = new float[n];
        switch (t.type()) {
            case TfliteGraph.FLOAT32:
                for (int i = 0; i < n; i++) {
                    out[i] = b.getFloat(4 * i);
                }
                return out;
            case TfliteGraph.FLOAT16:
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(b.getShort(2 * i));
                }
                return out;
            case TfliteGraph.UINT8:
            case TfliteGraph.INT8: {
                Quantization q = t.quantization();
                if (!q.present()) {
                    throw new ModelFormatException(t.describe() + " is quantized but has no scale");
                }
                int[] shape = t.shape();
                int dim = q.quantizedDimension();
                int channels = 1, inner = 1;
                if (q.scale().length > 1) {
                    if (dim < 0 || dim >= shape.length || shape[dim] != q.scale().length) {
                        throw new ModelFormatException(t.describe() + " has " + q.scale().length
                                + " per-channel scales along dimension " + dim
                                + ", which does not match its shape");
                    }
                    channels = shape[dim];
                    for (int d = dim + 1; d < shape.length; d++) {
                        inner *= shape[d];
                    }
                }
                long[] zp = q.zeroPoint();
                if (zp.length > 1 && zp.length != channels) {
                    throw new ModelFormatException(t.describe() + " has " + zp.length
                            + " zero points for " + channels + " scales");
                }
                boolean unsigned = t.type() == TfliteGraph.UINT8;
                checkQuantization(t, q, unsigned);
                for (int i = 0; i < n; i++) {
                    int ch = channels == 1 ? 0 : (i / inner) % channels;
                    long z = zp.length == 0 ? 0 : zp[zp.length == 1 ? 0 : ch];
                    int v = unsigned ? Byte.toUnsignedInt(b.get(i)) : b.get(i);
                    out[i] = (float) (q.scale()[ch] * (double) (v - z));
                }
                return out;
            }
            default:
                throw new ModelFormatException(t.describe() + ": weights of type "
                        + TfliteGraph.typeName(t.type())
                        + " are not supported (float32, float16, uint8, int8)");
        }
    }

    /**
     * Every scale of {@code q} finite (0 is allowed: a channel of zeros), every zero point in
     * the range of {@code t}'s type.
     */
    private static void checkQuantization(Tensor t, Quantization q, boolean unsigned)
            throws ModelFormatException {
        for (int c = 0; c < q.scale().length; c++) {
            if (!Float.isFinite(q.scale()[c])) {
                throw new ModelFormatException(t.describe() + ": scale " + q.scale()[c]
                        + (q.scale().length > 1 ? " of channel " + c : "")
                        + " is not finite");
            }
        }
        long lo = unsigned ? 0 : -128, hi = unsigned ? 255 : 127;
        for (int c = 0; c < q.zeroPoint().length; c++) {
            long z = q.zeroPoint()[c];
            if (z < lo || z > hi) {
                throw new ModelFormatException(t.describe() + ": zero point " + z
                        + (q.zeroPoint().length > 1 ? " of channel " + c : "")
                        + " is out of range; expected " + lo + " to " + hi);
            }
        }
    }

    /**
     * The bias {@code t} of a layer with {@code channels} outputs reading {@code input} through
     * {@code filter}, each value finite.
     */
    static float[] bias(TfliteGraph g, Tensor t, Tensor input, Tensor filter, int channels,
            Operator op) throws ModelFormatException {
        if (t.elements() != channels) {
            throw new ModelFormatException(op.describe() + ": bias " + t.describe()
                    + " should hold " + channels + " values, one per output channel");
        }
        int type = t.type();
        if (type != TfliteGraph.INT32) {
            if (type != TfliteGraph.FLOAT32 && type != TfliteGraph.FLOAT16
                    && type != TfliteGraph.UINT8 && type != TfliteGraph.INT8) {
                // it was refused as "weights of type ...", naming the bias tensor only
                throw new ModelFormatException(op.describe() + ": bias " + t.describe()
                        + " has an unsupported type; expected float32, float16, int32 (scaled"
                        + " by input and weight scales), uint8 or int8");
            }
            return finite(g, t, "biases");
        }
        Quantization in = input.quantization();
        Quantization w = filter.quantization();
        if (!in.present() || in.scale().length != 1 || !w.present()
                || (w.scale().length != 1 && w.scale().length != channels)) {
            throw new ModelFormatException(op.describe() + ": int32 bias " + t.describe()
                    + " needs a per-tensor quantized input and quantized weights (input: " + in
                    + "; weights: " + w + ")");
        }
        // Bias channel c takes weight scale c, which is output channel c's only along the
        // filter's output dimension: along another (of as many channels) it was mis-scaled.
        int outDim = op.builtinCode() == BuiltinOperators.DEPTHWISE_CONV_2D
                ? filter.shape().length - 1 : 0;
        if (w.scale().length > 1 && w.quantizedDimension() != outDim) {
            throw new ModelFormatException(op.describe() + ": int32 bias " + t.describe()
                    + " needs weights quantized per tensor or per output channel (dimension "
                    + outDim + " of " + filter.describe() + "), but they have " + w);
        }
        // The float network ignores activations' scales but here: a negative one flipped the
        // sign of every bias, 0 zeroed them; a converter writes neither.
        if (!(in.scale()[0] > 0)) {
            throw new ModelFormatException(op.describe() + ": int32 bias " + t.describe()
                    + " needs the input " + input.describe() + " to have a positive scale ("
                    + in + ")");
        }
        if (input.type() == TfliteGraph.UINT8) {
            checkUint8BiasScale(t, input, filter, channels, op);
        }
        ByteBuffer b = g.data(t);
        float[] out = new float[channels];
        for (int c = 0; c < channels; c++) {
            double scale = (double) in.scale()[0] * w.scale()[w.scale().length == 1 ? 0 : c];
            out[c] = (float) (scale * b.getInt(4 * c));
            if (!Float.isFinite(out[c])) { // the input's scale: the filter's is checked
                throw new ModelFormatException(op.describe() + ": int32 bias " + t.describe()
                        + " of channel " + c + " is " + out[c] + " (" + b.getInt(4 * c)
                        + " times input scale " + in.scale()[0] + " times weight scale "
                        + w.scale()[w.scale().length == 1 ? 0 : c] + "); biases must be finite");
            }
        }
        return out;
    }

    /**
     * Refuses the int32 bias {@code t} of a layer with a uint8 input unless its scale is the
     * input scale times the weight scale, channel by channel, within a relative 1e-6: TensorFlow
     * Lite refuses such a layer (its legacy uint8 path checks this; int8 layers it does not
     * check). We scale biases by that product, so the model loaded here only.
     */
    private static void checkUint8BiasScale(Tensor t, Tensor input, Tensor filter, int channels,
                                            Operator op) throws ModelFormatException {
        float[] in = input.quantization().scale();
        float[] w = filter.quantization().scale();
        float[] bs = t.quantization().scale();
        String rule = " a uint8 layer's bias scale must equal input scale x weight scale (";
        String tail = ") within a relative 1e-6, as TensorFlow Lite requires";
        if (bs.length != 1 && bs.length != channels) {
            double expected = (double) in[0] * w[0];
            throw new ModelFormatException(op.describe() + ": int32 bias " + t.describe()
                    + (bs.length == 0 ? " has no scale;" : " has " + bs.length + " scales for "
                    + channels + " channels;") + rule + expected + tail);
        }
        for (int c = 0; c < channels; c++) {
            float ws = w[w.length == 1 ? 0 : c];
            float bc = bs[bs.length == 1 ? 0 : c];
            double expected = (double) in[0] * ws;
            if (!(Math.abs(expected - bc) <= 1e-6 * Math.min(expected, bc))) {
                String channel = " for channel " + c;
                throw new ModelFormatException(op.describe() + ": int32 bias " + t.describe()
                        + " has scale " + bc + (bs.length > 1 ? channel : "") + ", but input "
                        + input.describe() + " has scale " + in[0] + " and weights "
                        + filter.describe() + " scale " + ws + (w.length > 1 ? channel : "")
                        + ":" + rule + expected + tail);
            }
        }
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat needs Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
