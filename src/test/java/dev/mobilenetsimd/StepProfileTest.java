package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The medians of the one-JVM tools ({@code steps}, {@code paired}, {@code paired-steps},
 * {@code kernel-calls}, {@code thread-steps}, {@code idle-latency}, {@code ab}): for an even
 * count, the mean of the two middle values. They took the upper one, and every default round
 * count is even.
 */
class StepProfileTest {
    @Test
    void anEvenCountsMedianIsTheMeanOfTheTwoMiddleValues() {
        assertEquals(2.5, StepProfile.medianMicros(new long[] {4000, 1000, 3000, 2000}), 1e-12);
        assertEquals(2.0, StepProfile.medianMicros(new long[] {3000, 1000, 2000}), 1e-12);
        assertEquals(7.0, StepProfile.medianMicros(new long[] {7000}), 1e-12);
        // over rounds of a row's steps summed: (1 + 2) and (3 + 5) µs
        assertEquals(5.5, StepProfile.medianOfSums(new long[][] {{1000, 3000}, {2000, 5000}},
                0, 1), 1e-12);
        assertEquals(1.5, StepProfile.median(new double[] {2, 1, 9, 0}), 1e-12);
        assertEquals(2.0, StepProfile.median(new double[] {2, 1, 9}), 1e-12);
    }
}
