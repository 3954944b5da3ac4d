package dev.mobilenetsimd.kernels;

import static dev.mobilenetsimd.kernels.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Vector ReLU6 and add: bit-exact against {@link Activation#apply} and float addition (no
 * reordering is possible, so no tolerance), for every length 0 .. 3 * lanes + 1 at several
 * offsets (full vectors plus the masked tail), with NaN, +-Inf, -0, values around 0 and 6;
 * elements outside the range must stay untouched; add also with output aliasing an input.
 */
class ElementwiseTest {
    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, -0f, 0f, 6f, 6.0000005f, 5.9999995f, -1e-30f, 1e30f,
            3.5f, -7f};
    private final KernelSet vec = KernelSets.vector();

    @Test
    void relu6MatchesActivationBitForBit() {
        SplittableRandom r = new SplittableRandom(21);
        for (int len = 0; len <= 3 * lanes() + 1; len++) {
            for (int off = 0; off <= 2; off++) {
                float[] a = random(r, off + len + 3, -10f, 10f);
                for (int i = 0; i < a.length; i++) {
                    if (r.nextInt(3) == 0) {
                        a[i] = SPECIAL[r.nextInt(SPECIAL.length)];
                    }
                }
                float[] want = a.clone();
                for (int i = off; i < off + len; i++) {
                    want[i] = Activation.RELU6.apply(want[i]);
                }
                vec.relu6(a, off, len);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(a[i]),
                            "len=" + len + " off=" + off + " i=" + i + ": " + a[i] + " vs "
                            + want[i]);
                }
            }
        }
    }

    @Test
    void relu6SpecialValues() {
        float[] a = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -3f, 7f, 2.5f};
        vec.relu6(a, 0, a.length);
        assertEquals(Float.NaN, a[0]);
        assertEquals(6f, a[1]);
        assertEquals(0f, a[2]);
        assertEquals(0f, a[3]);
        assertEquals(6f, a[4]);
        assertEquals(2.5f, a[5]);
    }

    @Test
    void addMatchesScalarBitForBit() {
        SplittableRandom r = new SplittableRandom(22);
        for (int len = 0; len <= 3 * lanes() + 1; len++) {
            for (int shift = 0; shift <= 2; shift++) {
                float[] a = random(r, len + 4, -10f, 10f);
                float[] b = random(r, len + 4, -10f, 10f);
                a[0] = Float.NaN;
                b[len + 3] = Float.POSITIVE_INFINITY;
                int aOff = shift, bOff = 2 - shift, outOff = 1;
                float[] out = filled(len + 3, SENTINEL);
                vec.add(a, aOff, b, bOff, out, outOff, len);
                for (int i = 0; i < out.length; i++) {
                    float want = i >= outOff && i < outOff + len
                            ? a[aOff + i - outOff] + b[bOff + i - outOff] : SENTINEL;
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[i]),
                            "len=" + len + " i=" + i);
                }
                // In place: out is the same region as a.
                float[] a2 = a.clone();
                vec.add(a2, aOff, b, bOff, a2, aOff, len);
                for (int i = 0; i < len; i++) {
                    assertEquals(a[aOff + i] + b[bOff + i], a2[aOff + i], "in place len=" + len);
                }
            }
        }
    }

    /**
     * A negative length is refused by both backends with one message, before anything is
     * written: both did nothing for it, silently.
     */
    @Test
    void aNegativeLengthIsRefusedAlikeByBothBackends() {
        for (KernelSet k : new KernelSet[] {vec, KernelSets.scalar()}) {
            for (int len : new int[] {-1, -lanes() - 1, Integer.MIN_VALUE}) {
                float[] a = filled(2 * lanes() + 4, 9f), b = a.clone(), out = a.clone();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> k.relu6(a, 2, len), k.name());
                assertEquals("len = " + len + ": expected 0 or more", e.getMessage(), k.name());
                e = assertThrows(IllegalArgumentException.class,
                        () -> k.add(a, 0, b, 1, out, 2, len), k.name());
                assertEquals("len = " + len + ": expected 0 or more", e.getMessage(), k.name());
                assertArrayEquals(filled(a.length, 9f), a, k.name());
                assertArrayEquals(filled(out.length, 9f), out, k.name());
            }
        }
    }
}
