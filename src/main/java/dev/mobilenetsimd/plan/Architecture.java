package dev.mobilenetsimd.plan;

import java.util.List;

/**
 * The MobileNetV2 architecture table (Sandler et al., 2018, table 2), as data: every plan is
 * derived from it. Channel counts are those of width multiplier 1.0; {@link #scaledChannels}
 * applies a multiplier the way the reference implementations do.
 */
public final class Architecture {
    /**
     * One row of bottlenecks: {@code n} inverted residual blocks with expansion factor {@code t}
     * and {@code c} output channels; the first of them has stride {@code s}, the rest stride 1.
     *
     * @param t the expansion factor
     * @param c the output channels at width 1.0
     * @param n the number of blocks
     * @param s the stride of the first block
     */
    public record Bottleneck(int t, int c, int n, int s) {}

    /** Output channels of the stem convolution (3x3, stride 2) at width 1.0. */
    public static final int STEM_CHANNELS = 32;
    /** Stride of the stem convolution. */
    public static final int STEM_STRIDE = 2;
    /** Output channels of the last 1x1 convolution at width 1.0 (not reduced below 1.0). */
    public static final int LAST_CHANNELS = 1280;
    /** Image channels (RGB). */
    public static final int INPUT_CHANNELS = 3;

    /** The bottleneck rows of the table, in order. */
    public static final List<Bottleneck> BOTTLENECKS = List.of(
            new Bottleneck(1, 16, 1, 1),
            new Bottleneck(6, 24, 2, 2),
            new Bottleneck(6, 32, 3, 2),
            new Bottleneck(6, 64, 4, 2),
            new Bottleneck(6, 96, 3, 1),
            new Bottleneck(6, 160, 3, 2),
            new Bottleneck(6, 320, 1, 1));

    private Architecture() {}

    /**
     * Rounds {@code value} to a multiple of {@code divisor}, at least {@code divisor}, and never
     * below 90% of {@code value} (the rule of the TF-slim and torchvision implementations).
     *
     * @param value the scaled channel count, 0 or more
     * @param divisor the multiple, positive
     * @return the rounded channel count
     * @throws IllegalArgumentException if {@code divisor} is not positive, {@code value} is
     *                                  negative or NaN, or the count passes int range
     */
    public static int makeDivisible(double value, int divisor) {
        // A divisor of 0 failed as "/ by zero", and 1e10 channels came back as -2^31.
        if (divisor < 1 || !(value >= 0) || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot round " + value + " channels to a multiple"
                    + " of " + divisor + ": expected 0 to " + Integer.MAX_VALUE + " channels"
                    + " and a positive divisor");
        }
        long rounded = Math.max(divisor, (long) (value + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * value) {
            rounded += divisor;
        }
        if (rounded > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(value + " channels round to " + rounded
                    + ", more than an int holds");
        }
        return (int) rounded;
    }

    /**
     * Channels of a layer with {@code c} channels at width 1.0, scaled by {@code alpha}.
     *
     * @param c the channels at width 1.0
     * @param alpha the width multiplier
     * @return the channels at width {@code alpha}
     * @throws IllegalArgumentException if {@code c * alpha} is negative, NaN or its rounded
     *                                  count passes int range ({@link #makeDivisible})
     */
    public static int scaledChannels(int c, double alpha) {
        return makeDivisible(c * alpha, 8);
    }

    /**
     * Channels of the last 1x1 convolution: 1280, scaled only when {@code alpha > 1}.
     *
     * @param alpha the width multiplier
     * @return the channels
     * @throws IllegalArgumentException if the scaled count passes int range
     */
    public static int lastChannels(double alpha) {
        return alpha > 1.0 ? scaledChannels(LAST_CHANNELS, alpha) : LAST_CHANNELS;
    }
}
