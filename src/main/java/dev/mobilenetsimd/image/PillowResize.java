package dev.mobilenetsimd.image;

/**
 * Resizes like Pillow's {@code Image.resize(size, Image.BILINEAR)} on 8-bit images, to within one
 * grey level: a triangle filter whose support widens by the scale factor when shrinking
 * (antialiasing), per-output-pixel coefficient windows normalised to sum 1 and rounded to 22-bit
 * fixed point, a horizontal pass into an 8-bit intermediate image and then a vertical pass, each
 * rounding and clamping to 0..255. The whole image is resized; the aspect ratio is not kept.
 */
public final class PillowResize {
    /** Pillow's fixed-point precision for 8-bit images: 32 - 8 - 2 bits. */
    private static final int PRECISION_BITS = 22;

    /**
     * Coefficients worked out at a time (more if one output's window is longer): every output's
     * at once for a photo. All of a pass's at once, as Pillow keeps them, are about 2 per input
     * column (8 bytes): shrinking an image one row tall took about 3 times its own size.
     */
    private static final int COEFFICIENT_LIMIT = 1 << 16;

    private PillowResize() {}

    /**
     * {@code src} resized to {@code width} x {@code height}.
     *
     * @param src the image
     * @param width the target width
     * @param height the target height
     * @return the resized image, a new one even if the size does not change
     * @throws NullPointerException     if {@code src} is null
     * @throws IllegalArgumentException if the target is smaller than 1x1, or it or the
     *                                  intermediate image (the target's width x the source's
     *                                  height) has more than {@link ImageDecoder#MAX_PIXELS} pixels
     */
    public static RgbImage bilinear(RgbImage src, int width, int height) {
        return bilinear(src, width, height, COEFFICIENT_LIMIT);
    }

    /** {@link #bilinear(RgbImage, int, int)} computing about {@code coefficientLimit} at a time. */
    static RgbImage bilinear(RgbImage src, int width, int height, int coefficientLimit) {
        java.util.Objects.requireNonNull(src, "image to resize is null");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size " + width + "x" + height
                    + ": must be at least 1x1");
        }
        if ((long) width * height > ImageDecoder.MAX_PIXELS) { // its bytes overflowed an int
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "target size"
                    + " %dx%d: %,d pixels, more than the %,d accepted", width, height,
                    (long) width * height, ImageDecoder.MAX_PIXELS));
        }
        if (width != src.width() && (long) width * src.height() > ImageDecoder.MAX_PIXELS) {
            // the horizontal pass, first as in Pillow, makes a width x src.height() image
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "resizing"
                    + " %dx%d to %dx%d: the intermediate %dx%d image has more than the %,d pixels"
                    + " accepted", src.width(), src.height(), width, height, width, src.height(),
                    ImageDecoder.MAX_PIXELS));
        }
        RgbImage img = src;
        if (width != src.width()) {
            img = horizontal(img, width, coefficientLimit);
        }
        if (height != src.height()) {
            img = vertical(img, height, coefficientLimit);
        }
        return img == src ? new RgbImage(src.width(), src.height(), src.pixels().clone()) : img;
    }

    /**
     * Fixed-point coefficient windows of outputs {@code first} to {@code first + count - 1}: for
     * the i-th of them, {@code bounds[2i]} = first input, {@code bounds[2i+1]} = count.
     */
    private static final class Coefficients {
        final int ksize;
        final int[] bounds;
        final int[] k;

        Coefficients(int inSize, int outSize, int first, int count) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = 1.0 * filterScale;   // the triangle filter's support is 1
            double ss = 1.0 / filterScale;
            ksize = windowSize(inSize, outSize);
            bounds = new int[count * 2];
            k = new int[count * ksize];
            for (int i = 0; i < count; i++) {
                double center = (first + i + 0.5) * scale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double sum = 0;
                for (int x = 0; x < xmax; x++) {
                    sum += weight(x + xmin - center + 0.5, ss);
                }
                for (int x = 0; x < xmax; x++) {
                    // Worked out again rather than kept: the same double, without a window-long
                    // array of them.
                    double w = weight(x + xmin - center + 0.5, ss);
                    double v = sum != 0.0 ? w / sum : w;
                    // C's (int) truncates toward zero, as Pillow's normalize_coeffs_8bpc relies on.
                    k[i * ksize + x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS)
                            : 0.5 + v * (1 << PRECISION_BITS));
                }
                bounds[2 * i] = xmin;
                bounds[2 * i + 1] = xmax;
            }
        }

        /** The triangle filter at distance {@code d} from an output's centre, in input pixels. */
        private static double weight(double d, double ss) {
            double t = Math.abs(d * ss);
            return t < 1.0 ? 1.0 - t : 0.0;
        }

        /** The longest window, in inputs. */
        static int windowSize(int inSize, int outSize) {
            double support = Math.max((double) inSize / outSize, 1.0);
            return (int) Math.ceil(support) * 2 + 1;
        }

        /** Outputs whose windows fit in about {@code limit} coefficients, at least one. */
        static int outputsPerBatch(int inSize, int outSize, int limit) {
            return Math.max(1, Math.min(outSize, limit / windowSize(inSize, outSize)));
        }
    }

    private static int clip8(int v) {
        int s = v >> PRECISION_BITS;
        return s < 0 ? 0 : Math.min(s, 255);
    }

    private static RgbImage horizontal(RgbImage src, int outW, int coefficientLimit) {
        int h = src.height(), inW = src.width();
        byte[] in = src.pixels();
        byte[] out = new byte[outW * h * 3];
        int batch = Coefficients.outputsPerBatch(inW, outW, coefficientLimit);
        for (int first = 0; first < outW; first += batch) {
            int count = Math.min(batch, outW - first);
            Coefficients c = new Coefficients(inW, outW, first, count);
            for (int y = 0; y < h; y++) {
                int row = y * inW * 3;
                for (int i = 0; i < count; i++) {
                    int xmin = c.bounds[2 * i], n = c.bounds[2 * i + 1], kb = i * c.ksize;
                    int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                    for (int x = 0; x < n; x++) {
                        int p = row + (xmin + x) * 3;
                        int k = c.k[kb + x];
                        s0 += (in[p] & 0xFF) * k;
                        s1 += (in[p + 1] & 0xFF) * k;
                        s2 += (in[p + 2] & 0xFF) * k;
                    }
                    int o = (y * outW + first + i) * 3;
                    out[o] = (byte) clip8(s0);
                    out[o + 1] = (byte) clip8(s1);
                    out[o + 2] = (byte) clip8(s2);
                }
            }
        }
        return new RgbImage(outW, h, out);
    }

    private static RgbImage vertical(RgbImage src, int outH, int coefficientLimit) {
        int w = src.width(), inH = src.height();
        byte[] in = src.pixels();
        byte[] out = new byte[w * outH * 3];
        int batch = Coefficients.outputsPerBatch(inH, outH, coefficientLimit);
        for (int first = 0; first < outH; first += batch) {
            int count = Math.min(batch, outH - first);
            Coefficients c = new Coefficients(inH, outH, first, count);
            for (int i = 0; i < count; i++) {
                int ymin = c.bounds[2 * i], n = c.bounds[2 * i + 1], kb = i * c.ksize;
                for (int x = 0; x < w; x++) {
                    int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                    for (int y = 0; y < n; y++) {
                        int p = ((ymin + y) * w + x) * 3;
                        int k = c.k[kb + y];
                        s0 += (in[p] & 0xFF) * k;
                        s1 += (in[p + 1] & 0xFF) * k;
                        s2 += (in[p + 2] & 0xFF) * k;
                    }
                    int o = ((first + i) * w + x) * 3;
                    out[o] = (byte) clip8(s0);
                    out[o + 1] = (byte) clip8(s1);
                    out[o + 2] = (byte) clip8(s2);
                }
            }
        }
        return new RgbImage(w, outH, out);
    }
}
