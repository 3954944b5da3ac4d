package dev.mobilenetsimd;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.Step;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Where one inference's time goes, step by step, measured two ways in one JVM:
 * <ul>
 *   <li><b>network order</b>: every step timed while whole inferences run, so its weights and
 *       inputs are as cold as in real use;</li>
 *   <li><b>hot</b>: each step run twice more right after that inference, the second run
 *       timed: its weights and data just used (what {@code BlockBench} measures in a tight loop,
 *       one JVM per step).</li>
 * </ul>
 * Both are taken in every round ({@link StepTimer#timeRound}), so the host's swings reach both.
 * The difference is what cold data costs each step. Not JMH: timing each step of one inference
 * needs {@link System#nanoTime} around it; medians over many inferences absorb the timer's own
 * cost (tens of nanoseconds per step). Run it through {@code bench/run.sh steps}.
 *
 * <pre>StepProfile [--mode fused|layerwise|unfused] [--variant ALPHA/RESOLUTION]
 *             [--warmup SECONDS] [--rounds N]</pre>
 */
public final class StepProfile {
    private StepProfile() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("StepProfile: " + e.getMessage());
            System.err.println("usage: StepProfile [--mode fused|layerwise|unfused]"
                    + " [--variant 1.0/224]"
                    + " [--warmup SECONDS] [--rounds N]");
            System.exit(2);
        }
    }

    private static void run(String[] args) {
        ExecutionMode mode = ExecutionMode.FUSED;
        String variant = "1.0/224";
        int warmupSeconds = 10;
        int rounds = 1000;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--mode": mode = parseMode(value); i++; break;
                case "--variant": variant = requireValue("--variant", value); i++; break;
                case "--warmup": warmupSeconds = positive("--warmup", value); i++; break;
                case "--rounds": rounds = positive("--rounds", value); i++; break;
                default: throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        ModelConfig cfg = parseVariant(variant);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 42), KernelSets.vector(),
                mode);
        StepTimer timer = new StepTimer(model);
        Session session = timer.session;
        float[] image = randomImage(model.inputLength());
        List<Step> steps = model.plan().steps();
        System.err.printf(Locale.ROOT, "MobileNetV2 %s, %s, %s kernels: warming up for %d s ...%n",
                variant, mode.name().toLowerCase(Locale.ROOT), model.kernels().name(),
                warmupSeconds);
        long end = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            session.run(image);
        }

        System.err.printf(Locale.ROOT, "%d rounds: an inference in network order, then each step"
                + " hot ...%n", rounds);
        session.run(image); // the input in place, as run() leaves it for runStep
        long[][] ordered = new long[steps.size()][rounds];
        long[][] hot = new long[steps.size()][rounds];
        int[][] each = new int[steps.size()][];
        for (int s = 0; s < each.length; s++) {
            each[s] = new int[] {s, s};
        }
        for (int r = 0; r < rounds; r++) {
            timer.timeRound(false, ordered, each, hot, r);
        }

        System.out.println("| step | name | M MACs | network order µs | hot µs | network ÷ hot |");
        System.out.println("|---:|---|---:|---:|---:|---:|");
        double sumOrdered = 0;
        double sumHot = 0;
        for (int s = 0; s < steps.size(); s++) {
            double o = medianMicros(ordered[s]);
            double h = medianMicros(hot[s]);
            sumOrdered += o;
            sumHot += h;
            Step st = steps.get(s);
            // a step fused into the next does nothing itself: the time of the step that does its
            // work (the stem's is block 2's when block 1 is fused into block 2 too) includes it
            int doer = s;
            while (steps.get(doer).fusedIntoNext() && doer + 1 < steps.size()) {
                doer++;
            }
            String name = doer != s ? st.name() + " (done by " + steps.get(doer).name() + ")"
                    : st.name();
            // a folded step's two times are the cost of an empty call: no ratio to show
            String ratio = doer != s ? "—" : String.format(Locale.ROOT, "%.2f", o / h);
            System.out.printf(Locale.ROOT, "| %d | %s | %.2f | %.1f | %.1f | %s |%n", s, name,
                    st.macs() / 1e6, o, h, ratio);
        }
        System.out.printf(Locale.ROOT, "| | **sum of the step medians** | | **%.1f** | **%.1f** |"
                + " **%.2f** |%n", sumOrdered, sumHot, sumOrdered / sumHot);
        System.out.printf(Locale.ROOT, "%nWhole inference in network order (median over %d rounds"
                + " of the steps' sum): %.1f µs%n", rounds,
                medianOfSums(ordered, 0, steps.size() - 1));
    }

    /** The tools' input: {@code length} values uniform in [-1, 1), the same every run. */
    static float[] randomImage(int length) {
        float[] image = new float[length];
        Random rnd = new Random(43);
        for (int i = 0; i < image.length; i++) {
            image[i] = rnd.nextFloat() * 2 - 1;
        }
        return image;
    }

    /** Median over rounds of steps {@code [from, to]} summed within each round, in µs. */
    static double medianOfSums(long[][] perStep, int from, int to) {
        long[] sums = new long[perStep[0].length];
        for (int s = from; s <= to; s++) {
            for (int r = 0; r < sums.length; r++) {
                sums[r] += perStep[s][r];
            }
        }
        return medianMicros(sums);
    }

    /**
     * The median of {@code nanos}, in µs: the middle value, or the mean of the two middle ones for
     * an even count (the rounds' defaults, 400 to 1000, are even).
     */
    static double medianMicros(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return (sorted[(n - 1) / 2] + sorted[n / 2]) / 2000.0;
    }

    /** The median of {@code values}: for an even count, the mean of the two middle ones. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return (sorted[(n - 1) / 2] + sorted[n / 2]) / 2;
    }

    /** The value of {@code --mode}: ThreadSteps too. */
    static ExecutionMode parseMode(String value) {
        return parseMode("--mode", value);
    }

    /**
     * The value of {@code option}: what the command line's {@code --mode} takes
     * ({@link ExecutionMode#parse}), {@code unfused} too, which only the command line took.
     */
    static ExecutionMode parseMode(String option, String value) {
        String name = requireValue(option, value);
        try {
            return ExecutionMode.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    static ModelConfig parseVariant(String variant) {
        String[] parts = variant.split("/");
        try {
            if (parts.length == 2) {
                return new ModelConfig(Double.parseDouble(parts[0]), Integer.parseInt(parts[1]),
                        1001, Padding.TF_SAME);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--variant " + variant
                + " is not a MobileNetV2 variant: expected ALPHA/RESOLUTION, e.g. 1.0/224");
    }

    static String requireValue(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(requireValue(option, value));
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " " + value
                + " is not a positive whole number");
    }
}
