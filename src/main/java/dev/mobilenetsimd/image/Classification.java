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
     * <p>Logits that are not finite: a NaN anywhere makes every probability NaN (there is no
     * order to rank them by). Infinite logits get their limit: when the largest logit is +Inf,
     * the logits equal to +Inf share probability 1 and the others get 0; when every logit is
     * -Inf, each gets {@code 1 / logits.length}, as equal logits do. A finite logit of any size
     * cannot overflow: the largest is subtracted before {@code exp}.
     *
     * @param logits the network's outputs
     * @return the probabilities, a new array of the same length
     * @throws NullPointerException if {@code logits} is null
     */
    public static float[] softmax(float[] logits) {
        java.util.Objects.requireNonNull(logits, "logits are null");
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v); // NaN when any logit is NaN
        }
        float[] p = new float[logits.length];
        if (Double.isInfinite(max)) {
            // exp(max - max) would be exp(Inf - Inf) = NaN: the limit instead, the probability
            // shared by the logits at the largest (+Inf, or -Inf when all are)
            int at = 0;
            for (float v : logits) {
                at += v == max ? 1 : 0;
            }
            for (int i = 0; i < p.length; i++) {
                p[i] = logits[i] == max ? (float) (1.0 / at) : 0f;
            }
            return p;
        }
        double[] e = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    /**
     * Indices of the {@code k} largest values of {@code values}, largest first (ties: lower index
     * first). NaN ranks below every number, -Inf included, so the order is total and the same on
     * every run; NaN probabilities come out in index order.
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
        if (n > INSERTION_MAX) {
            return sortedTop(values, n);
        }
        List<Integer> best = new ArrayList<>(n + 1);
        for (int i = 0; i < values.length; i++) {
            int pos = best.size();
            while (pos > 0 && ranksAbove(values[i], values[best.get(pos - 1)])) {
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

    /**
     * Largest {@code k} ranked by insertion, which costs up to {@code k} steps per value: all
     * 10^5 values of a 10^5-class model took 2.7 s (10^6, the most classes a model may have,
     * minutes). Larger ones sort every value once.
     */
    private static final int INSERTION_MAX = 64;

    /** The first {@code n} indices of {@link #topK}'s order, by one sort of every value. */
    private static int[] sortedTop(float[] values, int n) {
        long[] keys = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            keys[i] = (long) rankKey(values[i]) << 32 | i; // ties: lower index first
        }
        java.util.Arrays.sort(keys);
        int[] top = new int[n];
        for (int i = 0; i < n; i++) {
            top[i] = (int) keys[i];
        }
        return top;
    }

    /**
     * An int that orders as {@link #ranksAbove} does, first ranked lowest: larger values lower,
     * -0 and 0 equal (they compare equal), every NaN last.
     */
    private static int rankKey(float v) {
        if (Float.isNaN(v)) {
            return Integer.MAX_VALUE;
        }
        int bits = Float.floatToIntBits(v + 0.0f); // -0 + 0 is 0
        int ascending = bits >= 0 ? bits : bits ^ Integer.MAX_VALUE; // orders as the floats do
        return ~ascending; // below MAX_VALUE: -Inf's is 0x7F800000
    }

    /**
     * Whether {@code a} ranks strictly before {@code b}: a NaN compares false with everything, and
     * a value after a NaN stayed behind it ({@code [1, NaN, 3]} ranked 3 last).
     */
    private static boolean ranksAbove(float a, float b) {
        return a > b || (Float.isNaN(b) && !Float.isNaN(a));
    }
}
