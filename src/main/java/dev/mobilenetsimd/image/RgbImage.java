package dev.mobilenetsimd.image;

/**
 * An 8-bit RGB image: {@code width * height * 3} bytes, row-major, channels interleaved (R, G, B),
 * the layout of a uint8 NHWC model input. The array is shared, not copied.
 *
 * @param width  pixels per row, at least 1
 * @param height rows, at least 1
 * @param pixels {@code width * height * 3} bytes (unsigned values)
 */
public record RgbImage(int width, int height, byte[] pixels) {
    /**
     * Validates the size.
     *
     * @param width pixels per row, at least 1
     * @param height rows, at least 1
     * @param pixels {@code width * height * 3} bytes
     * @throws IllegalArgumentException if a size is below 1 or {@code pixels} has another length
     */
    public RgbImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size " + width + "x" + height
                    + ": must be at least 1x1");
        }
        if (pixels == null || (long) width * height * 3 != pixels.length) {
            // Unsigned: 3 bytes a pixel of two sizes near 2^31 pass a long's range (the message
            // read "needs -4611686031312289789 bytes"), but never 2^64.
            throw new IllegalArgumentException("a " + width + "x" + height + " RGB image needs "
                    + Long.toUnsignedString((long) width * height * 3) + " bytes, got "
                    + (pixels == null ? "null" : pixels.length));
        }
    }

    /**
     * Channel {@code c} (0 = red) of pixel ({@code x}, {@code y}), 0 to 255.
     *
     * @param x the column
     * @param y the row
     * @param c the channel: 0 red, 1 green, 2 blue
     * @return the channel's value, 0 to 255
     * @throws IndexOutOfBoundsException unless {@code 0 <= x < width}, {@code 0 <= y < height}
     *                                   and {@code 0 <= c < 3} (an {@code x} past the row, or a
     *                                   {@code c} past blue, read another pixel without a word)
     */
    public int get(int x, int y, int c) {
        if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c >= 3) {
            throw new IndexOutOfBoundsException("pixel (" + x + ", " + y + ") channel " + c
                    + " is outside the " + width + "x" + height + " RGB image");
        }
        return Byte.toUnsignedInt(pixels[(y * width + x) * 3 + c]);
    }
}
