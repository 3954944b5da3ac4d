package dev.mobilenetsimd.image;

import java.util.Locale;

/**
 * How 8-bit pixel values become the floats a model expects: {@code real = scale * (p - offset)}.
 * For a uint8-input TensorFlow Lite model this is the input tensor's quantization
 * ({@code offset} = zero point): with scale 1/128 and zero point 128, {@code (p - 128) / 128}.
 *
 * @param scale  multiplier, positive and finite
 * @param offset pixel value that maps to 0
 */
public record InputNormalization(double scale, double offset) {
    /** Validates the scale. */
    public InputNormalization {
        if (!(scale > 0) || Double.isInfinite(scale) || Double.isNaN(offset) || Double.isInfinite(offset)) {
            throw new IllegalArgumentException("input normalisation scale " + scale + ", offset " + offset
                    + ": the scale must be positive and both finite");
        }
    }

    /** The usual MobileNet float range [-1, 1]: {@code (p - 127.5) / 127.5}. */
    public static InputNormalization minusOneToOne() {
        return new InputNormalization(1 / 127.5, 127.5);
    }

    /** Normalises one pixel value (0 to 255). */
    public float apply(int pixel) {
        return (float) (scale * (pixel - offset));
    }

    /**
     * Normalises every byte of {@code rgb} (unsigned) into a new float array of the same length.
     *
     * @throws NullPointerException if {@code rgb} is null
     */
    public float[] apply(byte[] rgb) {
        java.util.Objects.requireNonNull(rgb, "pixels are null");
        float[] lut = new float[256];
        for (int i = 0; i < 256; i++) {
            lut[i] = apply(i);
        }
        float[] out = new float[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            out[i] = lut[rgb[i] & 0xFF];
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.8g * (p - %s)", scale, offset);
    }
}
