package dev.mobilenetsimd.onnx;

import dev.mobilenetsimd.tflite.ModelFormatException;

/**
 * An ONNX file that cannot be imported: truncated or corrupt protobuf, an operator or data type we
 * do not support, a graph that is not a MobileNetV2, or tensor shapes that do not fit together. The
 * message names the problem and, where there is one, the node or tensor. A
 * {@link ModelFormatException}, so code that imports models of any format can catch that alone.
 */
public class OnnxFormatException extends ModelFormatException {
    private static final long serialVersionUID = 1L;

    /**
     * An import failure described by {@code message}.
     *
     * @param message what is wrong
     */
    public OnnxFormatException(String message) {
        super(message);
    }

    /**
     * An import failure described by {@code message}, caused by {@code cause}.
     *
     * @param message what is wrong
     * @param cause the underlying failure
     */
    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
