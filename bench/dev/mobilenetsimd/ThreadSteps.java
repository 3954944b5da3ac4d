package dev.mobilenetsimd;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.Step;
import dev.mobilenetsimd.runtime.CompiledNetwork;
import dev.mobilenetsimd.runtime.IntraOpPool;
import java.util.List;
import java.util.Locale;

/**
 * What a team of threads gains, step by step: one model, a one-thread session and an N-thread
 * session, each round one inference of each in network order with every step timed
 * ({@link System#nanoTime} around it), the two sessions taking turns at going first. Rows and
 * medians as in {@link PairedSteps}; the ratio is the one-thread time over the team's.
 *
 * <pre>ThreadSteps [--variant ALPHA/RESOLUTION] [--mode fused|layerwise|unfused] [--threads N]
 *             [--warmup SECONDS] [--rounds N]</pre>
 */
public final class ThreadSteps {
    private ThreadSteps() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ThreadSteps: " + e.getMessage());
            System.err.println("usage: ThreadSteps [--variant 1.0/224]"
                    + " [--mode fused|layerwise|unfused] [--threads N] [--warmup SECONDS]"
                    + " [--rounds N]");
            System.exit(2);
        }
    }

    /** Package-private for the argument tests; a bad argument throws before any measuring. */
    static void run(String[] args) {
        String variant = "1.0/224";
        ExecutionMode mode = ExecutionMode.FUSED;
        int threads = 2;
        int warmupSeconds = 20;
        int rounds = 800;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--variant":
                    variant = StepProfile.requireValue("--variant", value); i++; break;
                case "--mode": mode = StepProfile.parseMode(value); i++; break;
                case "--threads": threads = StepProfile.positive("--threads", value); i++; break;
                case "--warmup":
                    warmupSeconds = StepProfile.positive("--warmup", value); i++; break;
                case "--rounds": rounds = StepProfile.positive("--rounds", value); i++; break;
                default: throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        if (threads < 2) {
            throw new IllegalArgumentException("--threads must be at least 2, got " + threads);
        }
        ModelConfig cfg = StepProfile.parseVariant(variant);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 42), KernelSets.vector(),
                mode);
        CompiledNetwork net = model.network();
        List<Step> steps = model.plan().steps();
        int[][] rows = PairedSteps.rows(steps);
        float[] image = StepProfile.randomImage(model.inputLength());
        try (Session one = model.newSession(); Session team = model.newSession(threads)) {
            System.err.printf(Locale.ROOT, "MobileNetV2 %s %s, %s kernels, 1 and %d threads:"
                    + " warming up for %d s ...%n", variant, mode.name().toLowerCase(Locale.ROOT),
                    model.kernels().name(), threads, warmupSeconds);
            long end = System.nanoTime() + warmupSeconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                one.run(image);
                team.run(image);
            }
            System.err.printf(Locale.ROOT, "%d rounds: an inference of each session in turn,"
                    + " every step timed ...%n", rounds);
            long[][] t1 = new long[steps.size()][rounds], tn = new long[steps.size()][rounds];
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    timeSteps(net, image, one.arena(), null, t1, r);
                    timeSteps(net, image, team.arena(), team.pool(), tn, r);
                } else {
                    timeSteps(net, image, team.arena(), team.pool(), tn, r);
                    timeSteps(net, image, one.arena(), null, t1, r);
                }
            }
            System.out.printf(Locale.ROOT, "| steps | what | M MACs | 1 thread µs | %d threads µs"
                    + " | speedup | split by |%n", threads);
            System.out.println("|---|---|---:|---:|---:|---:|---|");
            for (int[] row : rows) {
                int from = row[0], to = row[1];
                long macs = 0;
                StringBuilder name = new StringBuilder();
                for (int s = from; s <= to; s++) {
                    macs += steps.get(s).macs();
                    name.append(s > from ? " + " : "").append(steps.get(s).name());
                }
                double a = StepProfile.medianOfSums(t1, from, to);
                double b = StepProfile.medianOfSums(tn, from, to);
                System.out.printf(Locale.ROOT, "| %s | %s | %.2f | %.1f | %.1f | %.2f | %s |%n",
                        from == to ? "" + from : from + "–" + to, name, macs / 1e6, a, b, a / b,
                        splitBy(steps.get(to), mode));
            }
            double whole1 = StepProfile.medianOfSums(t1, 0, steps.size() - 1);
            double wholeN = StepProfile.medianOfSums(tn, 0, steps.size() - 1);
            System.out.printf(Locale.ROOT, "%nWhole inferences in network order (median over %d"
                    + " rounds of the steps' sum, timers included): 1 thread %.1f µs, %d threads"
                    + " %.1f µs, speedup %.2f.%n", rounds, whole1, threads, wholeN,
                    whole1 / wholeN);
        }
    }

    /**
     * Copies the image in, then runs every step once, in order, each timed. As in
     * {@link Session#run}, a team is woken before the copy: its workers have parked during the
     * other session's inference.
     */
    private static void timeSteps(CompiledNetwork net, float[] image, float[] arena,
                                  IntraOpPool pool, long[][] out, int round) {
        if (pool != null) {
            pool.wake();
        }
        System.arraycopy(image, 0, arena, net.plan().inputOffset(), image.length);
        for (int s = 0; s < out.length; s++) {
            long t0 = System.nanoTime();
            net.runSteps(s, s + 1, arena, pool);
            out[s][round] = System.nanoTime() - t0;
        }
    }

    private static String splitBy(Step s, ExecutionMode mode) {
        if (s.splitsChannels()) {
            return "channels";
        }
        switch (s.kind()) {
            case BOTTLENECK:
                return mode == ExecutionMode.FUSED ? "rows" : "each layer: pixels, row pairs";
            case STEM: return "rows";
            case CONV1X1: return "pixels";
            case CLASSIFIER: return "classes";
            default: return "not split";
        }
    }
}
