package dev.mobilenetsimd.image;

import java.util.ArrayList;
import java.util.List;

/**
 * The result of classifying one image.
 *
 * @param top            the most probable classes, most probable first
 * @param probabilities  softmax over all classes (a fresh array owned by this result)
 * @param inferenceNanos wall time of the network run alone (no decoding or resizing)
 */
public record Classification(List<Prediction> top, float[] probabilities, long inferenceNanos) {
    /**
     * Copies {@code top} into an unmodifiable list.
     *
     * @param top the most probable classes, most probable first
     * @param probabilities softmax over all classes
     * @param inferenceNanos wall time of the network run alone
     * @throws NullPointerException     if {@code top} or {@code probabilities} is null, or holds
     *                                  null
     * @throws IllegalArgumentException if {@code top} is empty ({@link #best} needs one class)
     */
    public Classification {
        java.util.Objects.requireNonNull(top, "top classes are null");
        java.util.Objects.requireNonNull(probabilities, "probabilities are null");
        top = List.copyOf(top);
        if (top.isEmpty()) {
            throw new IllegalArgumentException("no top classes: expected at least one");
        }
    }

    /**
     * The most probable class.
     *
     * @return the first of {@link #top()}
     */
    public Prediction best() {
        return top.get(0);
    }

    /**
     * Numerically stable softmax of {@code logits} (computed in double, returned as floats).
     *
     * @param logits the network's outputs
     * @return the probabilities, a new array of the same length
     * @throws NullPointerException if {@code logits} is null
     */
    public static float[] softmax(float[] logits) {
        java.util.Objects.requireNonNull(logits, "logits are null");
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] e = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    /**
     * Indices of the {@code k} largest values of {@code values}, largest first (ties: lower index
     * first).
     *
     * @param values the values ranked
     * @param k how many indices to return (fewer if {@code values} has fewer; none if
     *         {@code k < 1})
     * @return the indices, a new array
     * @throws NullPointerException if {@code values} is null
     */
    public static int[] topK(float[] values, int k) {
        java.util.Objects.requireNonNull(values, "values are null");
        int n = Math.min(Math.max(k, 0), values.length);
        List<Integer> best = new ArrayList<>(n + 1);
        for (int i = 0; i < values.length; i++) {
            int pos = best.size();
            while (pos > 0 && values[best.get(pos - 1)] < values[i]) {
                pos--;
            }
            if (pos < n) {
                best.add(pos, i);
                if (best.size() > n) {
                    best.remove(n);
                }
            }
        }
        return best.stream().mapToInt(Integer::intValue).toArray();
    }
}
