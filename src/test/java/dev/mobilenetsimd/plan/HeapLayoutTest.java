package dev.mobilenetsimd.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void largeArrayLengthNeverShrinks() {
        assertEquals(Math.max(7, HeapLayout.largeArrayFloats()), HeapLayout.largeArrayLength(7));
        assertEquals(Integer.MAX_VALUE - 64, HeapLayout.largeArrayLength(Integer.MAX_VALUE - 64));
        assertTrue(HeapLayout.largeArrayFloats() <= (32 << 20) / Float.BYTES + 32);
    }
}
