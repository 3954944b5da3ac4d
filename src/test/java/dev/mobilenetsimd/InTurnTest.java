package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The per-round ratios that {@code bench/run.sh paired} and {@code ab} print: the median of an
 * even count of rounds is the two middle ratios' mean, and other percentiles lie between the two
 * nearest ranks. The index {@code n * percent / 100} took the upper middle ratio, and every other
 * percentile one rank high.
 */
class InTurnTest {
    @Test
    void roundRatioPercentilesLieBetweenTheNearestRanks() {
        double[] a = {1, 1, 1, 1, 1};
        InTurn.Result odd = new InTurn.Result(1, 1, a, new double[] {1.4, 1.0, 1.2, 1.1, 1.3});
        assertEquals(1.2, odd.roundRatio(50), 1e-12);
        assertEquals(1.04, odd.roundRatio(10), 1e-12); // 0.4 of the way from 1.0 to 1.1
        assertEquals(1.36, odd.roundRatio(90), 1e-12);
        assertEquals(1.0, odd.roundRatio(0), 1e-12);
        assertEquals(1.4, odd.roundRatio(100), 1e-12);
        InTurn.Result even = new InTurn.Result(1, 1, new double[] {2, 2, 2, 2},
                new double[] {2.6, 2.0, 2.4, 2.2});
        assertEquals(1.15, even.roundRatio(50), 1e-12); // (1.1 + 1.2) / 2, not 1.2
    }
}
