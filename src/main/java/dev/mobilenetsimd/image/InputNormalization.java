package dev.mobilenetsimd.image;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How 8-bit RGB pixel values become the floats a model expects:
 * {@code real = scale[c] * (p - offset[c])} for a value {@code p} (0 to 255) of channel {@code c}
 * (0 red, 1 green, 2 blue). Immutable.
 *
 * <p>Two families of models differ here:
 * <ul>
 *   <li>TensorFlow's MobileNets take one range for all channels: for a uint8-input TensorFlow Lite
 *       model it is the input tensor's quantization ({@code offset} = zero point; scale 1/128 and
 *       zero point 128 give {@code (p - 128) / 128}), for a float one {@link #minusOneToOne()}.
 *       {@link #InputNormalization(double, double)} makes such a uniform normalisation.</li>
 *   <li>PyTorch (torchvision) models, and ONNX models exported from them, take
 *       {@code (p / 255 - mean[c]) / std[c]} with ImageNet's mean and standard deviation per
 *       channel: {@link #IMAGENET}; {@link #meanStd} makes others.</li>
 * </ul>
 *
 * <p>The network takes floats: every constructor and factory refuses a normalisation that, as
 * floats, maps a pixel value beyond float range, has a scale that is 0 or subnormal (a channel
 * of zeros, silently: std 1e300) or maps every pixel value of a channel to one value (an offset
 * that swamps the scale), naming the channel and the value.
 *
 * <p>This was a record of {@code (scale, offset)}; it keeps that constructor and those accessors,
 * which a per-channel normalisation cannot answer ({@link #isUniform()}).
 */
public final class InputNormalization {
    /** Channels of an RGB pixel. */
    public static final int CHANNELS = 3;

    /** Before {@link #IMAGENET}, whose construction may name a channel. */
    private static final String[] CHANNEL_NAMES = {"red", "green", "blue"};

    /**
     * torchvision's ImageNet preprocessing, {@code (p / 255 - mean[c]) / std[c]} with mean
     * (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), red, green, blue: what torchvision's
     * MobileNetV2 and the ONNX model zoo's mobilenetv2 expect.
     */
    public static final InputNormalization IMAGENET = meanStd(new double[] {0.485, 0.456, 0.406},
            new double[] {0.229, 0.224, 0.225});

    private final double[] scales;
    private final double[] offsets;

    /**
     * The same normalisation for every channel: {@code real = scale * (p - offset)}.
     *
     * @param scale  multiplier, positive and finite
     * @param offset pixel value that maps to 0, finite
     * @throws IllegalArgumentException if {@code scale} is not positive and finite,
     *                                  {@code offset} is not finite, or as floats a pixel value
     *                                  (0 to 255) would map beyond float range, the scale be 0
     *                                  or subnormal, or every pixel value map to one value
     */
    public InputNormalization(double scale, double offset) {
        this(new double[] {scale, scale, scale}, new double[] {offset, offset, offset}, false);
    }

    /** Takes the arrays (copies made by the caller); {@code perChannel} names a bad channel. */
    private InputNormalization(double[] scales, double[] offsets, boolean perChannel) {
        for (int c = 0; c < CHANNELS; c++) {
            double scale = scales[c], offset = offsets[c];
            if (!(scale > 0) || Double.isInfinite(scale) || !Double.isFinite(offset)) {
                throw new IllegalArgumentException("input normalisation scale " + scale
                        + ", offset " + offset + (perChannel ? " of the " + CHANNEL_NAMES[c]
                        + " channel" : "") + ": the scale must be positive and both finite");
            }
            String why = unusable(scale, offset);
            if (why != null) {
                throw new IllegalArgumentException("input normalisation scale " + scale
                        + ", offset " + offset + (perChannel ? " of the " + CHANNEL_NAMES[c]
                        + " channel" : "") + why);
            }
        }
        for (int c = 0; c < CHANNELS; c++) {
            offsets[c] += 0.0; // -0.0 becomes 0.0: the same normalisation, so equal
        }
        this.scales = scales;
        this.offsets = offsets;
    }

    /**
     * Why {@code scale * (p - offset)} (positive scale, both finite), as the float the network
     * takes, is no use for pixel values {@code p} 0 to 255, or null if it is: past float range
     * (scale 1e300: infinities, and every logit NaN); a scale that is 0 or subnormal as a float
     * (std 1e300: a channel of zeros, silently); or an offset so large that every value maps to
     * the same float (the channel's pixels lost). Starts with " maps" or ": ", for the messages.
     */
    private static String unusable(double scale, double offset) {
        float lo = apply(scale, offset, 0), hi = apply(scale, offset, 255);
        if (!Float.isFinite(lo) || !Float.isFinite(hi)) {
            return " maps pixel values 0 to 255 to " + lo + " to " + hi + ": beyond float range";
        }
        float step = (float) scale; // between neighbouring pixel values
        if (step < Float.MIN_NORMAL) {
            return ": the scale is " + (step == 0 ? "0 as a float, the network's input type, so"
                    + " every pixel value 0 to 255 would become 0" : "subnormal as a float (" + step
                    + "), the network's input type, so pixel values 0 to 255 would become "
                    + lo + " to " + hi + " with few significant bits") + "; expected a scale of"
                    + " at least 2^-126 (about 1.18e-38), the smallest normal float";
        }
        if (lo == hi) {
            return ": maps every pixel value 0 to 255 to " + lo + " as a float, the network's"
                    + " input type: the offset swamps the scale";
        }
        return null;
    }

    /** One value, as {@link #apply(int, int)} computes it. */
    private static float apply(double scale, double offset, int pixel) {
        return (float) (scale * (pixel - offset));
    }

    /**
     * A normalisation of its own for each channel: {@code real = scales[c] * (p - offsets[c])}.
     *
     * @param scales  multipliers for red, green and blue: exactly 3, each positive and finite
     * @param offsets pixel values (0 to 255 scale) that map to 0, red, green and blue: exactly 3,
     *                each finite
     * @return the normalisation
     * @throws NullPointerException     if an array is null
     * @throws IllegalArgumentException if an array does not have 3 values, a scale is not
     *                                  positive and finite, an offset not finite, or as floats
     *                                  a pixel value (0 to 255) of a channel would map beyond
     *                                  float range, its scale be 0 or subnormal, or all its
     *                                  pixel values map to one value
     */
    public static InputNormalization perChannel(double[] scales, double[] offsets) {
        requireRgb(scales, "scales");
        requireRgb(offsets, "offsets");
        return new InputNormalization(scales.clone(), offsets.clone(), true);
    }

    /**
     * The normalisation of PyTorch's {@code ToTensor} then {@code Normalize(mean, std)}:
     * {@code real = (p / 255 - mean[c]) / std[c]}, i.e. scale {@code 1 / (255 std[c])} and offset
     * {@code 255 mean[c]}. {@link #IMAGENET} is the usual one.
     *
     * @param mean the mean of red, green and blue on pixels scaled to [0, 1]: exactly 3 finite
     *             values, e.g. ImageNet's {@code {0.485, 0.456, 0.406}}
     * @param std  their standard deviations: exactly 3 positive finite values, e.g. ImageNet's
     *             {@code {0.229, 0.224, 0.225}}
     * @return the normalisation
     * @throws NullPointerException     if an array is null
     * @throws IllegalArgumentException if an array does not have 3 values, a mean is not
     *                                  finite, a standard deviation not positive and finite, or
     *                                  as floats a pixel value (0 to 255) of a channel would map
     *                                  beyond float range, its scale be 0 or subnormal (a
     *                                  standard deviation of 1e300), or all its pixel values
     *                                  map to one value
     */
    public static InputNormalization meanStd(double[] mean, double[] std) {
        requireRgb(mean, "mean");
        requireRgb(std, "std");
        double[] scales = new double[CHANNELS];
        double[] offsets = new double[CHANNELS];
        for (int c = 0; c < CHANNELS; c++) {
            if (!Double.isFinite(mean[c])) {
                throw new IllegalArgumentException("mean " + Arrays.toString(mean) + ": the "
                        + CHANNEL_NAMES[c] + " value " + mean[c] + " is not finite; expected"
                        + " finite means of pixels scaled to [0, 1] (ImageNet: 0.485, 0.456,"
                        + " 0.406)");
            }
            if (!(std[c] > 0) || Double.isInfinite(std[c])) {
                throw new IllegalArgumentException("std " + Arrays.toString(std) + ": the "
                        + CHANNEL_NAMES[c] + " value " + std[c] + " is not positive and finite;"
                        + " expected standard deviations of pixels scaled to [0, 1] (ImageNet:"
                        + " 0.229, 0.224, 0.225)");
            }
            scales[c] = 1 / (255 * std[c]);
            offsets[c] = 255 * mean[c];
            // std 1e-310, 1e-300 (too large a scale), 1e300 (0 as a float); mean 1e308
            String why = !(scales[c] > 0) || Double.isInfinite(scales[c])
                    || !Double.isFinite(offsets[c]) ? "" : unusable(scales[c], offsets[c]);
            if (why != null) {
                throw new IllegalArgumentException("mean " + mean[c] + ", std " + std[c]
                        + " of the " + CHANNEL_NAMES[c] + " channel: out of range (scale "
                        + scales[c] + ", offset " + offsets[c] + why + "); expected values of"
                        + " pixels scaled to [0, 1]");
            }
        }
        return new InputNormalization(scales, offsets, true);
    }

    private static void requireRgb(double[] values, String what) {
        Objects.requireNonNull(values, what + " is null");
        if (values.length != CHANNELS) {
            throw new IllegalArgumentException(what + " " + Arrays.toString(values) + " has "
                    + values.length + " values; expected exactly 3: red, green, blue");
        }
    }

    /**
     * The usual MobileNet float range [-1, 1]: {@code (p - 127.5) / 127.5}.
     *
     * @return {@code (p - 127.5) / 127.5}
     */
    public static InputNormalization minusOneToOne() {
        return new InputNormalization(1 / 127.5, 127.5);
    }

    /**
     * Whether every channel has the same scale and offset.
     *
     * @return {@code true} if the channels are normalised alike
     */
    public boolean isUniform() {
        return scales[0] == scales[1] && scales[1] == scales[2]
                && offsets[0] == offsets[1] && offsets[1] == offsets[2];
    }

    /**
     * The scale of every channel.
     *
     * @return the common scale
     * @throws IllegalStateException if the channels have different scales or offsets
     *                               ({@link #isUniform()}); use {@link #scale(int)}
     */
    public double scale() {
        requireUniform("scale()", "scale(channel)");
        return scales[0];
    }

    /**
     * The offset of every channel.
     *
     * @return the common offset
     * @throws IllegalStateException if the channels have different scales or offsets
     *                               ({@link #isUniform()}); use {@link #offset(int)}
     */
    public double offset() {
        requireUniform("offset()", "offset(channel)");
        return offsets[0];
    }

    /**
     * The scale of channel {@code channel} (0 red, 1 green, 2 blue).
     *
     * @param channel 0, 1 or 2
     * @return that channel's scale
     * @throws IndexOutOfBoundsException if {@code channel} is not 0, 1 or 2
     */
    public double scale(int channel) {
        return scales[checkChannel(channel)];
    }

    /**
     * The offset of channel {@code channel} (0 red, 1 green, 2 blue): the pixel value that maps
     * to 0.
     *
     * @param channel 0, 1 or 2
     * @return that channel's offset
     * @throws IndexOutOfBoundsException if {@code channel} is not 0, 1 or 2
     */
    public double offset(int channel) {
        return offsets[checkChannel(channel)];
    }

    /**
     * {@code channel} if it is 0, 1 or 2: the JDK's "Index 3 out of bounds for length 3" named
     * neither a channel nor the valid ones.
     */
    private static int checkChannel(int channel) {
        if (channel < 0 || channel >= CHANNELS) {
            throw new IndexOutOfBoundsException("channel " + channel + ": expected 0 (red),"
                    + " 1 (green) or 2 (blue)");
        }
        return channel;
    }

    /**
     * Normalises one pixel value (0 to 255).
     *
     * @param pixel the value, 0 to 255
     * @return the normalised value
     * @throws IllegalStateException    if the channels are normalised differently
     *                                  ({@link #isUniform()}); use {@link #apply(int, int)}
     * @throws IllegalArgumentException if {@code pixel} is not 0 to 255
     */
    public float apply(int pixel) {
        requireUniform("apply(pixel)", "apply(pixel, channel)");
        return apply(pixel, 0);
    }

    /**
     * Normalises one value (0 to 255) of channel {@code channel} (0 red, 1 green, 2 blue).
     *
     * @param pixel the value, 0 to 255
     * @param channel 0, 1 or 2
     * @return the normalised value
     * @throws IndexOutOfBoundsException if {@code channel} is not 0, 1 or 2
     * @throws IllegalArgumentException  if {@code pixel} is not 0 to 255
     */
    public float apply(int pixel, int channel) {
        checkChannel(channel);
        // Only 0 to 255 is checked to stay in float range: a 16-bit sample or a signed byte (-1
        // for 255) was mapped without a word, up to Infinity.
        if (pixel < 0 || pixel > 255) {
            throw new IllegalArgumentException("pixel value " + pixel + ": expected 0 to 255 (an"
                    + " 8-bit sample, unsigned)");
        }
        return apply(scales[channel], offsets[channel], pixel);
    }

    /**
     * Normalises every byte of {@code rgb} (unsigned; RGB interleaved, byte {@code i} of channel
     * {@code i % 3}, as in an NHWC image) into a new float array of the same length.
     *
     * @param rgb the pixel values
     * @return the normalised values, a new array
     * @throws NullPointerException     if {@code rgb} is null
     * @throws IllegalArgumentException if the channels are normalised differently and the length
     *                                  is not a multiple of 3 (a uniform normalisation takes any
     *                                  length)
     */
    public float[] apply(byte[] rgb) {
        Objects.requireNonNull(rgb, "pixels are null");
        boolean uniform = isUniform();
        if (!uniform && rgb.length % CHANNELS != 0) {
            throw new IllegalArgumentException(rgb.length + " bytes are not whole RGB pixels:"
                    + " expected a multiple of 3 (red, green, blue interleaved)");
        }
        float[] out = new float[rgb.length];
        int channels = uniform ? 1 : CHANNELS;
        for (int c = 0; c < channels; c++) {
            float[] lut = new float[256];
            for (int p = 0; p < 256; p++) {
                lut[p] = apply(p, c);
            }
            for (int i = c; i < rgb.length; i += channels) {
                out[i] = lut[rgb[i] & 0xFF];
            }
        }
        return out;
    }

    private void requireUniform(String method, String instead) {
        if (!isUniform()) {
            throw new IllegalStateException(method + " of " + this + ": the channels are"
                    + " normalised differently; use " + instead);
        }
    }

    /**
     * Equal when every channel has the same scale and offset (compared as
     * {@link Double#compare} does, like the record this was).
     */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof InputNormalization)) {
            return false;
        }
        InputNormalization n = (InputNormalization) o;
        return Arrays.equals(scales, n.scales) && Arrays.equals(offsets, n.offsets);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(scales) + Arrays.hashCode(offsets);
    }

    /**
     * {@code 0.0078125000 * (p - 128.0)} when uniform, else each channel's, e.g.
     * {@code R 0.017124754 * (p - 123.675), G ..., B ...}.
     */
    @Override
    public String toString() {
        if (isUniform()) {
            return term(scales[0], offsets[0]);
        }
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < CHANNELS; c++) {
            sb.append(c == 0 ? "" : ", ").append("RGB".charAt(c)).append(' ')
                    .append(term(scales[c], offsets[c]));
        }
        return sb.toString();
    }

    /** {@code scale * (p - offset)}, or {@code (p + -offset)} for a negative offset. */
    private static String term(double scale, double offset) {
        return String.format(Locale.ROOT, "%.8g * (p %s %s)", scale, offset < 0 ? "+" : "-",
                Math.abs(offset));
    }
}
