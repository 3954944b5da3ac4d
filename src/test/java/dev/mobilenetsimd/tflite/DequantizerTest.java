package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.tflite.TfliteGraph.Operator;
import dev.mobilenetsimd.tflite.TfliteGraph.Quantization;
import dev.mobilenetsimd.tflite.TfliteGraph.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Per-channel dequantization with a zero point per channel, which neither real model has (the
 * uint8 one is per-tensor, the int8 one per-channel with zero points all 0), so a wrong channel
 * index or a zero point taken from channel 0 went through every real-model test. Expected values
 * are {@code scale[ch] * (q - zeroPoint[ch])}, the channel found by walking the tensor's
 * coordinates in the test.
 */
class DequantizerTest {

    @Test
    void uint8PerOutputChannelUsesEachChannelsZeroPoint() throws Exception {
        // a conv filter OHWI [4][3][3][2], quantized along dimension 0
        int[] shape = {4, 3, 3, 2};
        float[] scale = {0.5f, 0.25f, 0.125f, 2f};
        long[] zp = {128, 3, 250, 77};
        checkPerChannel(TfliteGraph.UINT8, shape, 0, scale, zp);
    }

    @Test
    void int8PerLastDimensionChannelUsesEachChannelsZeroPoint() throws Exception {
        // a depthwise filter 1HWC [1][3][3][5], quantized along dimension 3
        int[] shape = {1, 3, 3, 5};
        float[] scale = {0.5f, 0.03125f, 1f, 0.25f, 4f};
        long[] zp = {0, -5, 17, -128, 100};
        checkPerChannel(TfliteGraph.INT8, shape, 3, scale, zp);
    }

    @Test
    void perTensorScaleAndZeroPointApplyToEveryElement() throws Exception {
        int[] shape = {3, 4};
        byte[] q = randomBytes(12, 7);
        Tensor t = tensor(TfliteGraph.UINT8, shape,
                new Quantization(new float[] {0.1f}, new long[] {9}, 0));
        float[] got = Dequantizer.weights(graphOf(q), t);
        for (int i = 0; i < q.length; i++) {
            assertEquals((float) (0.1f * (double) (Byte.toUnsignedInt(q[i]) - 9)), got[i],
                    "element " + i);
        }
    }

    @Test
    void int32BiasScaleIsInputScaleTimesEachChannelsWeightScale() throws Exception {
        int channels = 3;
        int[] raw = {1000, -2000, 123456};
        ByteBuffer b = ByteBuffer.allocate(4 * channels).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : raw) {
            b.putInt(v);
        }
        float[] wScale = {0.5f, 0.25f, 0.001f};
        float[] bScale = new float[channels]; // what a uint8 layer's bias must say
        for (int c = 0; c < channels; c++) {
            bScale[c] = (float) ((double) 0.0078125f * wScale[c]);
        }
        Tensor bias = tensor(TfliteGraph.INT32, new int[] {channels},
                new Quantization(bScale, new long[channels], 0));
        Tensor input = new Tensor(2, "in", new int[] {1, 4, 4, 3}, TfliteGraph.UINT8, 0,
                new Quantization(new float[] {0.0078125f}, new long[] {128}, 0));
        Tensor filter = new Tensor(3, "w", new int[] {channels, 1, 1, 3}, TfliteGraph.UINT8, 0,
                new Quantization(wScale, new long[] {0, 0, 0}, 0));
        Operator op = new Operator(0, 3, null, new int[] {2, 3, 1}, new int[] {4},
                TfliteGraph.Options.NONE);
        float[] got = Dequantizer.bias(graphOf(b.array()), bias, input, filter, channels, op);
        for (int c = 0; c < channels; c++) {
            assertEquals((float) ((double) 0.0078125f * wScale[c] * raw[c]), got[c],
                    "channel " + c);
        }
    }

    /**
     * A scale that is not finite, a zero point outside the type's range and a value that is not
     * finite fail naming the tensor: a NaN or infinite scale was caught only by the layer's
     * weight check, at an index of the transposed kernel, and a zero point of 1000 was taken.
     */
    @Test
    void badQuantizationAndNonFiniteValuesNameTheTensor() {
        byte[] q = randomBytes(8, 3);
        q[5] = 1; // not the zero point: times a huge scale it overflows
        fails(graphOf(q), tensor(TfliteGraph.UINT8, new int[] {8},
                new Quantization(new float[] {Float.NaN}, new long[] {128}, 0)),
                "tensor #1 't' [8] uint8: scale NaN is not finite");
        fails(graphOf(q), tensor(TfliteGraph.INT8, new int[] {2, 4},
                new Quantization(new float[] {1f, Float.POSITIVE_INFINITY}, new long[] {0, 0}, 0)),
                "tensor #1 't' [2, 4] int8: scale Infinity of channel 1 is not finite");
        fails(graphOf(q), tensor(TfliteGraph.UINT8, new int[] {8},
                new Quantization(new float[] {0.5f}, new long[] {256}, 0)),
                "tensor #1 't' [8] uint8: zero point 256 is out of range; expected 0 to 255");
        fails(graphOf(q), tensor(TfliteGraph.INT8, new int[] {2, 4},
                new Quantization(new float[] {1f, 1f}, new long[] {0, -129}, 0)),
                "zero point -129 of channel 1 is out of range; expected -128 to 127");
        fails(graphOf(q), tensor(TfliteGraph.INT8, new int[] {8},
                new Quantization(new float[] {3e38f}, new long[] {-100}, 0)),
                "tensor #1 't' [8] int8: element 0 is ");
        ByteBuffer f = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        f.putFloat(1f).putFloat(2f).putFloat(Float.NaN).putFloat(3f);
        fails(graphOf(f.array()), tensor(TfliteGraph.FLOAT32, new int[] {4}, none()),
                "tensor #1 't' [4] float32: element 2 is NaN; weights must be finite");
    }

    /**
     * An int32 bias channel c takes weight scale c, which belongs to output channel c only when
     * the weights are quantized along their output dimension (0 for a convolution, 3 for a
     * depthwise one). Quantized along another dimension of as many channels, the biases were
     * scaled by the wrong channels' scales without a word.
     */
    @Test
    void int32BiasNeedsWeightsQuantizedAlongTheOutputChannels() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(5).putInt(7).putInt(-9);
        Tensor bias = tensor(TfliteGraph.INT32, new int[] {3}, none());
        Tensor input = new Tensor(2, "in", new int[] {1, 4, 4, 3}, TfliteGraph.INT8, 0,
                new Quantization(new float[] {0.5f}, new long[] {0}, 0));
        float[] scales = {0.25f, 2f, 4f};
        // {operator code, filter shape, quantized dimension, accepted}
        Object[][] cases = {
                {BuiltinOperators.CONV_2D, new int[] {3, 1, 1, 3}, 0, true},
                {BuiltinOperators.CONV_2D, new int[] {3, 1, 1, 3}, 3, false},
                {BuiltinOperators.DEPTHWISE_CONV_2D, new int[] {1, 3, 3, 3}, 3, true},
                {BuiltinOperators.DEPTHWISE_CONV_2D, new int[] {1, 3, 3, 3}, 1, false},
                {BuiltinOperators.FULLY_CONNECTED, new int[] {3, 3}, 0, true},
                {BuiltinOperators.FULLY_CONNECTED, new int[] {3, 3}, 1, false},
        };
        for (Object[] c : cases) {
            int[] shape = (int[]) c[1];
            int dim = (int) c[2];
            Tensor filter = new Tensor(3, "w", shape, TfliteGraph.INT8, 0,
                    new Quantization(scales, new long[3], dim));
            Operator op = new Operator(0, (int) c[0], null, new int[] {2, 3, 1}, new int[] {4},
                    TfliteGraph.Options.NONE);
            String what = op.describe() + " along " + dim;
            if ((boolean) c[3]) {
                float[] got = Dequantizer.bias(graphOf(b.array()), bias, input, filter, 3, op);
                assertEquals(List.of(0.625f, 7f, -18f), List.of(got[0], got[1], got[2]), what);
                continue;
            }
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> Dequantizer.bias(graphOf(b.array()), bias, input, filter, 3, op), what);
            int outDim = (int) c[0] == BuiltinOperators.DEPTHWISE_CONV_2D ? 3 : 0;
            assertEquals(op.describe() + ": int32 bias tensor #1 't' [3] int32 needs weights"
                    + " quantized per tensor or per output channel (dimension " + outDim
                    + " of tensor #3 'w' " + Arrays.toString(shape) + " int8), but they have 3"
                    + " per-channel scales along dimension " + dim, e.getMessage());
        }
    }

    /**
     * A bias of a type no layer takes names the operator and calls it a bias: it was refused
     * as "weights of type int64". A non-finite float bias says that biases must be finite.
     */
    @Test
    void biasOfAnUnsupportedTypeOrNotFiniteIsCalledABias() {
        Tensor input = new Tensor(2, "in", new int[] {1, 4, 4, 3}, TfliteGraph.FLOAT32, 0, none());
        Tensor filter = new Tensor(3, "w", new int[] {2, 1, 1, 3}, TfliteGraph.FLOAT32, 0, none());
        Operator op = new Operator(0, BuiltinOperators.CONV_2D, null, new int[] {2, 3, 1},
                new int[] {4}, TfliteGraph.Options.NONE);
        for (int type : new int[] {TfliteGraph.INT64, 5, 7}) { // int64, string, int16
            Tensor bias = tensor(type, new int[] {2}, none());
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> Dequantizer.bias(graphOf(new byte[16]), bias, input, filter, 2, op));
            assertEquals("operator #0 (CONV_2D): bias tensor #1 't' [2] "
                    + TfliteGraph.typeName(type) + " has an unsupported type; expected float32,"
                    + " float16, int32 (scaled by input and weight scales), uint8 or int8",
                    e.getMessage());
        }
        ByteBuffer f = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(1f).putFloat(Float.NEGATIVE_INFINITY);
        Tensor bias = tensor(TfliteGraph.FLOAT32, new int[] {2}, none());
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> Dequantizer.bias(graphOf(f.array()), bias, input, filter, 2, op));
        assertEquals("tensor #1 't' [2] float32: element 1 is -Infinity; biases must be finite",
                e.getMessage());
    }

    /**
     * TensorFlow Lite refuses a layer with a uint8 input (conv, depthwise or fully connected)
     * whose int32 bias scale is not the input scale times the weight scale within a relative
     * 1e-6; it does not check int8 layers. We scale biases by that product and ignored the
     * bias's own scale, so a uint8 model TensorFlow Lite refuses loaded here.
     */
    @Test
    void uint8LayerNeedsBiasScaleEqualToInputTimesWeightScale() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(-7);
        float near = Math.nextUp(0.125f); // a relative 1.2e-7 off: within TensorFlow Lite's 1e-6
        float off = 0.125f * 1.00001f;   // a relative 1e-5 off
        for (int code : new int[] {BuiltinOperators.CONV_2D, BuiltinOperators.DEPTHWISE_CONV_2D,
                BuiltinOperators.FULLY_CONNECTED}) {
            int[] shape = code == BuiltinOperators.DEPTHWISE_CONV_2D ? new int[] {1, 3, 3, 2}
                    : code == BuiltinOperators.FULLY_CONNECTED ? new int[] {2, 2}
                    : new int[] {2, 1, 1, 2};
            Operator op = new Operator(0, code, null, new int[] {2, 3, 1}, new int[] {4},
                    TfliteGraph.Options.NONE);
            for (int type : new int[] {TfliteGraph.UINT8, TfliteGraph.INT8}) {
                boolean uint8 = type == TfliteGraph.UINT8;
                Tensor input = new Tensor(2, "in", new int[] {1, 4, 4, 2}, type, 0,
                        new Quantization(new float[] {0.5f}, new long[] {uint8 ? 128 : 0}, 0));
                Tensor filter = new Tensor(3, "w", shape, type, 0,
                        new Quantization(new float[] {0.25f}, new long[] {uint8 ? 128 : 0}, 0));
                String what = op.describe() + " " + TfliteGraph.typeName(type);
                for (float scale : new float[] {0.125f, near}) {
                    float[] got = Dequantizer.bias(graphOf(b.array()), biasScaled(scale, 2),
                            input, filter, 2, op);
                    assertEquals(List.of(0.625f, -0.875f), List.of(got[0], got[1]), what);
                }
                // int8: not checked (TensorFlow Lite does not), scaled by input x weight scale
                Tensor offBias = biasScaled(off, 2);
                if (!uint8) {
                    float[] got = Dequantizer.bias(graphOf(b.array()), offBias, input, filter, 2,
                            op);
                    assertEquals(List.of(0.625f, -0.875f), List.of(got[0], got[1]), what);
                    continue;
                }
                ModelFormatException e = assertThrows(ModelFormatException.class,
                        () -> Dequantizer.bias(graphOf(b.array()), offBias, input, filter, 2, op),
                        what);
                assertEquals(op.describe() + ": int32 bias tensor #1 't' [2] int32 has scale "
                        + off + ", but input tensor #2 'in' [1, 4, 4, 2] uint8 has scale 0.5 and"
                        + " weights tensor #3 'w' " + Arrays.toString(shape) + " uint8 scale 0.25:"
                        + " a uint8 layer's bias scale must equal input scale x weight scale"
                        + " (0.125) within a relative 1e-6, as TensorFlow Lite requires",
                        e.getMessage());
                e = assertThrows(ModelFormatException.class, () -> Dequantizer.bias(
                        graphOf(b.array()), tensor(TfliteGraph.INT32, new int[] {2}, none()),
                        input, filter, 2, op), what);
                assertEquals(op.describe() + ": int32 bias tensor #1 't' [2] int32 has no scale;"
                        + " a uint8 layer's bias scale must equal input scale x weight scale"
                        + " (0.125) within a relative 1e-6, as TensorFlow Lite requires",
                        e.getMessage());
            }
        }
    }

    /**
     * Per-channel weights of a uint8 layer (which TensorFlow Lite refuses anyway, and we load)
     * are checked channel by channel, against a per-tensor or a per-channel bias scale.
     */
    @Test
    void uint8LayerWithPerChannelWeightsChecksEachChannelsBiasScale() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(-7);
        Tensor input = new Tensor(2, "in", new int[] {1, 4, 4, 2}, TfliteGraph.UINT8, 0,
                new Quantization(new float[] {0.5f}, new long[] {128}, 0));
        Tensor filter = new Tensor(3, "w", new int[] {2, 1, 1, 2}, TfliteGraph.UINT8, 0,
                new Quantization(new float[] {0.25f, 2f}, new long[] {128, 128}, 0));
        Operator op = new Operator(0, BuiltinOperators.CONV_2D, null, new int[] {2, 3, 1},
                new int[] {4}, TfliteGraph.Options.NONE);
        Tensor perChannel = new Tensor(1, "t", new int[] {2}, TfliteGraph.INT32, 1,
                new Quantization(new float[] {0.125f, 1f}, new long[2], 0));
        float[] got = Dequantizer.bias(graphOf(b.array()), perChannel, input, filter, 2, op);
        assertEquals(List.of(0.625f, -7f), List.of(got[0], got[1]));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> Dequantizer.bias(graphOf(b.array()), biasScaled(0.125f, 2), input, filter,
                        2, op));
        assertEquals("operator #0 (CONV_2D): int32 bias tensor #1 't' [2] int32 has scale 0.125"
                + ", but input tensor #2 'in' [1, 4, 4, 2] uint8 has scale 0.5 and"
                + " weights tensor #3 'w' [2, 1, 1, 2] uint8 scale 2.0 for channel 1: a uint8"
                + " layer's bias scale must equal input scale x weight scale (1.0) within a"
                + " relative 1e-6, as TensorFlow Lite requires", e.getMessage());
    }

    /** An int32 bias whose input scale is not finite names the bias, not a layer's index. */
    @Test
    void int32BiasWithANonFiniteInputScaleNamesTheBias() {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(7);
        Tensor bias = tensor(TfliteGraph.INT32, new int[] {2}, none());
        // int8: a uint8 layer's bias scale, which no finite one matches, is refused first
        Tensor input = new Tensor(2, "in", new int[] {1, 4, 4, 3}, TfliteGraph.INT8, 0,
                new Quantization(new float[] {Float.POSITIVE_INFINITY}, new long[] {0}, 0));
        Tensor filter = new Tensor(3, "w", new int[] {2, 1, 1, 3}, TfliteGraph.INT8, 0,
                new Quantization(new float[] {0.5f}, new long[] {0}, 0));
        Operator op = new Operator(0, 3, null, new int[] {2, 3, 1}, new int[] {4},
                TfliteGraph.Options.NONE);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> Dequantizer.bias(graphOf(b.array()), bias, input, filter, 2, op));
        assertTrue(e.getMessage().contains("int32 bias tensor #1 't' [2] int32 of channel 0 is"
                + " Infinity (5 times input scale Infinity"), e.getMessage());
    }

    /**
     * An int32 bias is scaled by its layer's input scale, which must be positive: the float
     * network ignores the scales of activations, so a negative one flipped the sign of every
     * bias of the layer, and 0 zeroed them, without a word.
     */
    @Test
    void int32BiasNeedsAPositiveInputScale() {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(5).putInt(7);
        Tensor bias = tensor(TfliteGraph.INT32, new int[] {2}, none());
        Tensor filter = new Tensor(3, "w", new int[] {2, 1, 1, 3}, TfliteGraph.UINT8, 0,
                new Quantization(new float[] {0.5f}, new long[] {0}, 0));
        Operator op = new Operator(0, 3, null, new int[] {2, 3, 1}, new int[] {4},
                TfliteGraph.Options.NONE);
        for (float scale : new float[] {-0.5f, 0f, -0f}) {
            Tensor input = new Tensor(2, "in", new int[] {1, 4, 4, 3}, TfliteGraph.UINT8, 0,
                    new Quantization(new float[] {scale}, new long[] {128}, 0));
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> Dequantizer.bias(graphOf(b.array()), bias, input, filter, 2, op),
                    "scale " + scale);
            assertEquals("operator #0 (CONV_2D): int32 bias tensor #1 't' [2] int32 needs the"
                    + " input tensor #2 'in' [1, 4, 4, 3] uint8 to have a positive scale (scale "
                    + String.format(java.util.Locale.ROOT, "%.6g", scale)
                    + ", zero point 128)", e.getMessage());
        }
    }

    /**
     * The quantized input's zero point out of its type's range (10^6 was taken as is), or a
     * scale that maps pixel values past float range (an IllegalArgumentException escaped
     * TfliteModel.read), fail naming the input tensor.
     */
    @Test
    void inputQuantizationOutOfRangeNamesTheInput() throws Exception {
        String[][] cases = {
                {"uint8", "0.0078125", "1000000", "has zero point 1000000; expected 0 to 255"},
                {"int8", "0.0078125", "128", "has zero point 128; expected -128 to 127"},
                {"uint8", "1e38", "128", "scale 9.999999680285692E37, offset 128.0 maps pixel"
                        + " values 0 to 255 to -Infinity to Infinity: beyond float range"},
                // a subnormal scale: a model of zero inputs, silently
                {"uint8", "1e-40", "128", "the scale is subnormal as a float"},
        };
        for (String[] c : cases) {
            Tensor in = new Tensor(0, "input", new int[] {1, 32, 32, 3},
                    c[0].equals("int8") ? TfliteGraph.INT8 : TfliteGraph.UINT8, 0,
                    new Quantization(new float[] {Float.parseFloat(c[1])},
                            new long[] {Long.parseLong(c[2])}, 0));
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> TfliteModel.normalization(in));
            assertTrue(e.getMessage().startsWith("the quantized input tensor #0 'input' [1, 32,"
                    + " 32, 3] " + c[0]), e.getMessage());
            assertTrue(e.getMessage().contains(c[3]), e.getMessage());
        }
        Tensor ok = new Tensor(0, "input", new int[] {1, 32, 32, 3}, TfliteGraph.INT8, 0,
                new Quantization(new float[] {0.0078125f}, new long[] {-1}, 0));
        assertEquals(127.0, TfliteModel.normalization(ok).offset());
    }

    private static void fails(TfliteGraph g, Tensor t, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> Dequantizer.weights(g, t));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** Dequantizes a random tensor and checks every element against its channel's parameters. */
    private static void checkPerChannel(int type, int[] shape, int dim, float[] scale, long[] zp)
            throws Exception {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        byte[] q = randomBytes(n, 11 + dim);
        Tensor t = tensor(type, shape, new Quantization(scale, zp, dim));
        float[] got = Dequantizer.weights(graphOf(q), t);
        int[] at = new int[shape.length]; // coordinates of element i, row-major
        for (int i = 0; i < n; i++) {
            int ch = at[dim];
            int v = type == TfliteGraph.UINT8 ? Byte.toUnsignedInt(q[i]) : q[i];
            float want = (float) (scale[ch] * (double) (v - zp[ch]));
            assertEquals(want, got[i], "element " + i + " at " + Arrays.toString(at));
            for (int d = shape.length - 1; d >= 0 && ++at[d] == shape[d]; d--) {
                at[d] = 0;
            }
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] q = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            q[i] = (byte) r.nextInt(256);
        }
        return q;
    }

    private static Quantization none() {
        return new Quantization(new float[0], new long[0], 0);
    }

    /** An int32 bias of {@code channels} values in buffer 1 with per-tensor {@code scale}. */
    private static Tensor biasScaled(float scale, int channels) {
        return tensor(TfliteGraph.INT32, new int[] {channels},
                new Quantization(new float[] {scale}, new long[] {0}, 0));
    }

    /** A tensor whose data is buffer 1. */
    private static Tensor tensor(int type, int[] shape, Quantization q) {
        return new Tensor(1, "t", shape, type, 1, q);
    }

    /** A graph holding only the buffers (0 is the empty buffer, as in every TFLite file). */
    private static TfliteGraph graphOf(byte[] data) {
        return new TfliteGraph(List.of(), List.of(), new int[0], new int[0],
                List.of(ByteBuffer.allocate(0), ByteBuffer.wrap(data)), 0, "test graph");
    }
}
