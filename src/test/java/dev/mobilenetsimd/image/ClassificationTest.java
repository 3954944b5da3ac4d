package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
