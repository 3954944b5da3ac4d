package dev.mobilenetsimd.tflite;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The parts of a TensorFlow Lite model's first subgraph that the importer needs, decoded from the
 * flatbuffer into plain objects by {@link TfliteReader}, so that mapping the graph never touches
 * raw flatbuffer offsets.
 */
final class TfliteGraph {
    // TensorType values of schema.fbs.
    static final int FLOAT32 = 0, FLOAT16 = 1, INT32 = 2, UINT8 = 3, INT64 = 4, INT8 = 9;
    // ActivationFunctionType values.
    static final int ACT_NONE = 0, ACT_RELU6 = 3;
    // Padding values; PAD_UNKNOWN is no schema value: TensorFlow Lite's padding when it has no
    // options to read one from (kTfLitePaddingUnknown).
    static final int PAD_SAME = 0, PAD_VALID = 1, PAD_UNKNOWN = -1;

    /** Per-tensor or per-channel affine quantization: {@code real = scale * (q - zeroPoint)}. */
    record Quantization(float[] scale, long[] zeroPoint, int quantizedDimension) {
        boolean present() {
            return scale.length > 0;
        }

        @Override
        public String toString() {
            if (!present()) {
                return "not quantized";
            }
            return scale.length == 1
                    ? String.format(Locale.ROOT, "scale %.6g, zero point %d", scale[0],
                            zeroPoint.length > 0 ? zeroPoint[0] : 0)
                    : scale.length + " per-channel scales along dimension " + quantizedDimension;
        }
    }

    /** A tensor: shape, element type, the buffer holding its data (0 = none) and quantization. */
    record Tensor(int index, String name, int[] shape, int type, int buffer,
            Quantization quantization) {
        /**
         * The element count, or -1 when a dimension is negative or the count overflows a long:
         * two negative dimensions, or a product wrapping past 2^64, could make a plausible count.
         */
        long elements() {
            long n = 1;
            for (int d : shape) {
                if (d < 0) {
                    return -1;
                }
                try {
                    n = Math.multiplyExact(n, d);
                } catch (ArithmeticException e) {
                    return -1;
                }
            }
            return n;
        }

        String describe() {
            return "tensor #" + index + " '" + name + "' " + Arrays.toString(shape) + " "
                    + typeName(type);
        }
    }

    /**
     * The builtin options of one operator, flattened: only the fields of the option tables our
     * operators use (Conv2D, DepthwiseConv2D, Pool2D, FullyConnected, Add, Softmax, Reducer,
     * Reshape). {@code keepDims} is a MEAN's keep_dims or a FULLY_CONNECTED's keep_num_dims;
     * {@code newShape} is a RESHAPE's new_shape, {@code null} when it has none.
     * {@code missing} is {@code null} when the fields were read from the operator's option table;
     * otherwise it says why they were not (no options, or options of another union type) and the
     * fields are TensorFlow Lite's defaults for that case ({@link #defaults}).
     */
    record Options(int padding, int strideW, int strideH, int dilationW, int dilationH,
                   int depthMultiplier, int filterW, int filterH, int activation, boolean keepDims,
                   float beta, int weightsFormat, int[] newShape, String missing) {
        /** The options of an operator that has no option table to read (PAD, DEQUANTIZE, ...). */
        static final Options NONE = new Options(PAD_SAME, 0, 0, 1, 1, 0, 0, 0, ACT_NONE, false,
                0f, 0, null, null);

        /** Options read from a table, without a new_shape (every operator's but a RESHAPE's). */
        Options(int padding, int strideW, int strideH, int dilationW, int dilationH,
                int depthMultiplier, int filterW, int filterH, int activation, boolean keepDims,
                float beta, int weightsFormat) {
            this(padding, strideW, strideH, dilationW, dilationH, depthMultiplier, filterW,
                    filterH, activation, keepDims, beta, weightsFormat, null, null);
        }

        /**
         * What TensorFlow Lite takes for an operator whose options it finds no table of the
         * expected union type for: its parameter struct left zeroed (strides, dilations, window
         * and beta 0, padding unknown, no activation, keep_dims and keep_num_dims false, no
         * new_shape). {@code missing} says why, for messages.
         */
        static Options defaults(String missing) {
            return new Options(PAD_UNKNOWN, 0, 0, 0, 0, 0, 0, 0, ACT_NONE, false, 0f, 0, null,
                    missing);
        }

        @Override
        public String toString() { // the array's contents, not its identity
            return "Options[padding=" + padding + ", strideW=" + strideW + ", strideH=" + strideH
                    + ", dilationW=" + dilationW + ", dilationH=" + dilationH
                    + ", depthMultiplier=" + depthMultiplier + ", filterW=" + filterW
                    + ", filterH=" + filterH + ", activation=" + activation + ", keepDims="
                    + keepDims + ", beta=" + beta + ", weightsFormat=" + weightsFormat
                    + ", newShape=" + Arrays.toString(newShape) + ", missing=" + missing + "]";
        }
    }

    /**
     * One operator: builtin code (or a custom code name),
     * input and output tensor indices (-1 = absent).
     */
    record Operator(int index, int builtinCode, String customCode, int[] inputs, int[] outputs,
                    Options options) {
        String opName() {
            return builtinCode == BuiltinOperators.CUSTOM
                    ? "custom operator '" + customCode + "'" : BuiltinOperators.name(builtinCode);
        }

        String describe() {
            return "operator #" + index + " (" + opName() + ")";
        }

        /** Input {@code i}, or -1 when the operator has fewer inputs or the slot is unused. */
        int input(int i) {
            return i < inputs.length ? inputs[i] : -1;
        }
    }

    final List<Tensor> tensors;
    final List<Operator> operators;
    final int[] inputs;
    final int[] outputs;
    /** Per model buffer: its data, little-endian, or {@code null} when empty. */
    final List<ByteBuffer> buffers;
    /**
     * Where the last buffer's data ends in the file: data appended to the model (a labels
     * archive) starts there or later.
     */
    final int dataEnd;
    final String description;

    TfliteGraph(List<Tensor> tensors, List<Operator> operators, int[] inputs, int[] outputs,
                List<ByteBuffer> buffers, int dataEnd, String description) {
        this.tensors = tensors;
        this.operators = operators;
        this.inputs = inputs;
        this.outputs = outputs;
        this.buffers = buffers;
        this.dataEnd = dataEnd;
        this.description = description;
    }

    Tensor tensor(int index) throws ModelFormatException {
        if (index < 0 || index >= tensors.size()) {
            throw new ModelFormatException("tensor index " + index + " out of range: the graph has "
                    + tensors.size() + " tensors");
        }
        return tensors.get(index);
    }

    /** Whether {@code t} has constant data (which {@link #data} may still find inconsistent). */
    boolean hasData(Tensor t) {
        return t.buffer() > 0 && t.buffer() < buffers.size() && buffers.get(t.buffer()) != null;
    }

    /**
     * The constant data of {@code t}, little-endian,
     * checked against its shape; fails if it has none.
     */
    ByteBuffer data(Tensor t) throws ModelFormatException {
        ByteBuffer b = hasData(t) ? buffers.get(t.buffer()) : null;
        if (b == null) {
            throw new ModelFormatException(t.describe()
                    + " should be a constant (weights) but has no data");
        }
        int size = elementSize(t.type());
        if (size == 0) {
            throw new ModelFormatException(t.describe() + ": element type " + typeName(t.type())
                    + " is not supported for weights");
        }
        long n = t.elements();
        if (n < 0) {
            throw new ModelFormatException(t.describe() + " has a negative dimension or more"
                    + " elements than a long counts");
        }
        // n * size could wrap to the data's size; no file holds more than 2^31 elements.
        if (n > Integer.MAX_VALUE || b.remaining() != n * size) {
            throw new ModelFormatException(t.describe() + " has " + b.remaining()
                    + " bytes of data, but its shape needs " + n + " elements of " + size
                    + " bytes");
        }
        return b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    static int elementSize(int type) {
        switch (type) {
            case FLOAT32: case INT32: return 4;
            case FLOAT16: return 2;
            case UINT8: case INT8: return 1;
            case INT64: return 8;
            default: return 0;
        }
    }

    static String typeName(int type) {
        switch (type) {
            case FLOAT32: return "float32";
            case FLOAT16: return "float16";
            case INT32: return "int32";
            case UINT8: return "uint8";
            case INT64: return "int64";
            case INT8: return "int8";
            case 5: return "string";
            case 6: return "bool";
            case 7: return "int16";
            default: return "type " + type;
        }
    }
}
