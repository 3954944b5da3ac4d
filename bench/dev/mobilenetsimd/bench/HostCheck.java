package dev.mobilenetsimd.bench;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Session;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * How steady the host is right now, measured the way that matters here: the fused vector network
 * (MobileNetV2 1.0/224, batch 1, one thread) in rounds of about a second, printed as one line,
 * as {@code fused 1.0/224 <min>-<max> ms in 5 rounds (spread <max/min>)}. {@code bench/run.sh}
 * records it with each profile run.
 *
 * <p>Why not an FMA probe: on the shared machine of {@code reports/}, a register-only FMA loop kept
 * its speed while neighbours slowed the cache- and memory-bound steps by 30% (reports/LOWERING.md,
 * session 8), so only the network itself shows whether its figures can be trusted.
 *
 * <p>Usage: {@code HostCheck [rounds]} (default 5), with {@code --add-modules
 * jdk.incubator.vector} on the command line. Not a JMH benchmark: it is a check of ~20 s run
 * before and after the benchmarks, and the median of each round is enough to compare rounds.
 */
public final class HostCheck {
    private static final long ROUND_NANOS = 1_000_000_000L;
    /** Warm-up: at least this long and this many runs, so that C2 has compiled every tile. */
    private static final long WARMUP_NANOS = 3_000_000_000L;
    private static final int WARMUP_RUNS = 1500;

    private HostCheck() {}

    /**
     * Runs the check and prints its line.
     *
     * @param args optional: the number of rounds, a positive integer
     */
    public static void main(String[] args) {
        final int rounds = args.length > 0 ? parseRounds(args[0]) : 5;
        ModelConfig cfg = ModelConfig.standard();
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 42), KernelSets.vector(),
                ExecutionMode.FUSED);
        float[] image = new float[model.inputLength()];
        Random rnd = new Random(43);
        for (int i = 0; i < image.length; i++) {
            image[i] = rnd.nextFloat() * 2 - 1;
        }
        double[] medians = new double[rounds];
        try (Session session = model.newSession()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < WARMUP_RUNS || System.nanoTime() - t0 < WARMUP_NANOS; i++) {
                session.run(image);
            }
            for (int r = 0; r < rounds; r++) {
                medians[r] = roundMedianMillis(session, image);
            }
        }
        double[] sorted = medians.clone();
        Arrays.sort(sorted);
        System.out.println(String.format(Locale.ROOT,
                "fused 1.0/224 %.2f-%.2f ms in %d rounds (spread %.2f)", sorted[0],
                sorted[rounds - 1], rounds, sorted[rounds - 1] / sorted[0]));
    }

    /** Median time of one inference over about a second of back-to-back runs. */
    private static double roundMedianMillis(Session session, float[] image) {
        long[] t = new long[4096];
        int n = 0;
        for (long start = System.nanoTime();
                n < t.length && System.nanoTime() - start < ROUND_NANOS; n++) {
            long t0 = System.nanoTime();
            session.run(image);
            t[n] = System.nanoTime() - t0;
        }
        Arrays.sort(t, 0, n);
        return (t[(n - 1) / 2] + t[n / 2]) / 2e6; // an even count: the two middle ones' mean
    }

    private static int parseRounds(String s) {
        try {
            int r = Integer.parseInt(s.trim());
            if (r > 0) {
                return r;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("rounds = '" + s + "': expected a positive integer");
    }
}
