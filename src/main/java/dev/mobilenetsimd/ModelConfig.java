package dev.mobilenetsimd;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * One member of the MobileNetV2 family: width multiplier, input resolution, number of classes and
 * padding convention. Everything else (every shape, channel count and buffer) follows from these
 * and the architecture table.
 *
 * @param alpha      width multiplier, {@code 0 < alpha <= 4} (TF-slim publishes 0.35 to 1.4)
 * @param resolution input height and width in pixels, {@value #MIN_RESOLUTION} to
 *                   {@value #MAX_RESOLUTION}
 * @param classes    classifier outputs, 1 to {@value #MAX_CLASSES}
 * @param padding    border convention of the 3x3 layers
 */
public record ModelConfig(double alpha, int resolution, int classes, Padding padding) {
    /**
     * Smallest input: 2^5, which the five stride-2 stages bring down to one pixel. Each stage
     * rounds up, so a smaller input would still run, on maps of one pixel padded all round.
     */
    public static final int MIN_RESOLUTION = 32;
    /** Largest input accepted (the arena grows with the square of it). */
    public static final int MAX_RESOLUTION = 2048;
    /** Largest classifier accepted. */
    public static final int MAX_CLASSES = 1_000_000;

    /**
     * Validates every field.
     *
     * @param alpha width multiplier, {@code 0 < alpha <= 4}
     * @param resolution input height and width in pixels, {@value #MIN_RESOLUTION} to
     *         {@value #MAX_RESOLUTION}
     * @param classes classifier outputs, 1 to {@value #MAX_CLASSES}
     * @param padding border convention of the 3x3 layers
     * @throws IllegalArgumentException if a field is out of its range or {@code padding} is null
     */
    public ModelConfig {
        if (!(alpha > 0 && alpha <= 4) || Double.isNaN(alpha)) {
            throw new IllegalArgumentException(
                    "width multiplier alpha = " + alpha
                    + " is not allowed: expected 0 < alpha <= 4");
        }
        if (resolution < MIN_RESOLUTION || resolution > MAX_RESOLUTION) {
            throw new IllegalArgumentException("resolution = " + resolution
                    + " is not allowed: expected " + MIN_RESOLUTION + " to " + MAX_RESOLUTION
                    + " pixels");
        }
        if (classes < 1 || classes > MAX_CLASSES) {
            throw new IllegalArgumentException(
                    "classes = " + classes + " is not allowed: expected 1 to " + MAX_CLASSES);
        }
        if (padding == null) {
            throw new IllegalArgumentException("padding is null: expected SYMMETRIC or TF_SAME");
        }
    }

    /**
     * MobileNetV2 1.0/224 with 1001 classes (ImageNet plus background) and TensorFlow padding.
     *
     * @return the standard configuration
     */
    public static ModelConfig standard() {
        return new ModelConfig(1.0, 224, 1001, Padding.TF_SAME);
    }

    @Override
    public String toString() {
        return "MobileNetV2 " + decimal(alpha) + "/" + resolution + " (" + classes
                + (classes == 1 ? " class, " : " classes, ")
                + padding.name().toLowerCase(java.util.Locale.ROOT) + " padding)";
    }

    /**
     * {@code v} (positive, finite) in the fewest significant digits that parse back to it, in a
     * form the command line's {@code --alpha} takes: plain from 0.001 up to 10^7, as Java prints
     * those ("1.0", "0.35"), else with a lower-case exponent and no ".0" ("1e-300", where Java
     * prints "1.0E-300"). The digits are searched for rather than taken from Double.toString,
     * which before JDK 19 could give more of them than needed, so every JDK shows the same text.
     */
    static String decimal(double v) {
        BigDecimal exact = new BigDecimal(v);
        BigDecimal b = exact;
        for (int digits = 1; digits <= 17; digits++) {
            b = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (b.doubleValue() == v) {
                break;
            }
        }
        b = b.stripTrailingZeros();
        int exponent = b.precision() - b.scale() - 1; // of the first significant digit
        if (exponent >= -3 && exponent < 7) {
            String plain = b.toPlainString();
            return plain.indexOf('.') < 0 ? plain + ".0" : plain;
        }
        String digits = b.unscaledValue().toString();
        return digits.charAt(0) + (digits.length() > 1 ? "." + digits.substring(1) : "") + "e"
                + exponent;
    }
}
