package dev.mobilenetsimd.tflite;

import java.io.IOException;

/**
 * A model file that cannot be imported: truncated or corrupt, an operator or tensor type we do not
 * support, a graph that is not a MobileNetV2, or tensor shapes that do not fit together. The
 * message names the problem (and, where there is one, the operator or tensor). It is an
 * {@link IOException}, like {@link java.util.zip.ZipException}: bad file content, not a bad call.
 */
public class ModelFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * An import failure described by {@code message}.
     *
     * @param message what is wrong
     */
    public ModelFormatException(String message) {
        super(message);
    }

    /**
     * An import failure described by {@code message}, caused by {@code cause}.
     *
     * @param message what is wrong
     * @param cause the underlying failure
     */
    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
