package dev.mobilenetsimd.kernels;

import static dev.mobilenetsimd.kernels.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Vector global average pool and classifier GEMV against the scalar oracle. Pool: channels
 * 1 .. 3 * lanes + 1 and 96, 320, 960, 1280, pixels 1, 2, 3, 7, 49, 50, at offsets (tolerance:
 * pixels + 2 terms on sum|x| / pixels; in fact it sums in the scalar order). Dense: outputs
 * 1 .. 5 * lanes + 1 (tiles of four vectors, leftovers, masked tail) and 10, 1000, 1001, inputs
 * 1, 2, 3, 17, 1280, with and without bias (tolerance: inputs + 1 terms on sum|x*w| + |bias|).
 */
class HeadTest {
    private final KernelSet vec = KernelSets.vector();
    private final KernelSet ref = KernelSets.scalar();

    @Test
    void poolMatchesScalar() {
        SplittableRandom r = new SplittableRandom(11);
        for (int c : channelCounts(96, 320, 960, 1280)) {
            for (int pixels : new int[] {1, 2, 3, 7, 49, 50}) {
                int inOff = c % 3, outOff = 1 + c % 2;
                float[] in = random(r, inOff + pixels * c, -8f, 8f);
                float[] e = filled(outOff + c + 3, SENTINEL), a = e.clone(), m = e.clone();
                ref.globalAveragePool(in, inOff, pixels, c, e, outOff);
                vec.globalAveragePool(in, inOff, pixels, c, a, outOff);
                ref.globalAveragePool(abs(in), inOff, pixels, c, m, outOff);
                assertClose("pool c=" + c + " pixels=" + pixels, e, a, m, pixels);
            }
        }
    }

    /**
     * A pool of no pixels or of a negative count is refused by both backends with one message:
     * 0 pixels wrote NaN (0 / 0) to every channel, and a negative count wrote -0 or nothing.
     */
    @Test
    void aPoolOfNoPixelsOrANegativeCountIsRefusedAlikeByBothBackends() {
        for (KernelSet k : new KernelSet[] {vec, ref}) {
            for (int pixels : new int[] {0, -1, Integer.MIN_VALUE}) {
                float[] in = filled(64, 1f), out = filled(8, SENTINEL);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> k.globalAveragePool(in, 0, pixels, 8, out, 0), k.name());
                assertEquals("globalAveragePool of pixels = " + pixels + ": expected 1 or more"
                        + " (the mean of no pixels is not a number)", e.getMessage(), k.name());
                assertArrayEquals(filled(8, SENTINEL), out, k.name());
            }
            float[] in = filled(64, 1f), out = filled(8, SENTINEL);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.globalAveragePool(in, 0, 4, -3, out, 0), k.name());
            assertEquals("channels = -3: expected 0 or more", e.getMessage(), k.name());
            k.globalAveragePool(in, 0, 4, 0, out, 0); // no channels: nothing to write
            assertArrayEquals(filled(8, SENTINEL), out, k.name());
        }
    }

    @Test
    void denseMatchesScalar() {
        SplittableRandom r = new SplittableRandom(12);
        int variant = 0;
        java.util.TreeSet<Integer> ks = new java.util.TreeSet<>();
        for (int k = 1; k <= 5 * lanes() + 1; k++) {
            ks.add(k);
        }
        ks.add(10);
        ks.add(1000);
        ks.add(1001);
        for (int k : ks) {
            for (int n : new int[] {1, 2, 3, 17, 1280}) {
                if (n == 1280 && k < 10 && k % 3 != 0) {
                    continue; // keep the big-input cases to a handful of k
                }
                boolean withBias = (variant++ & 1) == 0;
                int inOff = k % 4, outOff = 1 + k % 3;
                float[] in = random(r, inOff + n, -8f, 8f);
                float[] w = random(r, n * k, -1f, 1f);
                float[] bias = withBias ? random(r, k, -2f, 2f) : null;
                float[] e = filled(outOff + k + 2, SENTINEL), a = e.clone(), m = e.clone();
                ref.dense(in, inOff, ref.packDense(w, bias, n, k), e, outOff);
                vec.dense(in, inOff, vec.packDense(w, bias, n, k), a, outOff);
                ref.dense(abs(in), inOff, ref.packDense(abs(w), abs(bias), n, k), m, outOff);
                assertClose("dense n=" + n + " k=" + k + (withBias ? "" : " null bias"), e, a, m,
                        n + 1);
            }
        }
    }

    @Test
    void denseRejectsForeignOrMisshapenWeights() {
        PackedWeights scalarPacked = ref.packDense(new float[6], null, 2, 3);
        assertThrows(IllegalArgumentException.class,
                () -> vec.dense(new float[2], 0, scalarPacked, new float[3], 0));
        assertThrows(IllegalArgumentException.class,
                () -> vec.packDense(new float[5], null, 2, 3));
        assertThrows(IllegalArgumentException.class,
                () -> vec.packDense(new float[6], new float[2], 2, 3));
    }
}
