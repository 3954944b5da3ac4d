package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mobilenetsimd.plan.ExecutionMode;
import org.junit.jupiter.api.Test;

/**
 * The medians of the one-JVM tools ({@code steps}, {@code paired}, {@code paired-steps},
 * {@code kernel-calls}, {@code thread-steps}, {@code idle-latency}, {@code ab}): for an even
 * count, the mean of the two middle values. They took the upper one, and every default round
 * count is even. And the tools that take {@code --mode} take the same values.
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

    /**
     * {@code thread-steps} takes {@code --mode} as {@code steps} does, and both as the command
     * line does: {@code unfused} too (refused by the tools alone), in any case. It gave Java's
     * "No enum constant ..." for an unknown mode. The unknown argument after it is there so
     * that a mode let through fails at once, never measures.
     */
    @Test
    void threadStepsTakesTheModesTheCommandLineTakes() {
        for (String mode : new String[] {"bogus", "", "fused-ish"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ThreadSteps.run(new String[] {"--mode", mode, "--bogus"}));
            assertEquals("--mode: unknown mode '" + mode + "': expected fused, or layerwise"
                    + " (also named unfused)", e.getMessage());
        }
        for (String mode : new String[] {"fused", "layerwise", "unfused", "FUSED", " Unfused"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ThreadSteps.run(new String[] {"--mode", mode, "--bogus"}));
            assertEquals("unknown argument '--bogus'", e.getMessage());
        }
        assertEquals(ExecutionMode.LAYERWISE, StepProfile.parseMode("unfused"));
        assertEquals(ExecutionMode.LAYERWISE, StepProfile.parseMode("layerwise"));
        assertEquals(ExecutionMode.FUSED, StepProfile.parseMode("fused"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StepProfile.parseMode(null));
        assertEquals("--mode needs a value", e.getMessage());
    }
}
