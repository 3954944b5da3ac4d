package dev.mobilenetsimd.tflite;

/**
 * Codes and names of TensorFlow Lite's builtin operators (the BuiltinOperator enum of schema.fbs).
 */
final class BuiltinOperators {
    static final int ADD = 0, AVERAGE_POOL_2D = 1, CONV_2D = 3, DEPTHWISE_CONV_2D = 4,
            DEQUANTIZE = 6, FULLY_CONNECTED = 9, RESHAPE = 22, SOFTMAX = 25, CUSTOM = 32, PAD = 34,
            MEAN = 40, QUANTIZE = 114;

    private static final String[] NAMES = (
            "ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE "
            + "EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D "
            + "LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU "
            + "RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH "
            + "CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD "
            + "UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE "
            + "MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE "
            + "BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE "
            + "BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM "
            + "ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN "
            + "TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT "
            + "SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ONE_HOT "
            + "LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE "
            + "FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE "
            + "MIRROR_PAD ABS "
            + "SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE "
            + "MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH").split(" ");

    private BuiltinOperators() {}

    /** The schema name of builtin operator {@code code}, e.g. {@code "CONV_2D"}. */
    static String name(int code) {
        return code >= 0 && code < NAMES.length ? NAMES[code] : "builtin operator " + code;
    }

    /** Whether the importer understands operator {@code code}. */
    static boolean supported(int code) {
        switch (code) {
            case ADD: case AVERAGE_POOL_2D: case CONV_2D: case DEPTHWISE_CONV_2D: case DEQUANTIZE:
            case FULLY_CONNECTED: case RESHAPE: case SOFTMAX: case PAD: case MEAN: case QUANTIZE:
                return true;
            default:
                return false;
        }
    }
}
