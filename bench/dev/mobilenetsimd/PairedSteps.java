package dev.mobilenetsimd;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where fusion gains, block by block: {@link StepProfile}'s two measurements (each step in
 * network order, and hot) for fused and layer-by-layer execution in one JVM, on one set of packed
 * weights ({@link MobileNetV2#withMode}), the two modes taking turns (each goes first every other
 * round; {@link StepTimer#timeRound} with an untimed inference of the same mode first).
 * Separate runs of {@code StepProfile} meet different host states (the host check moved by 20%
 * between two such runs), so their per-step times cannot be set side by side; these can.
 *
 * <p>A step that the fused plan folds into the next one (the stem and block 1, which block 2
 * computes) is reported together with it, in both modes, so each row covers the same work.
 * Each row's time is the median over rounds of the row's steps summed within the round.
 *
 * <p>{@code --fused-ballast MB} probes why layer by layer is slower even on steps whose code
 * is the same in both modes: the fused inferences also write that much memory over their first
 * eight steps, untimed (see {@link StepTimer#ballast}).
 *
 * <pre>PairedSteps [--variant ALPHA/RESOLUTION] [--warmup SECONDS] [--rounds N]
 *             [--fused-ballast MB]</pre>
 */
public final class PairedSteps {
    private PairedSteps() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("PairedSteps: " + e.getMessage());
            System.err.println("usage: PairedSteps [--variant 1.0/224] [--warmup SECONDS]"
                    + " [--rounds N] [--fused-ballast MB]");
            System.exit(2);
        }
    }

    private static void run(String[] args) {
        String variant = "1.0/224";
        int warmupSeconds = 25;
        int rounds = 600;
        int ballastMb = 0;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--variant":
                    variant = StepProfile.requireValue("--variant", value); i++; break;
                case "--warmup":
                    warmupSeconds = StepProfile.positive("--warmup", value); i++; break;
                case "--rounds": rounds = StepProfile.positive("--rounds", value); i++; break;
                case "--fused-ballast":
                    ballastMb = StepProfile.positive("--fused-ballast", value); i++; break;
                default: throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        ModelConfig cfg = StepProfile.parseVariant(variant);
        MobileNetV2 fusedModel = MobileNetV2.create(cfg, Weights.random(cfg, 42),
                KernelSets.vector(), ExecutionMode.FUSED);
        StepTimer fused = new StepTimer(fusedModel);
        StepTimer layerwise = new StepTimer(fusedModel.withMode(ExecutionMode.LAYERWISE));
        float[] image = StepProfile.randomImage(fusedModel.inputLength());
        List<Step> steps = fusedModel.plan().steps();
        int[][] rows = rows(steps);
        if (ballastMb > 0) { // over the steps whose expanded tensors outgrow the L2 at 1.0/224
            fused.ballast(ballastMb << 20, Math.min(8, steps.size()));
            System.err.printf(Locale.ROOT, "fused: %d MB of ballast written over steps 0-7 of"
                    + " each inference, untimed%n", ballastMb);
        }

        System.err.printf(Locale.ROOT, "MobileNetV2 %s, %s kernels, fused and layer by layer on"
                + " shared weights: warming up for %d s ...%n", variant,
                fusedModel.kernels().name(), warmupSeconds);
        long end = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            fused.session.run(image);
            layerwise.session.run(image);
        }
        fused.session.run(image); // each arena holds its input, as run() leaves it for runStep
        layerwise.session.run(image);

        System.err.printf(Locale.ROOT, "%d rounds: per mode, in turn, an inference in network"
                + " order, then each row hot ...%n", rounds);
        long[][] orderF = new long[steps.size()][rounds], orderL = new long[steps.size()][rounds];
        long[][] hotF = new long[rows.length][rounds], hotL = new long[rows.length][rounds];
        for (int r = 0; r < rounds; r++) {
            // each timed inference follows an untimed one of its own mode (settle): right after
            // the other mode's, it would meet that mode's traffic in the caches
            if (r % 2 == 0) {
                fused.timeRound(true, orderF, rows, hotF, r);
                layerwise.timeRound(true, orderL, rows, hotL, r);
            } else {
                layerwise.timeRound(true, orderL, rows, hotL, r);
                fused.timeRound(true, orderF, rows, hotF, r);
            }
        }

        System.out.println("| steps | what | M MACs | fused, network order µs | layer by layer µs"
                + " | L ÷ F | fused GFLOP/s | fused, hot µs | layer by layer µs | L ÷ F |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        double[] sums = new double[4];
        for (int row = 0; row < rows.length; row++) {
            int from = rows[row][0], to = rows[row][1];
            long macs = 0;
            StringBuilder name = new StringBuilder();
            for (int s = from; s <= to; s++) {
                macs += steps.get(s).macs();
                name.append(s > from ? " + " : "").append(steps.get(s).name());
            }
            double of = StepProfile.medianOfSums(orderF, from, to);
            double ol = StepProfile.medianOfSums(orderL, from, to);
            double hf = StepProfile.medianMicros(hotF[row]);
            double hl = StepProfile.medianMicros(hotL[row]);
            double[] v = {of, ol, hf, hl};
            for (int i = 0; i < 4; i++) {
                sums[i] += v[i];
            }
            System.out.printf(Locale.ROOT, "| %s | %s | %.2f | %.1f | %.1f | %.3f | %.0f | %.1f"
                    + " | %.1f | %.3f |%n", from == to ? "" + from : from + "–" + to, name,
                    macs / 1e6, of, ol, ol / of, 2 * macs / (of * 1e3), hf, hl, hl / hf);
        }
        System.out.printf(Locale.ROOT, "| | **sum of the rows** | | **%.1f** | **%.1f** |"
                + " **%.3f** | | **%.1f** | **%.1f** | **%.3f** |%n", sums[0], sums[1],
                sums[1] / sums[0], sums[2], sums[3], sums[3] / sums[2]);
        double wholeF = StepProfile.medianOfSums(orderF, 0, steps.size() - 1);
        double wholeL = StepProfile.medianOfSums(orderL, 0, steps.size() - 1);
        System.out.printf(Locale.ROOT, "%nWhole inferences in network order (median over %d rounds"
                + " of the steps' sum, timers included): fused %.1f µs, layer by layer %.1f µs,"
                + " ratio %.3f.%n", rounds, wholeF, wholeL, wholeL / wholeF);
        fused.session.close();
        layerwise.session.close();
    }

    /**
     * The rows: {@code [from, to]} step ranges, a step that the fused plan folds into the next one
     * joined with it (the plans of both modes have the same steps).
     */
    static int[][] rows(List<Step> steps) {
        List<int[]> rows = new ArrayList<>();
        for (int s = 0; s < steps.size(); s++) {
            int from = s;
            while (steps.get(s).fusedIntoNext() && s + 1 < steps.size()) {
                s++;
            }
            rows.add(new int[] {from, s});
        }
        return rows.toArray(new int[0][]);
    }
}
