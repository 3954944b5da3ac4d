package dev.mobilenetsimd.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeapLayoutTest {
    @Test
    void alignUpGivesTheNearestIndexAtTheAlignedPhase() {
        int phase = HeapLayout.phase();
        assertTrue(phase >= 0 && phase < HeapLayout.ALIGN_FLOATS, "phase " + phase);
        for (long i = 0; i < 100; i++) {
            long a = HeapLayout.alignUp(i);
            assertTrue(a >= i && a < i + HeapLayout.ALIGN_FLOATS, i + " -> " + a);
            assertEquals(phase, a % HeapLayout.ALIGN_FLOATS, i + " -> " + a);
        }
    }

    /** Past the last aligned long the sum wrapped to a negative index; negatives came back. */
    @Test
    void alignUpRefusesWhatItCannotAlign() {
        long max = Long.MAX_VALUE - HeapLayout.ALIGN_FLOATS + 1 + HeapLayout.phase();
        assertEquals(HeapLayout.phase(), max % HeapLayout.ALIGN_FLOATS);
        assertEquals(max, HeapLayout.alignUp(max));
        assertEquals(max, HeapLayout.alignUp(max - HeapLayout.ALIGN_FLOATS + 1));
        for (long index : new long[] {max + 1, Long.MAX_VALUE, -1, -5, Long.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HeapLayout.alignUp(index), "index " + index);
            assertEquals("index " + index + ": expected 0 to " + max
                    + " (the largest 64-byte aligned index)", e.getMessage());
        }
    }

    @Test
    void largeArrayLengthNeverShrinks() {
        assertEquals(Math.max(7, HeapLayout.largeArrayFloats()), HeapLayout.largeArrayLength(7));
        assertEquals(Integer.MAX_VALUE - 64, HeapLayout.largeArrayLength(Integer.MAX_VALUE - 64));
        assertTrue(HeapLayout.largeArrayFloats() <= (32 << 20) / Float.BYTES + 32);
    }
}
