package dev.mobilenetsimd;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.util.Arrays;
import java.util.Locale;

/**
 * Fused against layer-by-layer execution in one JVM, on one set of packed weights
 * ({@link MobileNetV2#withMode}): whole inferences of the two in turn, a few of each per round
 * (each mode first in every other round),
 * so that a change of the host's state between forks (which moves single JMH forks by 10-30%
 * here) hits both sides alike. Prints the medians, their ratio, the spread of the per-round
 * ratios, and the ratio by the host's state (fifths of the rounds, by how slow the rounds around
 * them ran). Not JMH: the two must share a JVM and their weights. Run it through
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
                    + " [--rounds N] [--per N] [--threads N]");
            System.exit(2);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(String[] args) throws Exception {
        String variant = "1.0/224";
        int warmupSeconds = 10;
        int rounds = 100;
        int per = 5;
        int threads = 1;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--variant":
                    variant = StepProfile.requireValue("--variant", value); i++; break;
                case "--warmup":
                    warmupSeconds = StepProfile.positive("--warmup", value); i++; break;
                case "--rounds": rounds = StepProfile.positive("--rounds", value); i++; break;
                case "--per": per = StepProfile.positive("--per", value); i++; break;
                case "--threads": threads = StepProfile.positive("--threads", value); i++; break;
                default: throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        ModelConfig cfg = StepProfile.parseVariant(variant);
        MobileNetV2 fused = MobileNetV2.create(cfg, Weights.random(cfg, 42), KernelSets.vector(),
                ExecutionMode.FUSED);
        MobileNetV2 layerwise = fused.withMode(ExecutionMode.LAYERWISE);
        Session[] sessions = {fused.newSession(threads), layerwise.newSession(threads)};
        float[] image = StepProfile.randomImage(fused.inputLength());
        float[] logits = new float[fused.classes()];
        System.err.printf(Locale.ROOT, "MobileNetV2 %s, %s kernels, %d thread(s), fused and layer"
                + " by layer on shared weights: warming up for %d s ...%n", variant,
                fused.kernels().name(), threads, warmupSeconds);
        InTurn.Timed fusedRun = () -> sessions[0].run(image, 0, logits, 0);
        InTurn.Timed layerwiseRun = () -> sessions[1].run(image, 0, logits, 0);
        InTurn.warmUp(fusedRun, layerwiseRun, warmupSeconds);
        System.err.printf(Locale.ROOT, "%d rounds of %d inferences each ...%n", rounds, per);
        // each mode first in every other round (fused went first in all, so whatever the first
        // calls of a round pay, a cache refill or a woken core, fell on it alone)
        InTurn.Result r = InTurn.measure(fusedRun, layerwiseRun, rounds, per, true);
        double f = r.medianA, l = r.medianB;
        System.out.println("| | median µs per inference | layer-by-layer ÷ fused |");
        System.out.println("|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| fused | %.1f | |%n", f);
        System.out.printf(Locale.ROOT, "| layer by layer | %.1f | **%.3f** |%n", l, l / f);
        System.out.printf(Locale.ROOT, "%nPer-round ratios (%d rounds of %d inferences each way):"
                + " 10th percentile %.3f, median %.3f, 90th percentile %.3f.%n", rounds, per,
                r.roundRatio(10), r.roundRatio(50), r.roundRatio(90));
        printByHostState(r, "fused", "layer by layer");
        for (Session s : sessions) {
            s.close();
        }
    }

    /** Rounds on either side of a round whose times stand for the host's state around it. */
    private static final int STATE_NEIGHBOURS = 5;
    /** Groups of rounds by the host's state. */
    private static final int STATE_GROUPS = 5;

    /**
     * The ratio by the host's state: the rounds put in fifths by the mean time of their
     * neighbouring rounds (both modes, {@link #STATE_NEIGHBOURS} on each side, not the round
     * itself, so that a round's own noise does not pick its group), and each fifth's medians.
     * A ratio that stays level from the fastest fifth to the slowest does not depend on the
     * host's state; one that falls as the host slows would mean the comparison is the host's.
     * {@code nameA} and {@code nameB} name the two sides in the table.
     */
    static void printByHostState(InTurn.Result r, String nameA, String nameB) {
        int n = r.roundMediansA.length;
        if (n < STATE_GROUPS * 10) {
            return; // too few rounds for groups worth a median
        }
        double[] state = new double[n];
        for (int k = 0; k < n; k++) {
            double sum = 0;
            int count = 0;
            for (int j = Math.max(0, k - STATE_NEIGHBOURS);
                 j <= Math.min(n - 1, k + STATE_NEIGHBOURS); j++) {
                if (j != k) {
                    sum += r.roundMediansA[j] + r.roundMediansB[j];
                    count++;
                }
            }
            state[k] = sum / count;
        }
        Integer[] order = new Integer[n];
        for (int k = 0; k < n; k++) {
            order[k] = k;
        }
        Arrays.sort(order, (x, y) -> Double.compare(state[x], state[y]));
        System.out.printf(Locale.ROOT, "%nBy the host's state (rounds in fifths by their %d"
                + " neighbours' time, fastest first):%n%n", 2 * STATE_NEIGHBOURS);
        System.out.printf(Locale.ROOT, "| fifth | %s µs | %s µs | %s ÷ %s |%n", nameA, nameB, nameB,
                nameA);
        System.out.println("|---:|---:|---:|---:|");
        for (int g = 0; g < STATE_GROUPS; g++) {
            int from = g * n / STATE_GROUPS, to = (g + 1) * n / STATE_GROUPS;
            double[] a = new double[to - from], b = new double[to - from];
            for (int i = from; i < to; i++) {
                a[i - from] = r.roundMediansA[order[i]];
                b[i - from] = r.roundMediansB[order[i]];
            }
            double ma = StepProfile.median(a), mb = StepProfile.median(b);
            System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.3f |%n", g + 1, ma, mb, mb / ma);
        }
    }

}
