package dev.mobilenetsimd;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Fused against layer-by-layer execution in one JVM, on one set of packed weights
 * ({@link MobileNetV2#withMode}): whole inferences of the two in turn, a few of each per round,
 * so that a change of the host's state between forks (which moves single JMH forks by 10-30%
 * here) hits both sides alike. Prints the medians, their ratio, and the spread of the per-round
 * ratios. Not JMH: the two must share a JVM and their weights. Run it through
 * {@code bench/run.sh paired}.
 *
 * <pre>PairedModes [--variant ALPHA/RESOLUTION] [--warmup SECONDS] [--rounds N] [--per N]</pre>
 */
public final class PairedModes {
    private PairedModes() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("PairedModes: " + e.getMessage());
            System.err.println("usage: PairedModes [--variant 1.0/224] [--warmup SECONDS]"
                    + " [--rounds N] [--per N]");
            System.exit(2);
        }
    }

    private static void run(String[] args) {
        String variant = "1.0/224";
        int warmupSeconds = 10;
        int rounds = 100;
        int per = 5;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--variant": variant = StepProfile.requireValue("--variant", value); i++; break;
                case "--warmup": warmupSeconds = StepProfile.positive("--warmup", value); i++; break;
                case "--rounds": rounds = StepProfile.positive("--rounds", value); i++; break;
                case "--per": per = StepProfile.positive("--per", value); i++; break;
                default: throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        ModelConfig cfg = StepProfile.parseVariant(variant);
        MobileNetV2 fused = MobileNetV2.create(cfg, Weights.random(cfg, 42), KernelSets.vector(),
                ExecutionMode.FUSED);
        MobileNetV2 layerwise = fused.withMode(ExecutionMode.LAYERWISE);
        Session[] sessions = {fused.newSession(), layerwise.newSession()};
        float[] image = new float[fused.inputLength()];
        Random rnd = new Random(43);
        for (int i = 0; i < image.length; i++) {
            image[i] = rnd.nextFloat() * 2 - 1;
        }
        float[] logits = new float[fused.classes()];
        System.err.printf(Locale.ROOT, "MobileNetV2 %s, %s kernels, fused and layer by layer on"
                + " shared weights: warming up for %d s ...%n", variant,
                fused.kernels().name(), warmupSeconds);
        long end = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            for (Session s : sessions) {
                s.run(image, 0, logits, 0);
            }
        }
        System.err.printf(Locale.ROOT, "%d rounds of %d inferences each ...%n", rounds, per);
        long[][] all = new long[2][rounds * per];
        double[] roundRatios = new double[rounds];
        long[] round = new long[per];
        for (int r = 0; r < rounds; r++) {
            double[] roundMedian = new double[2];
            for (int m = 0; m < 2; m++) {
                for (int i = 0; i < per; i++) {
                    long t0 = System.nanoTime();
                    sessions[m].run(image, 0, logits, 0);
                    round[i] = System.nanoTime() - t0;
                    all[m][r * per + i] = round[i];
                }
                roundMedian[m] = StepProfile.medianMicros(round);
            }
            roundRatios[r] = roundMedian[1] / roundMedian[0];
        }
        double f = StepProfile.medianMicros(all[0]), l = StepProfile.medianMicros(all[1]);
        Arrays.sort(roundRatios);
        System.out.println("| | median µs per inference | layer-by-layer ÷ fused |");
        System.out.println("|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| fused | %.1f | |%n", f);
        System.out.printf(Locale.ROOT, "| layer by layer | %.1f | **%.3f** |%n", l, l / f);
        System.out.printf(Locale.ROOT, "%nPer-round ratios (%d rounds of %d inferences each way):"
                + " 10th percentile %.3f, median %.3f, 90th percentile %.3f.%n", rounds, per,
                roundRatios[rounds / 10], roundRatios[rounds / 2],
                roundRatios[Math.min(rounds - 1, rounds * 9 / 10)]);
        for (Session s : sessions) {
            s.close();
        }
    }
}
