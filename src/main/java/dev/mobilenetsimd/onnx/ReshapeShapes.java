package dev.mobilenetsimd.onnx;

import java.util.Arrays;

/**
 * The shape arithmetic of a Reshape as ONNX Runtime resolves it, and the words for a target
 * shape that does not give a fixed batch of images a row each.
 */
final class ReshapeShapes {
    private ReshapeShapes() {}

    /**
     * The shape ONNX Runtime makes of a tensor of shape {@code from} with a Reshape to
     * {@code to}: a 0 copies {@code from}'s size at its index, a -1 takes what the others
     * leave. Null where ONNX Runtime fails that Reshape: two -1s, a size below -1, a 0 past
     * {@code from}'s rank, or a shape that does not hold {@code from}'s values (sizes past
     * 64 bits too).
     */
    static long[] reshaped(long[] from, long[] to) {
        try {
            long values = 1;
            for (long d : from) {
                values = Math.multiplyExact(values, d);
            }
            long[] made = new long[to.length];
            long known = 1;
            int inferred = -1;
            for (int i = 0; i < to.length; i++) {
                long d = to[i] == 0 && i < from.length ? from[i] : to[i];
                if (d == -1 && inferred < 0) {
                    inferred = i;
                    continue;
                }
                if (d < 1) {
                    return null;
                }
                made[i] = d;
                known = Math.multiplyExact(known, d);
            }
            if (inferred >= 0) {
                made[inferred] = values / known;
            }
            return values % known == 0 && (inferred >= 0 || known == values) ? made : null;
        } catch (ArithmeticException e) {
            return null;
        }
    }

    /**
     * Why {@code made}, a reshape of a fixed batch of {@code rows} images of {@code width}
     * values each ({@link #reshaped}), is not one row of them for each image.
     */
    static String notOneRowEach(long[] made, long rows, int width) {
        String values = "their " + rows + " x " + width + " values";
        return made == null ? "that shape does not hold " + values
                : "that makes " + values + " " + Arrays.toString(made) + ", not a row of "
                        + width + " for each image";
    }

    /**
     * The target shapes that give a fixed batch of {@code rows} images a row of {@code width}
     * values each.
     */
    static String rowsOfBatch(long rows, int width) {
        return "[" + rows + ", " + width + "], [" + rows + ", -1], [0, -1] or [-1, " + width + "]";
    }
}
