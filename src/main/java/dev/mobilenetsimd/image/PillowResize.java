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

    private PillowResize() {}

    /**
     * {@code src} resized to {@code width} x {@code height}.
     *
     * @throws NullPointerException     if {@code src} is null
     * @throws IllegalArgumentException if the target is smaller than 1x1, or it or the
     *                                  intermediate image (the target's width x the source's
     *                                  height) has more than {@link ImageDecoder#MAX_PIXELS} pixels
     */
    public static RgbImage bilinear(RgbImage src, int width, int height) {
        java.util.Objects.requireNonNull(src, "image to resize is null");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size " + width + "x" + height + ": must be at least 1x1");
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
            img = horizontal(img, width);
        }
        if (height != src.height()) {
            img = vertical(img, height);
        }
        return img == src ? new RgbImage(src.width(), src.height(), src.pixels().clone()) : img;
    }

    /** Fixed-point coefficient windows: for output i, {@code bounds[2i]} = first input, {@code bounds[2i+1]} = count. */
    private static final class Coefficients {
        final int ksize;
        final int[] bounds;
        final int[] k;

        Coefficients(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = 1.0 * filterScale;   // the triangle filter's support is 1
            ksize = (int) Math.ceil(support) * 2 + 1;
            bounds = new int[outSize * 2];
            k = new int[outSize * ksize];
            double[] w = new double[ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double sum = 0;
                for (int x = 0; x < xmax; x++) {
                    double t = Math.abs((x + xmin - center + 0.5) * ss);
                    w[x] = t < 1.0 ? 1.0 - t : 0.0;
                    sum += w[x];
                }
                for (int x = 0; x < xmax; x++) {
                    double v = sum != 0.0 ? w[x] / sum : w[x];
                    // C's (int) truncates toward zero, as Pillow's normalize_coeffs_8bpc relies on.
                    k[xx * ksize + x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS)
                            : 0.5 + v * (1 << PRECISION_BITS));
                }
                bounds[2 * xx] = xmin;
                bounds[2 * xx + 1] = xmax;
            }
        }
    }

    private static int clip8(int v) {
        int s = v >> PRECISION_BITS;
        return s < 0 ? 0 : Math.min(s, 255);
    }

    private static RgbImage horizontal(RgbImage src, int outW) {
        Coefficients c = new Coefficients(src.width(), outW);
        int h = src.height(), inW = src.width();
        byte[] in = src.pixels();
        byte[] out = new byte[outW * h * 3];
        for (int y = 0; y < h; y++) {
            int row = y * inW * 3;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = c.bounds[2 * xx], n = c.bounds[2 * xx + 1], kb = xx * c.ksize;
                int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                for (int x = 0; x < n; x++) {
                    int p = row + (xmin + x) * 3;
                    int k = c.k[kb + x];
                    s0 += (in[p] & 0xFF) * k;
                    s1 += (in[p + 1] & 0xFF) * k;
                    s2 += (in[p + 2] & 0xFF) * k;
                }
                int o = (y * outW + xx) * 3;
                out[o] = (byte) clip8(s0);
                out[o + 1] = (byte) clip8(s1);
                out[o + 2] = (byte) clip8(s2);
            }
        }
        return new RgbImage(outW, h, out);
    }

    private static RgbImage vertical(RgbImage src, int outH) {
        Coefficients c = new Coefficients(src.height(), outH);
        int w = src.width();
        byte[] in = src.pixels();
        byte[] out = new byte[w * outH * 3];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = c.bounds[2 * yy], n = c.bounds[2 * yy + 1], kb = yy * c.ksize;
            for (int x = 0; x < w; x++) {
                int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                for (int y = 0; y < n; y++) {
                    int p = ((ymin + y) * w + x) * 3;
                    int k = c.k[kb + y];
                    s0 += (in[p] & 0xFF) * k;
                    s1 += (in[p + 1] & 0xFF) * k;
                    s2 += (in[p + 2] & 0xFF) * k;
                }
                int o = (yy * w + x) * 3;
                out[o] = (byte) clip8(s0);
                out[o + 1] = (byte) clip8(s1);
                out[o + 2] = (byte) clip8(s2);
            }
        }
        return new RgbImage(w, outH, out);
    }
}
