package dev.mobilenetsimd.cli;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Session;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.Classification;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.io.Console;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code run}: random weights from a seed, timed inferences, latency statistics and the best
 * classes (five, or as many as the model has).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Run a MobileNetV2 with random weights: warm up, time N inferences, print"
                + " latency and the best five classes (all of them if fewer).")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = {"-b", "--backend"}, defaultValue = "auto", paramLabel = "vector|scalar|auto",
            description = "Kernels: vector (needs --add-modules jdk.incubator.vector), scalar,"
                    + " or auto. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--mode", defaultValue = "fused", paramLabel = Main.MODE_LABEL,
            description = Main.MODE_HELP)
    String mode;

    @Option(names = {"-s", "--seed"}, defaultValue = "42", paramLabel = "SEED",
            description = "Seed of the weights and the input. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = {"-w", "--warmup"}, paramLabel = "N",
            description = "Untimed runs first (JIT warm-up), 0 to 1000000. Default: "
                    + VECTOR_WARMUP + " with the vector kernels, " + SCALAR_WARMUP
                    + " with the scalar ones.")
    Integer warmup;

    /**
     * The vector kernels' default warm-up: after 20 the JIT was half done, and the timed median
     * read 4.8-5.7 ms at 1.0/224 (JDK 25, 17) against 3.1-3.5 ms after 300 (README, warm-up).
     */
    static final int VECTOR_WARMUP = 300;

    /**
     * The scalar kernels' default warm-up: they ran at their steady speed from the fifth
     * inference on, and 300 of them took half a minute at 1.0/224.
     */
    static final int SCALAR_WARMUP = 20;

    @Option(names = {"-n", "--iterations"}, defaultValue = "100", paramLabel = "N",
            description = "Timed runs, 1 to 1000000. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = {"-t", "--threads"}, defaultValue = "1", paramLabel = "N",
            description = "Threads per inference, 1 to " + MobileNetV2.MAX_THREADS + " (intra-op:"
                    + " most steps split by rows, those of few pixels by channels; see plan)."
                    + " Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N",
            description = "Images per timed call, 1 to " + MAX_BATCH + " (fewer where the"
                    + " images outgrow one array): N different images through one runBatch call"
                    + " (latency is per image: the call's time / N; best classes and checksum are"
                    + " the first image's). Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    /**
     * Timed runs at most: each one's latency is kept ({@link #sampleBytes}, and printed by
     * {@code --json}), so a count near 2^31 would fail as an out-of-memory error.
     */
    static final int MAX_ITERATIONS = 1_000_000;

    /** Images per call at most: enough to show a batch's effect, far from any array limit. */
    static final int MAX_BATCH = 256;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (warmup != null && (warmup < 0 || warmup > MAX_ITERATIONS)) { // a typo ran for hours
            throw new IllegalArgumentException("--warmup " + warmup + ": expected 0 to "
                    + MAX_ITERATIONS);
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("--iterations " + iterations + ": expected 1 to "
                    + MAX_ITERATIONS);
        }
        if (threads < 1 || threads > MobileNetV2.MAX_THREADS) { // before the model is built
            throw new IllegalArgumentException("--threads " + threads + ": expected 1 to "
                    + MobileNetV2.MAX_THREADS);
        }
        if (batch < 1 || batch > MAX_BATCH) {
            throw new IllegalArgumentException("--batch " + batch + ": expected 1 to " + MAX_BATCH);
        }
        ModelConfig config = options.toConfig();
        int r = config.resolution();
        // The batch's images are one array (Math.multiplyExact below threw an overflow).
        int maxBatch = (int) Math.min(MAX_BATCH, (Integer.MAX_VALUE - 8) / (3L * r * r));
        if (batch > maxBatch) {
            throw new IllegalArgumentException("--batch " + batch + ": " + batch + " images of "
                    + r + "x" + r + "x3 floats are more than one array holds: expected 1 to "
                    + maxBatch + " at this resolution");
        }
        ExecutionMode executionMode = ExecutionMode.parse(mode);
        KernelSet kernels = KernelSets.byName(backend);
        int warmupRuns = warmup != null ? warmup
                : kernels == KernelSets.scalar() ? SCALAR_WARMUP : VECTOR_WARMUP;
        PrintWriter err = spec.commandLine().getErr();
        // The JVM too: the speed depends on it, and `java` on PATH may not be JAVA_HOME's.
        err.printf(Locale.ROOT, "building %s on %s (%s), JVM %s...%n", config, kernels.name(),
                executionMode.name().toLowerCase(Locale.ROOT), Runtime.version());
        err.flush();
        MobileNetV2 model = MobileNetV2.create(config, Weights.random(config, seed), kernels,
                executionMode);
        int inputFloats = model.inputLength();
        float[] images = new float[Math.multiplyExact(batch, inputFloats)];
        for (int b = 0; b < batch; b++) { // image 0 is the one a run without --batch uses
            System.arraycopy(randomImage(inputFloats, seed + 1 + b), 0, images, b * inputFloats,
                    inputFloats);
        }
        float[] batchLogits = new float[batch * model.classes()];
        long[] nanos, sorted;
        try (Session session = model.newSession(threads)) {
            // Before the first run, beside the model and its session: the samples took the
            // last of a small heap at -n 1000000, as an error that blamed the model, and with
            // --json after every run was done (its text took some 40 bytes more per sample).
            try {
                nanos = new long[iterations];
                sorted = new long[iterations];
            } catch (OutOfMemoryError e) {
                Main.error(err, samplesOutOfMemory(iterations, Runtime.getRuntime().maxMemory()));
                err.flush();
                return 1;
            }
            progress(err, "warm-up", 0, warmupRuns);
            for (int i = 0; i < warmupRuns; i++) {
                infer(session, images, batchLogits);
                progress(err, "warm-up", i + 1, warmupRuns);
            }
            progress(err, "timed", 0, iterations);
            for (int i = 0; i < iterations; i++) {
                long t0 = System.nanoTime();
                infer(session, images, batchLogits);
                nanos[i] = (System.nanoTime() - t0) / batch;
                progress(err, "timed", i + 1, iterations);
            }
        }
        float[] logits = Arrays.copyOf(batchLogits, model.classes());
        System.arraycopy(nanos, 0, sorted, 0, iterations);
        Arrays.sort(sorted);
        double medianMs = percentile(sorted, 0.5) / 1e6;
        int[] best = Classification.topK(logits, 5); // fewer where the model has fewer classes
        double sum = 0;
        for (float f : logits) {
            sum += f;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("config", PlanCommand.configJson(config));
            root.put("backend", kernels.name());
            root.put("jvm", Runtime.version().toString());
            root.put("mode", executionMode.name().toLowerCase(Locale.ROOT));
            root.put("threads", threads);
            root.put("batch", batch);
            root.put("seed", seed);
            root.put("macs", model.plan().totalMacs());
            Map<String, Object> lat = new LinkedHashMap<>();
            lat.put("warmup", warmupRuns);
            lat.put("iterations", iterations);
            lat.put("medianMs", medianMs);
            lat.put("p10Ms", percentile(sorted, 0.1) / 1e6);
            lat.put("p90Ms", percentile(sorted, 0.9) / 1e6);
            lat.put("minMs", sorted[0] / 1e6);
            lat.put("maxMs", sorted[sorted.length - 1] / 1e6);
            lat.put("imagesPerSecond", 1000.0 / medianMs);
            lat.put("gflops", 2.0 * model.plan().totalMacs() / (medianMs * 1e6));
            lat.put("samplesMs", new Json.Numbers(iterations, i -> nanos[i] / 1e6));
            root.put("latency", lat);
            List<Object> top = new ArrayList<>();
            for (int i : best) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("index", i);
                m.put("logit", logits[i]);
                top.add(m);
            }
            root.put("top", top); // as classify's key: "top5" held 3 with 3 classes
            root.put("logitsSum", sum);
            root.put("logitsChecksum", Main.checksum(logits));
            Json.write(root, out); // as it goes: the samples' text is never whole in the heap
        } else {
            out.printf(Locale.ROOT, "%s on %s, %s blocks, %d thread%s%n", config, kernels.name(),
                    executionMode.name().toLowerCase(Locale.ROOT), threads,
                    threads == 1 ? "" : "s");
            String calls = batch == 1 ? (iterations == 1 ? "run" : "runs") // not "1 runs"
                    : (iterations == 1 ? "batch" : "batches") + " of " + batch;
            out.printf(Locale.ROOT, "latency%s over %d %s (after %d warm-up): median %.3f ms,"
                            + " p10 %.3f ms, p90 %.3f ms, min %.3f ms%n",
                    batch == 1 ? "" : " per image", iterations,
                    calls, warmupRuns, medianMs,
                    percentile(sorted, 0.1) / 1e6, percentile(sorted, 0.9) / 1e6, sorted[0] / 1e6);
            out.printf(Locale.ROOT, "throughput %s images/s, %s GFLOP/s (%.1f M"
                    + " multiply-adds)%n",
                    rate(1000.0 / medianMs), rate(2.0 * model.plan().totalMacs()
                            / (medianMs * 1e6)), model.plan().totalMacs() / 1e6);
            StringBuilder sb = new StringBuilder("top " + best.length + ":");
            for (int i : best) {
                sb.append(String.format(Locale.ROOT, " %d (%.4f)", i, logits[i]));
            }
            out.println(sb);
            out.printf(Locale.ROOT, "logits checksum %s, sum %.6f%n", Main.checksum(logits), sum);
        }
        out.flush();
        return 0;
    }

    /**
     * The heap bytes the latency samples of {@code iterations} runs take: one long each, and as
     * many to sort them.
     */
    static long sampleBytes(int iterations) {
        return 2L * Long.BYTES * iterations;
    }

    /** The error for latency samples the heap cannot hold: how many, in what, what to do. */
    static String samplesOutOfMemory(int iterations, long maxHeapBytes) {
        return String.format(Locale.ROOT, "out of memory for the latency samples: -n %,d keeps"
                + " %,d of them, %,d bytes (8 each, and as many to sort them), which do not fit"
                + " beside the model in the Java heap (at most %,d MiB): give a smaller -n, or"
                + " raise the heap with -Xmx", iterations, iterations, sampleBytes(iterations),
                maxHeapBytes >> 20);
    }

    /** One timed call: {@code run} for one image, else {@code runBatch}. */
    private void infer(Session session, float[] images, float[] logits) {
        if (batch == 1) {
            session.run(images, 0, logits, 0);
        } else {
            session.runBatch(images, 0, batch, logits, 0);
        }
    }

    /** Deterministic input in [-1, 1], the range the TensorFlow models are trained for. */
    static float[] randomImage(int length, long seed) {
        Random rnd = new Random(seed);
        float[] img = new float[length];
        for (int i = 0; i < length; i++) {
            img[i] = rnd.nextFloat() * 2f - 1f;
        }
        return img;
    }

    /**
     * {@code v} to one decimal, or below 1 to two significant digits: a small model run once,
     * cold, printed "0.0 GFLOP/s", and an image taking over 20 s would be "0.0 images/s".
     */
    static String rate(double v) {
        if (!(v > 0 && v < 1)) { // 0, 1 or more, or not finite: one decimal, as before
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return new BigDecimal(v).round(new MathContext(2)).toPlainString();
    }

    private static double percentile(long[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static void progress(PrintWriter err, String what, int done, int total) {
        progress(err, what, done, total, ON_TERMINAL);
    }

    /**
     * Ten updates per phase at most: on one line rewritten in place on a terminal, one line each
     * otherwise (carriage returns in a log ran them together: "warm-up 0/1warm-up 1/1").
     */
    static void progress(PrintWriter err, String what, int done, int total, boolean terminal) {
        if (total == 0) {
            return;
        }
        if (done == 0 || done == total || done % Math.max(1, total / 10) == 0) {
            if (terminal) {
                err.printf(Locale.ROOT, "\r%s %d/%d", what, done, total);
                if (done == total) {
                    err.println();
                }
            } else if (done > 0) {
                err.printf(Locale.ROOT, "%s %d/%d%n", what, done, total);
            }
            err.flush();
        }
    }

    /** Whether the JVM runs attached to a terminal, where a line can be rewritten in place. */
    private static final boolean ON_TERMINAL = onTerminal();

    private static boolean onTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try { // JDK 22+: a console exists even when redirected; isTerminal tells
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true; // JDK 17-21: a console means a terminal
        }
    }
}
