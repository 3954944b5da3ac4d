package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ModelConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link Classification#softmax} and {@link Classification#topK} on logits that are not finite. */
class ClassificationTest {
    private static final float INF = Float.POSITIVE_INFINITY;

    /** +Inf logits share the probability (exp(Inf - Inf) made every probability NaN). */
    @Test
    void infiniteLogitsGetTheirLimit() {
        assertArrayEquals(new float[] {0, 0.5f, 0, 0.5f},
                Classification.softmax(new float[] {3, INF, -INF, INF}));
        assertArrayEquals(new float[] {1, 0}, Classification.softmax(new float[] {INF, 1e30f}));
        // all -Inf: equal logits, so equal probabilities
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f},
                Classification.softmax(new float[] {-INF, -INF, -INF, -INF}));
        // -Inf beside finite logits: probability 0, the others as without it
        assertArrayEquals(Classification.softmax(new float[] {1, 2}),
                java.util.Arrays.copyOf(Classification.softmax(new float[] {1, 2, -INF}), 2));
        assertArrayEquals(new float[0], Classification.softmax(new float[0]));
    }

    /** Finite logits of any size: no overflow in exp, equal ones equally probable. */
    @Test
    void hugeAndEqualFiniteLogits() {
        float max = Float.MAX_VALUE;
        assertArrayEquals(new float[] {0, 1, 0},
                Classification.softmax(new float[] {-max, max, 0}));
        assertArrayEquals(new float[] {0.5f, 0.5f}, Classification.softmax(new float[] {max, max}));
        float third = (float) (1.0 / 3);
        assertArrayEquals(new float[] {third, third, third},
                Classification.softmax(new float[] {-7, -7, -7}));
    }

    /** A NaN logit makes every probability NaN, and the top classes then come in index order. */
    @Test
    void nanLogitsMakeEveryProbabilityNaN() {
        float[] p = Classification.softmax(new float[] {1, Float.NaN, INF, 2});
        for (float v : p) {
            assertTrue(Float.isNaN(v), java.util.Arrays.toString(p));
        }
        assertArrayEquals(new int[] {0, 1, 2}, Classification.topK(p, 3));
    }

    /**
     * NaN ranks below every number: a value after a NaN stayed behind it ([1, NaN, 3] ranked 3
     * last), so the order depended on where the NaN was.
     */
    @Test
    void topKRanksNaNLast() {
        assertArrayEquals(new int[] {2, 0, 1},
                Classification.topK(new float[] {1, Float.NaN, 3}, 3));
        assertArrayEquals(new int[] {3, 2, 4, 0},
                Classification.topK(new float[] {Float.NaN, Float.NaN, 0, INF, -INF}, 4));
        assertArrayEquals(new int[] {1, 2}, Classification.topK(new float[] {Float.NaN, 5, 5}, 2));
    }

    /**
     * Every class of the largest model ranked: insertion took up to k steps per value (all 10^5
     * values 2.7 s, all 10^6 minutes); a sort takes well under a second.
     */
    @Test
    void topKOfEveryClassOfTheLargestModelIsQuick() {
        float[] values = randomValues(new Random(7), ModelConfig.MAX_CLASSES);
        int[] top = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> Classification.topK(values, values.length));
        assertArrayEquals(reference(values, values.length), top);
    }

    /** Both ways of ranking (few indices, many) give the documented order, ties and all. */
    @Test
    void topKOrderIsTheSameForAnyK() {
        Random r = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            float[] values = randomValues(r, 1 + r.nextInt(300));
            for (int k : new int[] {1, 5, 64, 65, 100, values.length, Integer.MAX_VALUE}) {
                assertArrayEquals(reference(values, k), Classification.topK(values, k),
                        () -> Arrays.toString(values) + ", k = " + k);
            }
        }
    }

    /** Values with ties, both zeros, infinities and NaNs of several payloads. */
    private static float[] randomValues(Random r, int n) {
        float[] special = {0f, -0f, INF, -INF, Float.NaN, Float.intBitsToFloat(0x7fc00123),
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1f};
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(4) == 0 ? special[r.nextInt(special.length)]
                    : r.nextInt(3) == 0 ? r.nextInt(5) : (float) r.nextGaussian();
        }
        return v;
    }

    /** topK's documented order by a stable sort: larger first, NaN last, ties by index. */
    private static int[] reference(float[] v, int k) {
        Comparator<Integer> order = (a, b) -> Float.isNaN(v[a]) || Float.isNaN(v[b])
                ? Boolean.compare(Float.isNaN(v[a]), Float.isNaN(v[b]))
                : v[a] > v[b] ? -1 : v[a] < v[b] ? 1 : 0;
        return IntStream.range(0, v.length).boxed().sorted(order)
                .limit(Math.max(k, 0)).mapToInt(Integer::intValue).toArray();
    }
}
