package dev.mobilenetsimd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mobilenetsimd.ChildJvm;
import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        CliRun r = CliRun.of(args);
        return new Result(r.status(), r.out(), r.err());
    }

    @Test
    void planPrintsTheTableAndTotals() {
        Result r = run("plan", "--alpha", "1.0", "--resolution", "224");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("bottleneck") && r.out.contains("300,775,552 MACs"), r.out);
        assertTrue(r.out.contains("batches: steps 0-7 image by image"), r.out);
        // blocks 14-17 (7x7 outputs) and the last 1x1 convolution: split by channels on a team
        assertEquals(5, r.out.split("threads split channels").length - 1, r.out);
    }

    @Test
    void planNamesOneClassInTheSingular() {
        Result r = run("plan", "-a", "0.35", "-r", "32", "-k", "1");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("(1 class, tf_same padding)"), r.out);
        r = run("plan", "-a", "0.35", "-r", "32", "-k", "2");
        assertTrue(r.out.contains("(2 classes, tf_same padding)"), r.out);
    }

    @Test
    void helpGivesTheThreadRange() {
        for (String command : new String[] {"run", "classify"}) {
            Result r = run(command, "--help");
            assertEquals(0, r.status, r.err);
            assertTrue(r.out.contains("1 to " + MobileNetV2.MAX_THREADS), command + ": " + r.out);
        }
    }

    @Test
    void planJsonHasTotalsAndOneRowPerStep() {
        Result r = run("plan", "-a", "0.5", "-r", "128", "--json", "--mode", "layerwise");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.trim().startsWith("{") && r.out.trim().endsWith("}"), r.out);
        assertTrue(r.out.contains("\"macs\": 32"), r.out);
        assertTrue(r.out.contains("\"mode\": \"layerwise\""), r.out);
        assertTrue(r.out.contains("\"splitStep\": 8") && r.out.contains("\"group\": 8"), r.out);
        assertEquals(21, r.out.split("\"kind\":").length - 1);
        assertEquals(21, r.out.split("\"splitsChannels\":").length - 1);
        assertTrue(r.out.contains("\"splitsChannels\": true"), r.out);
    }

    @Test
    void runPrintsLatencyAndTop5() {
        Result r = run("run", "-a", "0.35", "-r", "32", "-k", "10", "-w", "1", "-n", "3",
                "--threads", "2", "--json");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("\"medianMs\"") && r.out.contains("\"top\""), r.out);
        assertEquals(5, r.out.split("\"index\"").length - 1, "five top classes");
        assertTrue(r.out.contains("\"threads\": 2"), r.out);
        // the samples, in run order: the median is their middle one
        Map<?, ?> latency = (Map<?, ?>) StrictJson.object(r.out).get("latency");
        List<?> samples = (List<?>) latency.get("samplesMs");
        assertEquals(3, samples.size(), r.out);
        double[] sorted = samples.stream().mapToDouble(x -> (Double) x).sorted().toArray();
        assertEquals(sorted[1], (Double) latency.get("medianMs"), 1e-8 * sorted[1], r.out);
        // Which JVM ran it: `java` on PATH need not be the JDK that Maven built with.
        assertTrue(r.out.contains("\"jvm\": \"" + Runtime.version() + "\""), r.out);
        assertTrue(r.err.contains("JVM " + Runtime.version()), r.err);
        // with fewer than five classes, as many as there are: "top 5:" listed three
        r = run("run", "-a", "0.35", "-r", "32", "-k", "3", "-w", "0", "-n", "1");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.lines().anyMatch(l -> l.matches("top 3:( \\d \\([-0-9.]+\\)){3}")),
                r.out);
        r = run("run", "-a", "0.35", "-r", "32", "-k", "3", "-w", "0", "-n", "1", "--json");
        assertEquals(3, ((List<?>) StrictJson.object(r.out).get("top")).size(), r.out);
    }

    /**
     * The text output's rates keep two significant digits below 1: a small model run once,
     * cold, printed "0.0 GFLOP/s". From 1 up they keep one decimal, as before.
     */
    @Test
    void runRatesBelowOneAreNotPrintedAsZero() {
        assertEquals("0.012", RunCommand.rate(0.0123));
        assertEquals("0.049", RunCommand.rate(0.0494));
        assertEquals("0.00000031", RunCommand.rate(3.1e-7));
        assertEquals("0.5", RunCommand.rate(0.5));
        assertEquals("1.0", RunCommand.rate(0.999));
        assertEquals("0.0", RunCommand.rate(0));
        assertEquals("12.3", RunCommand.rate(12.34));
        assertEquals("Infinity", RunCommand.rate(Double.POSITIVE_INFINITY));
        // the line prints them so: a figure, never "0.0", before each unit
        Result r = run("run", "-a", "0.35", "-r", "32", "-w", "0", "-n", "1");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.lines().anyMatch(l -> l.matches("throughput (?!0\\.0 )[0-9.]+"
                + " images/s, (?!0\\.0 )[0-9.]+ GFLOP/s \\([0-9.]+ M multiply-adds\\)")),
                r.out);
    }

    /**
     * Without -w the warm-up suits the backend: the scalar kernels reach their speed within a
     * few inferences, and 300 of them took half a minute at 1.0/224.
     */
    @Test
    void runsDefaultWarmUpDependsOnTheBackend() {
        Result scalar = run("run", "-a", "0.35", "-r", "32", "-b", "scalar", "-n", "1", "--json");
        assertEquals(0, scalar.status, scalar.err);
        Map<?, ?> latency = (Map<?, ?>) StrictJson.object(scalar.out).get("latency");
        assertEquals((double) RunCommand.SCALAR_WARMUP, latency.get("warmup"), scalar.out);
        Result vector = run("run", "-a", "0.35", "-r", "32", "-b", "vector", "-n", "1",
                "--json");
        assertEquals(0, vector.status, vector.err);
        latency = (Map<?, ?>) StrictJson.object(vector.out).get("latency");
        assertEquals((double) RunCommand.VECTOR_WARMUP, latency.get("warmup"), vector.out);
        Result given = run("run", "-a", "0.35", "-r", "32", "-b", "scalar", "-w", "3", "-n", "1");
        assertTrue(given.out.contains("(after 3 warm-up)"), given.out);
        String help = run("run", "--help").out.replaceAll("\\s+", " ");
        assertTrue(help.contains("Default: 300 with the vector kernels, 20 with the scalar"
                + " ones."), help);
    }

    @Test
    void aBatchRunReportsPerImageLatencyAndTheFirstImagesLogits() {
        String[] common = {"run", "-a", "0.35", "-r", "64", "-k", "10", "-w", "0", "-n", "2"};
        Result one = run(common);
        assertEquals(0, one.status, one.err);
        String[] batched = Arrays.copyOf(common, common.length + 2);
        batched[common.length] = "--batch";
        batched[common.length + 1] = "3";
        Result three = run(batched);
        assertEquals(0, three.status, three.err);
        assertTrue(three.out.contains("latency per image over 2 batches of 3"), three.out);
        String checksum = one.out.substring(one.out.indexOf("logits checksum"));
        assertTrue(three.out.contains(checksum), "the first image's logits, bitwise: " + three.out);
        // Images past one array's size: was an ArithmeticException's stack trace (status 1).
        Result large = run("run", "-a", "0.35", "-r", "2048", "--batch", "200", "-w", "0", "-n",
                "1");
        assertEquals(2, large.status, large.err);
        assertTrue(large.err.contains("--batch 200: 200 images of 2048x2048x3 floats are more"
                + " than one array holds: expected 1 to 170 at this resolution"), large.err);
        assertFalse(large.err.contains("building"), "checked before the model is built: "
                + large.err);
        Result single = run("run", "-a", "0.35", "-r", "32", "-k", "10", "-w", "0", "-n", "1",
                "--batch", "2"); // was "1 batches of 2"
        assertTrue(single.out.contains("latency per image over 1 batch of 2 (after"), single.out);
        single = run("run", "-a", "0.35", "-r", "32", "-k", "10", "-w", "0", "-n", "1");
        assertTrue(single.out.contains("latency over 1 run (after"), single.out);
        Result bad = run("run", "-r", "32", "--batch", "0");
        assertEquals(2, bad.status);
        assertTrue(bad.err.contains("--batch 0: expected 1 to 256"), bad.err);
    }

    @Test
    void badArgumentsGiveAClearErrorAndStatus2() {
        Result r = run("plan", "--alpha", "0");
        assertEquals(2, r.status);
        assertTrue(r.err.contains("alpha = 0.0") && r.err.contains("expected"), r.err);
        r = run("run", "--backend", "gpu", "-r", "32");
        assertEquals(2, r.status);
        assertTrue(r.err.contains("unknown backend 'gpu'"), r.err);
        r = run("plan", "--padding", "valid");
        assertEquals(2, r.status);
        assertTrue(r.err.contains("symmetric"), r.err);
        r = run("run", "-r", "32", "-n", "0");
        assertEquals(2, r.status);
        // One latency sample per run is kept: 2^31 - 1 of them was an out-of-memory error that
        // blamed the model's size (status 1).
        r = run("run", "-a", "0.35", "-r", "32", "-w", "0", "-n", "2147483647");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("--iterations 2147483647: expected 1 to 1000000"), r.err);
        r = run("run", "-a", "0.35", "-r", "32", "-w", "1000001", "-n", "1");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("--warmup 1000001: expected 0 to 1000000"), r.err);
        r = run("classify", "-m", "model.tflite", "-w", "1000001", "cat.jpg");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("--warmup 1000001: expected 0 to 1000000"), r.err);
        r = run("classify", "-m", "model.tflite", "-k", "-3", "cat.jpg"); // the value, as above
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("--top -3: expected at least 1"), r.err);
        r = run("run", "-r", "32", "-n", "1", "--threads", "0");
        assertEquals(2, r.status);
        assertTrue(r.err.contains("--threads 0: expected 1 to 256"), r.err);
        assertFalse(r.err.contains("building"), "checked before the model is built: " + r.err);
        r = run("plan", "--resolution", "abc");
        assertEquals(2, r.status, "picocli's own usage error");
    }

    /**
     * -k is the model's class count in plan, run and export-onnx, and top-k in classify: the help
     * said "Classifier outputs" and "Classes to report", which read alike.
     */
    @Test
    void theHelpSaysWhatKMeansInEachCommand() {
        for (String command : new String[] {"plan", "run", "export-onnx"}) {
            String help = run(command, "--help").out.replaceAll("\\s+", " ");
            assertTrue(help.contains("-k, --classes=K The model's classes (classifier outputs), 1"
                    + " to " + ModelConfig.MAX_CLASSES + "; not the classes printed, as classify's"
                    + " -k (top-k) is."),
                    command + ": " + help);
        }
        String help = run("classify", "--help").out.replaceAll("\\s+", " ");
        assertTrue(help.contains("-k, --top=K Top-k: classes to report per image"), help);
        assertTrue(help.contains("not the model's class count, as the other commands' -k is."),
                help);
    }

    /** --mode took unfused (as layerwise) while its help and its error named two modes only. */
    @Test
    void everyModeTheCommandsTakeIsNamedInTheHelpAndTheError() {
        for (String command : new String[] {"run", "plan"}) {
            String help = run(command, "--help").out.replaceAll("\\s+", " ");
            assertTrue(help.contains("--mode=fused|layerwise|unfused"), command + ": " + help);
            assertTrue(help.contains("layerwise, one layer at a time (also named unfused)"),
                    command + ": " + help);
        }
        Result r = run("plan", "-a", "0.35", "-r", "32", "--mode", "unfused", "--json");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("\"mode\": \"layerwise\""), r.out);
        r = run("run", "-r", "32", "--mode", "streamed");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("unknown mode 'streamed': expected fused, or layerwise (also"
                + " named unfused)"), r.err);
    }

    /**
     * The named values (--backend, --mode, --padding) take spaces around them alike:
     * "--padding ' tf '" ran while "--backend ' vector'" and "--mode ' fused'" were refused.
     */
    @Test
    void namedValuesTakeSpacesAroundThemAlike() {
        Result r = run("plan", "-a", "0.35", "-r", "32", "-p", " symmetric ", "--mode",
                "\tlayerwise ", "--json");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("\"padding\": \"symmetric\""), r.out);
        assertTrue(r.out.contains("\"mode\": \"layerwise\""), r.out);
        r = run("run", "-a", "0.35", "-r", "32", "-w", "0", "-n", "1", "-b", " scalar ",
                "--mode", " layerwise", "-p", "tf ", "--json");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("\"backend\": \"scalar\""), r.out);
        assertTrue(r.out.contains("\"mode\": \"layerwise\""), r.out);
        // the backend is checked before the model is read: past it, the missing model
        r = run("classify", "-m", "no-such-model.onnx", "-b", " scalar ", "cat.jpg");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.startsWith("error: cannot load no-such-model.onnx"), r.err);
        // a value that is none of them after the spaces still names the accepted ones
        r = run("run", "-r", "32", "-b", " gpu ");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("unknown backend 'gpu': expected one of vector, scalar,"
                + " auto"), r.err);
        r = run("plan", "--mode", " fast ");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("unknown mode 'fast': expected fused, or layerwise (also named"
                + " unfused)"), r.err);
        r = run("plan", "-p", " valid ");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("unknown padding 'valid': expected 'symmetric' (PyTorch) or"
                + " 'tf'"), r.err);
    }

    /**
     * An argument that starts with @ is a path like any other: picocli read the file it names
     * without the @ as more arguments, so "classify ... @cat.bmp" beside a cat.bmp gave one
     * error per line of the image's bytes, and a text file's lines were taken as options.
     */
    @Test
    void anArgumentStartingWithAtIsNotReadAsAnArgumentFile(@TempDir Path dir)
            throws IOException {
        Path lines = Files.writeString(dir.resolve("x.txt"), "-k\n0\n");
        Result r = run("classify", "-m", "no-such-model.onnx", "@" + lines);
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.startsWith("error: cannot load no-such-model.onnx"), r.err);
        r = run("plan", "-a", "0.35", "-r", "32", "@" + lines);
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.startsWith("error: Unmatched argument at index 5: '@" + lines + "'"),
                r.err);
    }

    /** No command is a usage error: a script that lost its command word must not pass. */
    @Test
    void noCommandPrintsTheHelpToStderrWithStatus2() {
        Result r = run();
        assertEquals(2, r.status, r.err);
        assertEquals("", r.out);
        assertTrue(r.err.contains("Usage: mobilenet-simd"), r.err);
        assertTrue(r.err.replace("\r", "").endsWith("error: no command given: expected one of"
                + " plan, run, classify, export-onnx\n"), r.err);
        assertEquals(0, run("--help").status, "asking for the help is not an error");
        assertTrue(run("--help").out.contains("Usage: mobilenet-simd"));
        // the one JVM option the vector kernels need, which a first run without it missed
        assertTrue(run("--help").out.replaceAll("\\s+", " ").contains("Start the JVM with"
                + " --add-modules jdk.incubator.vector for the vector kernels"), run("--help").out);
    }

    /** Picocli's usage errors: one line like every other error, not the whole help after it. */
    @Test
    void usageErrorsAreOneLineWithAPointerToTheHelp() {
        Result r = run("plan", "--jsn");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.startsWith("error: Unknown option: '--jsn'\n"), r.err);
        assertTrue(r.err.contains("--json"), "picocli's suggestion: " + r.err);
        assertTrue(r.err.endsWith("(see mobilenet-simd plan --help)\n"), r.err);
        assertFalse(r.err.contains("Usage:"), r.err);
        r = run("classify", "cat.jpg");
        assertEquals(2, r.status, r.err);
        assertEquals("error: Missing required option: '--model=MODEL'\n"
                + "(see mobilenet-simd classify --help)\n", r.err.replace("\r", ""));
        assertEquals("", r.out);
    }

    @Test
    void outOfMemoryGivesAMessageNotAStackTrace() throws Exception {
        // a separate JVM with a heap too small for the 1.4/224 weights (~25 MB)
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx24m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--backend", "scalar", "-a", "1.4", "-r", "224", "-w", "0", "-n", "1")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), output);
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("error: out of memory: the Java heap (at most"), output);
        assertTrue(output.contains("-Xmx"), output);
        assertFalse(output.contains("\tat "), "no stack trace: " + output);
    }

    /**
     * run's latency samples that do not fit the heap are named as such, with their count and
     * bytes, before the first run: at -n 1000000 the error blamed the model, and with --json
     * (whose text took some 40 bytes more per sample) it came after every run was done.
     */
    @Test
    void latencySamplesThatDoNotFitTheHeapAreNamedAsSuch() throws Exception {
        assertEquals(16_000_000L, RunCommand.sampleBytes(1_000_000));
        assertEquals("out of memory for the latency samples: -n 1,000,000 keeps 1,000,000 of"
                + " them, 16,000,000 bytes (8 each, and as many to sort them), which do not fit"
                + " beside the model in the Java heap (at most 64 MiB): give a smaller -n, or"
                + " raise the heap with -Xmx", RunCommand.samplesOutOfMemory(1_000_000, 64L << 20));
        // a heap the model and its session fit, with -n 1 (JDK 17 needs 12 MB), but not 16 MB
        // of samples
        String[] args = {"run", "--backend", "scalar", "-a", "0.35", "-r", "32", "-k", "3",
            "-w", "0", "-n", "1", "--json"};
        Result r = runInJvm(new String[] {"-Xmx14m"}, args);
        assertEquals(0, r.status, r.out);
        args[args.length - 2] = "1000000";
        r = runInJvm(new String[] {"-Xmx14m"}, args);
        assertEquals(1, r.status, r.out);
        assertTrue(r.out.contains("error: out of memory for the latency samples: -n 1,000,000"
                + " keeps 1,000,000 of them, 16,000,000 bytes"), r.out);
        assertTrue(r.out.contains("(at most 14 MiB)"), r.out);
        assertFalse(r.out.contains("this model"), r.out);
        assertFalse(r.out.contains("\tat "), "no stack trace: " + r.out);
    }

    /**
     * A bad vector width or ReLU6 form fails the vector kernels' class initialisation: the CLI
     * names the property and its values instead of an ExceptionInInitializerError's stack trace.
     */
    @Test
    void badKernelSystemPropertiesGiveAMessageNotAStackTrace() throws Exception {
        for (String property : new String[] {"-Dmobilenet.vectorBits=64",
                "-Dmobilenet.relu6=max"}) {
            Result r = runInJvm(new String[] {"--add-modules", "jdk.incubator.vector", property},
                    "run", "-a", "0.35", "-r", "32", "-w", "0", "-n", "1");
            assertEquals(2, r.status, r.out);
            assertTrue(r.out.contains("error: " + property + " is not supported: expected"),
                    r.out);
            assertFalse(r.out.contains("\tat "), "no stack trace: " + r.out);
        }
    }

    /** Runs the CLI in a JVM of its own with the given JVM options; returns status and output. */
    private static Result runInJvm(String[] jvmOptions, String... args) throws Exception {
        ChildJvm.Result r = ChildJvm.run(Arrays.asList(jvmOptions), Main.class, args);
        return new Result(r.status(), r.output(), r.output());
    }

    private static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    /**
     * Without FMA instructions the Vector API computes every fused multiply-add in software:
     * 0.35/96 took 4.2 s per inference on the vector kernels (~25 ms on the scalar ones), and
     * {@code auto} chose them. Now {@code auto} takes the scalar kernels with one warning saying
     * why, and {@code vector} is refused with the reason.
     */
    @Test
    void withoutHardwareFmaAutoIsScalarAndVectorIsRefused() throws Exception {
        String[] noFma = {"--add-modules", "jdk.incubator.vector", "-XX:-UseFMA"};
        Result r = runInJvm(noFma, "run", "-a", "0.35", "-r", "32", "-w", "0", "-n", "1");
        assertEquals(0, r.status, r.out);
        assertTrue(r.out.contains(" on scalar, fused blocks"), r.out);
        assertEquals(1, count(r.out, "does not use FMA instructions"), r.out);
        r = runInJvm(noFma, "run", "--backend", "vector", "-a", "0.35", "-r", "32", "-w", "0",
                "-n", "1");
        assertEquals(2, r.status, r.out);
        assertTrue(r.out.contains("error: the vector backend needs hardware FMA"), r.out);
        assertFalse(r.out.contains("\tat "), "no stack trace: " + r.out);
    }

    /**
     * A width past the JVM's widest vectors runs as Java code, tens of times slower: it was
     * silent, and is now warned about once (and not at a width the JVM compiles).
     */
    @Test
    void aVectorWidthPastTheJvmsIsWarnedAboutOnce() throws Exception {
        String[] args = {"run", "-a", "0.35", "-r", "32", "-w", "0", "-n", "1", "--threads", "2"};
        Result r = runInJvm(new String[] {"--add-modules", "jdk.incubator.vector",
                "-XX:MaxVectorSize=16", "-Dmobilenet.vectorBits=256"}, args);
        assertEquals(0, r.status, r.out);
        assertTrue(r.out.contains(" on vector-256, fused blocks"), r.out);
        assertEquals(1, count(r.out, "-Dmobilenet.vectorBits=256 is wider than the 128-bit"
                + " vectors this JVM compiles"), r.out);
        r = runInJvm(new String[] {"--add-modules", "jdk.incubator.vector",
                "-XX:MaxVectorSize=16", "-Dmobilenet.vectorBits=128"}, args);
        assertEquals(0, r.status, r.out);
        assertTrue(r.out.contains(" on vector-128, fused blocks"), r.out);
        assertFalse(r.out.contains("is wider than"), r.out);
    }

    /** Without the Vector API module: the scalar kernels, and one warning saying what to do. */
    @Test
    void withoutTheVectorModuleOneWarningAndTheScalarKernels() throws Exception {
        Result r = runInJvm(new String[0], "run", "-a", "0.35", "-r", "32", "-w", "1", "-n", "2",
                "--threads", "2");
        assertEquals(0, r.status, r.out);
        assertTrue(r.out.contains(" on scalar, fused blocks, 2 threads"), r.out);
        assertEquals(1, count(r.out, "jdk.incubator.vector is not available"), r.out);
        assertEquals(1, count(r.out, "Start java with --add-modules jdk.incubator.vector"), r.out);
        // the warning alone: the default log format gave a timestamp and an internal class name
        assertTrue(r.out.lines().anyMatch(l -> l.startsWith("WARNING: jdk.incubator.vector is"
                + " not available")), r.out);
        assertFalse(r.out.contains("KernelSets"), r.out);
    }

    /**
     * classify without the Vector API module: a mistyped model, labels or image path is
     * reported before the backend is chosen, whose warning that the scalar kernels stand in
     * came first, above "no such file". The model's and the labels' stop the run there, without
     * the warning; a missing image is reported (once) and the others are classified.
     */
    @Test
    void withoutTheVectorModuleAMissingFileIsReportedBeforeTheWarning(@TempDir Path dir)
            throws Exception {
        String model = JsonOutputTest.smallModel(dir).toString();
        String image = JsonOutputTest.image(dir, "image.png").toString();
        String noModel = dir.resolve("no-such.onnx").toString();
        Result r = runInJvm(new String[0], "classify", "--model", noModel, image);
        assertEquals(2, r.status, r.out);
        assertTrue(r.out.contains("error: cannot load " + noModel + ": no such file or"
                + " directory"), r.out);
        assertFalse(r.out.contains("jdk.incubator.vector"), r.out);

        String noLabels = dir.resolve("no-such.txt").toString();
        r = runInJvm(new String[0], "classify", "--normalization", "imagenet", "--labels",
                noLabels, "--model", model, image);
        assertEquals(2, r.status, r.out);
        assertTrue(r.out.contains("error: cannot read the labels " + noLabels), r.out);
        assertFalse(r.out.contains("jdk.incubator.vector"), r.out);

        String noImage = dir.resolve("no-such.png").toString();
        r = runInJvm(new String[0], "classify", "--normalization", "imagenet", "--model", model,
                noImage, image);
        assertEquals(1, r.status, r.out);
        int error = r.out.indexOf("error: cannot read image " + noImage
                + ": no such file or directory");
        int warning = r.out.indexOf("WARNING: jdk.incubator.vector is not available");
        assertTrue(error >= 0 && warning > error, "the error first: " + r.out);
        assertEquals(1, count(r.out, "no such file or directory"), "reported once: " + r.out);
        assertTrue(r.out.contains(image + "  (inference"), "the other classified: " + r.out);
    }

    /**
     * Standard output that cannot be written (a full disk): System.out kept the error to
     * itself, and `plan --json > out.json` left an empty file with status 0.
     */
    @Test
    void anOutputThatCannotBeWrittenIsAnErrorWithStatus1(@TempDir Path dir) {
        String onnx = dir.resolve("m.onnx").toString();
        String[][] commands = {{"plan", "-a", "0.35", "-r", "32"},
            {"plan", "-a", "0.35", "-r", "32", "--json"}, {"--help"}, {"plan", "--help"},
            {"run", "-a", "0.35", "-r", "32", "-k", "3", "-w", "0", "-n", "1", "--json"},
            {"export-onnx", "-a", "0.35", "-r", "32", "-k", "3", "-o", onnx}};
        for (String[] command : commands) {
            PrintStream oldOut = System.out, oldErr = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status;
            try {
                System.setOut(new PrintStream(new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        throw new IOException("No space left on device");
                    }
                }, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                status = Main.execute(command);
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
            String what = String.join(" ", command) + ": " + err.toString(StandardCharsets.UTF_8);
            assertEquals(1, status, what);
            assertTrue(what.contains("error: could not write to standard output"), what);
        }
        // a usage error keeps its status
        assertEquals(2, run("plan", "--alpha", "0").status);
    }

    /** Each command's -V, as its help lists it: it printed nothing. */
    @Test
    void everyCommandPrintsTheVersion() {
        for (String command : new String[] {"plan", "run", "classify", "export-onnx"}) {
            Result r = run(command, "-V");
            assertEquals(0, r.status, r.err);
            assertTrue(r.out.startsWith("mobilenet-simd "), command + ": " + r.out);
            assertTrue(r.out.contains("JVM " + Runtime.version()), command + ": " + r.out);
        }
    }

    /**
     * A classifier past int range: its parameter count wrapped (826,032,704 for 5,121,000,000),
     * and plan did not say that the weights cannot be built.
     */
    @Test
    void planCountsParametersPastIntRangeAndSaysTheWeightsCannotBeBuilt() {
        Result r = run("plan", "-a", "4", "-r", "32", "-k", "1000000");
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("5,121,000,000"), "5120 x 10^6 weights + 10^6 biases: "
                + r.out);
        assertTrue(r.out.contains("weights cannot be built: classifier (DENSE"
                + " 5120->1000000) needs 5120000000 weights, more than one Java array holds"),
                r.out);
        Map<String, Object> doc = StrictJson.object(run("plan", "-a", "4", "-r", "32", "-k",
                "1000000", "--json").out);
        List<?> steps = (List<?>) doc.get("steps");
        Map<?, ?> classifier = (Map<?, ?>) steps.get(steps.size() - 1);
        assertEquals(5_121_000_000.0, classifier.get("params"), doc.toString());
        assertTrue(String.valueOf(doc.get("weightsTooLarge")).contains("5120000000 weights"));
        assertEquals(null, StrictJson.object(run("plan", "-r", "32", "--json").out)
                .get("weightsTooLarge"));
        assertFalse(run("plan", "-r", "32").out.contains("cannot be built"));
    }

    /**
     * Every layer fits an array but all together do not, and a model keeps them in one: plan
     * said nothing, and building the model failed only after making and packing 8 GB of weights.
     */
    @Test
    void planSaysTheWeightsCannotBeBuiltWhenOnlyTheirTotalPassesAnArray() {
        // the most classes whose classifier fits one array at alpha 4 (5120 x 419,430 weights)
        String[] args = {"plan", "-a", "4", "-r", "32", "-k", "419430"};
        Result r = run(args);
        assertEquals(0, r.status, r.err);
        assertTrue(r.out.contains("weights cannot be built: all 53 layers together need"
                + " 2182224358 weights and biases, more than one Java array holds"), r.out);
        String[] json = Arrays.copyOf(args, args.length + 1);
        json[args.length] = "--json";
        Map<String, Object> doc = StrictJson.object(run(json).out);
        assertTrue(String.valueOf(doc.get("weightsTooLarge")).startsWith("all 53 layers together"
                + " need 2182224358 weights"), doc.toString());
        // at the edge: 2,147,483,494 weights and biases pass this check (though a model's
        // padded packing of them does not fit one array), 2,147,488,615 do not
        assertFalse(run("plan", "-a", "4", "-r", "32", "-k", "412646").out
                .contains("cannot be built"));
        assertTrue(run("plan", "-a", "4", "-r", "32", "-k", "412647").out
                .contains("cannot be built: all 53 layers together need 2147488615"));
    }

    /**
     * --from writes the model's own configuration: -a and -r were silently ignored. -r is the
     * size to read a model at whose input size is not fixed, so of a model of a fixed size it
     * must be that size.
     */
    @Test
    void exportFromAModelRefusesTheRandomWeightOptions(@TempDir Path dir) {
        Path model = dir.resolve("m.onnx");
        Result r = run("export-onnx", "-a", "0.35", "-r", "32", "-o", model.toString());
        assertEquals(0, r.status, r.err);
        Path copy = dir.resolve("copy.onnx");
        r = run("export-onnx", "--from", model.toString(), "-a", "0.5", "-s", "3", "-o",
                copy.toString());
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("--alpha, --seed and --from: the options describe"
                + " random weights"), r.err);
        assertFalse(Files.exists(copy), "nothing written");
        r = run("export-onnx", "--from", model.toString(), "-r", "96", "-o", copy.toString());
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("the model fixes its size at 32x32, and the resolution given"
                + " is 96; the resolution given (OnnxModel.load(file, resolution) or"
                + " OnnxModel.read(bytes, resolution); --resolution on the command line) must be"
                + " 32, or be left out"), r.err);
        assertFalse(Files.exists(copy), "nothing written");
        r = run("export-onnx", "--from", model.toString(), "-r", "32", "-o", copy.toString());
        assertEquals(0, r.status, r.err);
        r = run("export-onnx", "--from", model.toString(), "-o", copy.toString());
        assertEquals(0, r.status, r.err);
    }

    /** An empty path is the working directory: "-m ''" was "cannot load : a directory". */
    @Test
    void emptyPathsAreUsageErrors(@TempDir Path dir) {
        String image = dir.resolve("cat.jpg").toString();
        String model = dir.resolve("m.tflite").toString();
        Result r = run("classify", "-m", "", image);
        assertEquals(2, r.status, r.err);
        assertEquals("error: -m/--model is empty: expected the model file to read\n",
                r.err.replace("\r", ""));
        r = run("classify", "-m", model, "-l", "", image);
        assertEquals(2, r.status, r.err);
        assertEquals("error: -l/--labels is empty: expected the labels file to read\n",
                r.err.replace("\r", ""));
        r = run("classify", "-m", model, image, "");
        assertEquals(2, r.status, r.err);
        assertEquals("error: IMAGE 2 of 2 is empty: expected an image file\n",
                r.err.replace("\r", ""));
        r = run("export-onnx", "--from", "", "-o", dir.resolve("m.onnx").toString());
        assertEquals(2, r.status, r.err);
        assertEquals("error: --from is empty: expected the TensorFlow Lite or ONNX file to read\n",
                r.err.replace("\r", ""));
    }

    /**
     * "-o -" is standard output to many tools: it wrote a file named "-" in the working
     * directory and printed "wrote -" where a pipe expected the model.
     */
    @Test
    void exportToADashIsRefusedNotWrittenAsAFileNamedDash() throws IOException {
        Path dash = Path.of("-");
        boolean there = Files.exists(dash);
        try {
            Result r = run("export-onnx", "-a", "0.35", "-r", "32", "-k", "3", "-o", "-");
            assertEquals(2, r.status, r.err);
            assertEquals("", r.out);
            assertTrue(r.err.startsWith("error: -o/--output -: expected the ONNX file to write"
                    + " (./- for a file named -, /dev/stdout for standard output)"), r.err);
            assertEquals(there, Files.exists(dash), "a file named - was written");
        } finally {
            if (!there) {
                Files.deleteIfExists(dash);
            }
        }
    }

    /**
     * The model on standard output through /dev/stdout, a pipe here as under a shell's "| gzip"
     * (or ">(...)"): it was "cannot write /dev/stdout: no such file or directory", as the
     * pipe's real path did not resolve; and the summary line, on stdout too, would have
     * followed the model's bytes.
     */
    @Test
    void exportToDevStdoutWritesTheModelAloneThroughThePipe() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/stdout")), "no /dev/stdout here");
        ChildJvm.Streams r = ChildJvm.runApart(List.of(), StandardCharsets.ISO_8859_1,
                Main.class, "export-onnx", "-a", "0.35", "-r", "32", "-k", "3", "-o",
                "/dev/stdout");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().startsWith("wrote /dev/stdout: MobileNetV2 0.35/32 (3 classes"),
                r.err());
        byte[] model = r.out().getBytes(StandardCharsets.ISO_8859_1); // byte for byte
        assertEquals(new ModelConfig(0.35, 32, 3, dev.mobilenetsimd.Padding.TF_SAME),
                dev.mobilenetsimd.onnx.OnnxModel.read(model).config());
    }

    /**
     * A JVM in the C locale takes file names in ASCII only: a name past it was refused as
     * "cannot convert '...' to interface java.nio.file.Path (java.nio.file.InvalidPathException:
     * ...)", without a word of the locale.
     */
    @Test
    void aFileNameTheLocaleCannotEncodeSaysWhy(@TempDir Path dir) throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "the C locale's ASCII");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "export-onnx",
                "-a", "0.35", "-r", "32", "-o", dir.resolve("caf\u00e9.onnx").toString());
        pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
        pb.environment().put("LC_ALL", "C");
        Process p = pb.redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), output);
        assertEquals(2, p.exitValue(), output);
        assertTrue(output.contains("error: Invalid value for option '--output': '"), output);
        assertTrue(output.contains(".onnx' is not a file name this JVM can use: Malformed input or"
                + " input contains unmappable characters; it takes file names in "), output);
        assertTrue(output.contains(", its locale's encoding: start it in a UTF-8 locale (e.g."
                + " LC_ALL=C.UTF-8)"), output);
        assertFalse(output.contains("java.nio"), output);
    }

    /** classify takes run's -b: it was an unknown option there. */
    @Test
    void classifyTakesTheBackendsShortOption(@TempDir Path dir) throws IOException {
        Path model = JsonOutputTest.smallModel(dir);
        Path image = JsonOutputTest.image(dir, "image.png");
        Result r = run("classify", "-b", "scalar", "--json", "--normalization", "imagenet",
                "--model", model.toString(), image.toString());
        assertEquals(0, r.status, r.err);
        assertEquals("scalar", StrictJson.object(r.out).get("backend"), r.out);
    }

    @Test
    void missingFilesAreNamedWithTheReason(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("absent.tflite");
        Result r = run("classify", "--model", model.toString(), dir.resolve("cat.jpg").toString());
        assertEquals(2, r.status);
        assertTrue(r.err.contains("cannot load " + model + ": no such file or directory"), r.err);
        r = run("export-onnx", "--from", model.toString(), "-o", dir.resolve("m.onnx").toString());
        assertEquals(2, r.status);
        assertTrue(r.err.contains("cannot read " + model + ": no such file or directory"), r.err);
        // Not a regular file: named as such before anything is read (/dev/zero was read to 2 GB).
        Path folder = dir.resolve("folder.onnx");
        Files.createDirectory(folder);
        r = run("export-onnx", "--from", folder.toString(), "-o", dir.resolve("m.onnx").toString());
        assertEquals(2, r.status);
        assertTrue(r.err.contains("cannot read " + folder + ": a directory, expected a TensorFlow"
                + " Lite or ONNX model file"), r.err);
        if (Files.exists(Path.of("/dev/zero"))) {
            r = run("classify", "--model", "/dev/zero", dir.resolve("cat.jpg").toString());
            assertEquals(2, r.status);
            assertTrue(r.err.contains("cannot load /dev/zero: not a regular file, expected a"
                    + " TensorFlow Lite or ONNX model file"), r.err);
        }
        // A path without a file name (the root): was a NullPointerException's stack trace.
        Path root = dir.getRoot();
        r = run("export-onnx", "--from", root.toString(), "-o", dir.resolve("m.onnx").toString());
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("cannot read " + root + ": a directory, expected a TensorFlow"
                + " Lite or ONNX model file"), r.err);
        assertFalse(r.err.contains("Exception"), r.err);
        // Weights past the 2 GB of a protobuf file: refused before the random weights are made
        // (was "error: capacity < 0: (-1222967296 < 0)" after 30 s and 2.4 GB of weights).
        Path huge = dir.resolve("huge.onnx");
        r = run("export-onnx", "-r", "32", "-k", "600000", "-o", huge.toString());
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("error: MobileNetV2 1.0/32 (600000 classes, tf_same padding)"
                + " as ONNX: 3,083,227,264 bytes of weights, more than the 2,146,435,063 an ONNX"
                + " file may have with its graph"), r.err);
        assertFalse(Files.exists(huge), "nothing written");
        Path out = dir.resolve("no-such-dir").resolve("m.onnx");
        r = run("export-onnx", "-a", "0.35", "-r", "32", "-o", out.toString());
        assertEquals(1, r.status);
        assertTrue(r.err.contains("cannot write " + out + ": its directory " + out.getParent()
                + " does not exist"), r.err);
        assertFalse(r.err.contains("Exception"), r.err);
    }

    /**
     * Progress away from a terminal (a log, a pipe, a test) is one line per update: carriage
     * returns ran the updates together in a file ("warm-up 0/1warm-up 1/1").
     */
    @Test
    void progressInALogIsOneLinePerUpdate() {
        Result r = run("run", "-a", "0.35", "-r", "32", "-k", "10", "-w", "3", "-n", "20");
        assertEquals(0, r.status, r.err);
        assertFalse(r.err.contains("\r"), r.err);
        assertTrue(r.err.contains("warm-up 3/3" + System.lineSeparator())
                && r.err.contains("timed 2/20" + System.lineSeparator())
                && r.err.contains("timed 20/20" + System.lineSeparator()), r.err);
        StringWriter terminal = new StringWriter();
        try (PrintWriter w = new PrintWriter(terminal)) {
            for (int i = 0; i <= 3; i++) {
                RunCommand.progress(w, "warm-up", i, 3, true);
            }
        }
        assertEquals("\rwarm-up 0/3\rwarm-up 1/3\rwarm-up 2/3\rwarm-up 3/3"
                + System.lineSeparator(), terminal.toString());
    }
}
