package dev.mobilenetsimd;

import java.util.Arrays;

/**
 * Two things timed in turn in one JVM, a few calls of each per round, so that a change of the
 * host's state hits both alike: the measuring loop of {@link PairedModes} and {@link BuildAB}.
 */
final class InTurn {
    private InTurn() {}

    /** One timed call. */
    interface Timed {
        void once() throws Exception;
    }

    /**
     * Medians over all timed calls, in µs; each round's median of either side, in round order;
     * and the per-round ratios {@code b ÷ a} (each round's median of {@code b} over its median of
     * {@code a}), sorted.
     */
    static final class Result {
        final double medianA, medianB;
        final double[] roundMediansA, roundMediansB;
        final double[] roundRatios;

        Result(double medianA, double medianB, double[] roundMediansA,
               double[] roundMediansB) {
            this.medianA = medianA;
            this.medianB = medianB;
            this.roundMediansA = roundMediansA;
            this.roundMediansB = roundMediansB;
            roundRatios = new double[roundMediansA.length];
            for (int r = 0; r < roundRatios.length; r++) {
                roundRatios[r] = roundMediansB[r] / roundMediansA[r];
            }
            Arrays.sort(roundRatios);
        }

        /**
         * The per-round ratio at the {@code percent}th percentile, between the two nearest ranks
         * (the 50th is the median, the two middle ratios' mean for an even count: the index
         * {@code n * percent / 100} took the upper one, and each other percentile a rank high).
         */
        double roundRatio(int percent) {
            double pos = (roundRatios.length - 1) * percent / 100.0;
            int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
            return roundRatios[lo] + (roundRatios[hi] - roundRatios[lo]) * (pos - lo);
        }
    }

    /** Calls {@code a} then {@code b} until {@code seconds} have passed. */
    static void warmUp(Timed a, Timed b, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            a.once();
            b.once();
        }
    }

    /**
     * {@code rounds} rounds of {@code per} calls of each; {@code a} first in every round, or, if
     * {@code swapFirst}, each first every other round.
     */
    static Result measure(Timed a, Timed b, int rounds, int per, boolean swapFirst)
            throws Exception {
        Timed[] sides = {a, b};
        long[][] all = new long[2][rounds * per];
        double[][] median = new double[2][rounds];
        long[] round = new long[per];
        for (int r = 0; r < rounds; r++) {
            for (int turn = 0; turn < 2; turn++) {
                int side = swapFirst && r % 2 == 1 ? 1 - turn : turn;
                for (int i = 0; i < per; i++) {
                    long t0 = System.nanoTime();
                    sides[side].once();
                    round[i] = System.nanoTime() - t0;
                    all[side][r * per + i] = round[i];
                }
                median[side][r] = StepProfile.medianMicros(round);
            }
        }
        return new Result(StepProfile.medianMicros(all[0]), StepProfile.medianMicros(all[1]),
                median[0], median[1]);
    }
}
