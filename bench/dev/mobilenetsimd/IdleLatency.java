package dev.mobilenetsimd;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.runtime.CompiledNetwork;
import dev.mobilenetsimd.runtime.IntraOpPool;
import java.util.Locale;

/**
 * The latency of an inference that follows an idle gap, as a server meets sporadic requests: the
 * team's workers have parked, and a parked worker's core may have to be woken by the hypervisor.
 * Each round, after a sleep of {@code --gap} µs each: a team inference as {@link Session#run}
 * does it (the pool woken while the image is copied in), the same without the wake-up (the
 * workers woken only by the first step), in turn which goes first; a one-thread inference; and,
 * for reference, team inferences back to back. Medians over the rounds. Not JMH: the gap must be a
 * real sleep between single inferences. Run it through {@code bench/run.sh idle-latency}.
 *
 * <pre>IdleLatency [--variant ALPHA/RESOLUTION] [--threads N] [--gap MICROS] [--warmup SECONDS]
 *             [--rounds N]</pre>
 */
public final class IdleLatency {
    private IdleLatency() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("IdleLatency: " + e.getMessage());
            System.err.println("usage: IdleLatency [--variant 1.0/224] [--threads N] [--gap MICROS]"
                    + " [--warmup SECONDS] [--rounds N]");
            System.exit(2);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(String[] args) throws InterruptedException {
        String variant = "1.0/224";
        int threads = 2;
        int gapMicros = 3000;
        int warmupSeconds = 15;
        int rounds = 300;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--variant":
                    variant = StepProfile.requireValue("--variant", value); i++; break;
                case "--threads": threads = StepProfile.positive("--threads", value); i++; break;
                case "--gap": gapMicros = StepProfile.positive("--gap", value); i++; break;
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
                ExecutionMode.FUSED);
        CompiledNetwork net = model.network();
        int inputOffset = model.plan().inputOffset();
        float[] image = StepProfile.randomImage(model.inputLength());
        try (Session one = model.newSession(); Session team = model.newSession(threads)) {
            IntraOpPool pool = team.pool();
            float[] arena = team.arena();
            System.err.printf(Locale.ROOT, "MobileNetV2 %s fused, %s kernels, 1 and %d threads:"
                    + " warming up for %d s ...%n", variant, model.kernels().name(), threads,
                    warmupSeconds);
            long end = System.nanoTime() + warmupSeconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                one.run(image);
                team.run(image);
            }
            System.err.printf(Locale.ROOT, "%d rounds, a %d µs sleep before each timed"
                    + " inference ...%n", rounds, gapMicros);
            long[] woken = new long[rounds], notWoken = new long[rounds];
            long[] single = new long[rounds], backToBack = new long[rounds];
            for (int r = 0; r < rounds; r++) {
                for (int turn = 0; turn < 2; turn++) {
                    boolean wake = (turn == 0) == (r % 2 == 0);
                    sleepMicros(gapMicros);
                    long t0 = System.nanoTime();
                    if (wake) {
                        pool.wake();
                    }
                    System.arraycopy(image, 0, arena, inputOffset, image.length);
                    net.run(arena, pool);
                    (wake ? woken : notWoken)[r] = System.nanoTime() - t0;
                }
                sleepMicros(gapMicros);
                long t0 = System.nanoTime();
                one.run(image);
                single[r] = System.nanoTime() - t0;
                team.run(image); // the workers awake: the next three follow each other
                t0 = System.nanoTime();
                for (int i = 0; i < 3; i++) {
                    team.run(image);
                }
                backToBack[r] = (System.nanoTime() - t0) / 3;
            }
            double w = StepProfile.medianMicros(woken), n = StepProfile.medianMicros(notWoken);
            System.out.printf(Locale.ROOT, "| after a %d µs sleep | median µs per inference |%n",
                    gapMicros);
            System.out.println("|---|---:|");
            System.out.printf(Locale.ROOT, "| %d threads, pool woken while the image is copied in"
                    + " (`Session.run`) | %.1f |%n", threads, w);
            System.out.printf(Locale.ROOT, "| %d threads, workers woken by the first step | %.1f"
                    + " |%n", threads, n);
            System.out.printf(Locale.ROOT, "| 1 thread | %.1f |%n",
                    StepProfile.medianMicros(single));
            System.out.printf(Locale.ROOT, "| %d threads, back to back (no sleep) | %.1f |%n",
                    threads, StepProfile.medianMicros(backToBack));
            System.out.printf(Locale.ROOT, "%nWoken ahead ÷ not: %.3f (%d rounds, the two in"
                    + " turn).%n", w / n, rounds);
        }
    }

    private static void sleepMicros(int micros) throws InterruptedException {
        Thread.sleep(micros / 1000, (micros % 1000) * 1000);
    }
}
