package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

/** Shared helpers for the whole-network tests. */
final class NetworkTestSupport {
    private NetworkTestSupport() {}

    static float[] randomImage(int length, long seed) {
        Random rnd = new Random(seed);
        float[] img = new float[length];
        for (int i = 0; i < length; i++) {
            img[i] = rnd.nextFloat() * 2f - 1f;
        }
        return img;
    }

    /** Indices of the k largest values, largest first. */
    static int[] topK(float[] v, int k) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(v[b], v[a]));
        int[] out = new int[Math.min(k, v.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    static float maxAbs(float[] v) {
        float m = 0;
        for (float f : v) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }

    /**
     * Logits of two backends agree: every logit within {@code 1e-3 * (1 + max |logit|)} (FMA and
     * a different summation order change the last bits of every sum, over 53 layers), and the
     * top-5 indices are identical.
     */
    static void assertLogitsAgree(float[] expected, float[] actual, String what) {
        float tol = 1e-3f * (1 + maxAbs(expected));
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Float.isFinite(actual[i]), what + ": logit " + i + " is " + actual[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + ": logit " + i + " expected " + expected[i] + " got " + actual[i]
                    + " (tolerance " + tol + ")");
        }
        assertArrayEquals(topK(expected, 5), topK(actual, 5), what + ": top-5 differ");
    }
}
