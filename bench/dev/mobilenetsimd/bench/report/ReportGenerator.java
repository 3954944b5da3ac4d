package dev.mobilenetsimd.bench.report;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Step;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.math3.stat.regression.SimpleRegression;

/**
 * Builds {@code reports/README.md} and the charts in {@code reports/charts/} from the JMH JSON
 * files under a data directory (as {@code bench/run.sh} writes them) and its
 * {@code machine.properties}. Works with any subset of the data: a section without results says
 * so. Every result is classified from its own JSON (benchmark, parameters, JVM arguments, JDK), not
 * from file names, so files can be added or removed freely.
 *
 * <p>Usage: {@code ReportGenerator [dataDir [reportDir]]}, defaults {@code reports/data reports}.
 */
public final class ReportGenerator {
    static final String NOT_MEASURED = "_Not measured in this run._";
    /** The classes the report knows as whole-network, per-block and peak benchmarks. */
    static final String NETWORK = "NetworkBench", BLOCK = "BlockBench", PEAK = "FmaPeakBench",
            ALLOCATION = "AllocationBench";
    /** The one-JVM per-step tool a profile runs besides JMH ({@code data/jdkNN/PairedSteps.md}). */
    static final String PAIRED_STEPS = "PairedSteps";

    private final Path dataDir;
    private final Path reportDir;
    private final List<Result> results = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Properties machine = new Properties();
    private final Map<String, Long> networkMacs = new HashMap<>();
    private final StringBuilder md = new StringBuilder();
    /**
     * The JMH options run.sh records in machine.properties, one key per kind of run, in the
     * Machine table's order. Network runs take {@code jmh.network} on every JDK (run.sh dropped
     * its JDK 17 options when they came to equal the others).
     */
    static final List<String> JMH_OPTION_KEYS = List.of("jmh.kernels", "jmh.blocks",
            "jmh.network", "jmh.network.batch8", "jmh.peak", "jmh.allocation");
    /** The markdown {@code PairedSteps} printed, or null if the profile did not run it. */
    private String pairedSteps;
    /** The JDK of the {@code data/jdkNN/} that {@link #pairedSteps} was read from (run.sh: 25). */
    private int pairedStepsJdk = 25;
    private Charts charts;
    /** Where {@link #peak} had no result of the JDK asked for, e.g. {@code JDK 17 at 512-bit}. */
    private final Set<String> peakFallbacks = new TreeSet<>();
    /**
     * Footnote numbers by note: rows measured otherwise ({@link #measuredOtherwise}) and scalar
     * rows far from their twin ({@link #scalarSpread}).
     */
    private final Map<String, Integer> footnotes = new LinkedHashMap<>();
    /** Stands in the peak section for the note on {@link #peakFallbacks}, filled in last. */
    private static final String PEAK_FALLBACK_NOTE = "\u0000peak-fallback\u0000";

    ReportGenerator(Path dataDir, Path reportDir) {
        this.dataDir = dataDir;
        this.reportDir = reportDir;
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "reports/data");
        Path out = Path.of(args.length > 1 ? args[1] : "reports");
        ReportGenerator g = new ReportGenerator(data, out);
        g.load();
        Path readme = g.write();
        System.out.println("wrote " + readme + " (" + g.results.size() + " results)");
    }

    // ---- loading -------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    void load() throws IOException {
        Path props = dataDir.resolve("machine.properties");
        if (Files.isRegularFile(props)) {
            try (var r = Files.newBufferedReader(props, StandardCharsets.UTF_8)) {
                machine.load(r);
            }
        }
        if (!Files.isDirectory(dataDir)) {
            warnings.add("no data directory " + dataDir);
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dataDir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted()
                    .collect(Collectors.toList());
        }
        Map<String, Result> byKey = new LinkedHashMap<>();
        for (Path f : files) {
            String rel = dataDir.relativize(f).toString();
            try {
                Object json = Json.parse(Files.readString(f, StandardCharsets.UTF_8));
                if (!(json instanceof List)) {
                    throw new IllegalArgumentException("not a JMH result array");
                }
                for (Object o : (List<Object>) json) {
                    Result r = new Result(rel, (Map<String, Object>) o);
                    String key = r.benchClass + "." + r.method + r.params + r.jdk + r.setup()
                            + r.superWord();
                    if (byKey.put(key, r) != null) {
                        warnings.add("duplicate result " + r + ": the last file wins");
                    }
                }
            } catch (RuntimeException e) {
                warnings.add("cannot read " + rel + ": " + e.getMessage());
            }
        }
        results.addAll(byKey.values());
        // run.sh runs it on JDK 25 alone; the newest JDK's if there are several
        try (Stream<Path> s = Files.list(dataDir)) {
            Path paired = s.filter(d -> d.getFileName().toString().matches("jdk\\d+")
                            && Files.isRegularFile(d.resolve(PAIRED_STEPS + ".md")))
                    .max(Comparator.comparingInt(ReportGenerator::jdkOfDir)).orElse(null);
            if (paired != null) {
                pairedSteps = Files.readString(paired.resolve(PAIRED_STEPS + ".md"),
                        StandardCharsets.UTF_8).strip();
                pairedStepsJdk = jdkOfDir(paired);
            }
        }
        try (Stream<Path> s = Files.walk(dataDir)) {
            for (Path log : s.filter(p -> p.toString().endsWith(".log")).sorted()
                    .collect(Collectors.toList())) {
                // JMH prints it after the iteration's label, '# Warmup Iteration   1: <failure>'
                long failures = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                        .filter(l -> l.contains("<failure>")).count();
                if (failures > 0) {
                    warnings.add(dataDir.relativize(log) + ": " + failures
                            + " benchmark(s) failed (see the log)");
                }
            }
        }
    }

    /** 25 for {@code data/jdk25}. */
    private static int jdkOfDir(Path dir) {
        return parseIntOr(dir.getFileName().toString().substring(3), 0);
    }

    // ---- derived figures -----------------------------------------------------------------------

    /** JDKs with results, newest first. */
    private List<String> jdks(Predicate<Result> filter) {
        return results.stream().filter(filter).map(r -> r.jdk).distinct()
                .sorted(Comparator.comparingInt((String j) -> parseIntOr(j, 0)).reversed())
                .collect(Collectors.toList());
    }

    private static int parseIntOr(String s, int dflt) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /**
     * The widest vector width this CPU has, from its flags (for "preferred" and scalar figures).
     */
    private int widestBits() {
        String flags = " " + machine.getProperty("cpu.flags", "") + " ";
        if (flags.contains(" avx512f ")) {
            return 512;
        }
        if (flags.contains(" avx2 ") || flags.contains(" avx ")) {
            return 256;
        }
        Set<Integer> measured = new TreeSet<>();
        for (Result r : results) {
            if (r.benchClass.equals(PEAK)) {
                measured.add(peakBits(r));
            }
        }
        return measured.isEmpty() ? 512 : ((TreeSet<Integer>) measured).last();
    }

    private static int peakBits(Result r) {
        return parseIntOr(r.method.replaceAll("\\D", ""), 0);
    }

    /**
     * Measured FMA peak in GFLOP/s at {@code bits} (0: widest) on that JDK, else the highest on
     * another JDK (noted in the report: {@link #peakFallbacks}); NaN if none.
     */
    double peak(String jdk, int bits) {
        int b = bits == 0 ? widestBits() : bits;
        double any = Double.NaN;
        for (Result r : results) {
            if (r.benchClass.equals(PEAK) && peakBits(r) == b) {
                if (r.jdk.equals(jdk)) {
                    return r.median;
                }
                any = Double.isNaN(any) ? r.median : Math.max(any, r.median);
            }
        }
        if (!Double.isNaN(any)) {
            peakFallbacks.add("JDK " + jdk + " at " + b + "-bit");
        }
        return any;
    }

    long networkMacs(String variant) {
        return networkMacs.computeIfAbsent(variant, v -> {
            String[] p = v.split("/");
            return ExecutionPlan.build(new ModelConfig(Double.parseDouble(p[0]),
                    Integer.parseInt(p[1]), 1001, Padding.TF_SAME)).totalMacs();
        });
    }

    private static List<Step> standardSteps() {
        return ExecutionPlan.build(ModelConfig.standard()).steps();
    }

    /**
     * Multiply-adds of one kernel benchmark invocation, from its class and {@code shape}
     * parameter; 0 when unknown (the report then shows time only).
     */
    static long kernelMacs(Result r) {
        String shape = r.params.get("shape");
        try {
            switch (r.benchClass) {
                case "PointwiseBench": {
                    String[] f = shape.replace("+r", "").split("x");
                    return Long.parseLong(f[0]) * Long.parseLong(f[1]) * Long.parseLong(f[2]);
                }
                case "DepthwiseBench": {
                    String[] f = shape.split("[xs]");
                    long h = Long.parseLong(f[0]), c = Long.parseLong(f[1]);
                    long s = Long.parseLong(f[2]);
                    long o = (h + s - 1) / s;
                    return o * o * c * 9;
                }
                case "StemBench":
                    return 112L * 112 * 32 * 27;
                case "HeadBench":
                    return r.method.contains("Classifier") ? 1280L * 1001 : 0;
                default:
                    return 0;
            }
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static String rowKey(Result r) {
        String shape = r.params.get("shape");
        return shape == null ? r.method : (r.method.equals("pointwise") || r.method.equals("layer")
                ? shape : r.method + " " + shape);
    }

    // ---- the report ----------------------------------------------------------------------------

    Path write() throws IOException {
        Files.createDirectories(reportDir);
        charts = new Charts(reportDir.resolve("charts"));
        header();
        summary();
        machineSection();
        networkSection();
        allocationSection();
        kernelSection();
        blockSection();
        methodSection();
        int at = md.indexOf(PEAK_FALLBACK_NOTE);
        if (at >= 0) { // the tables after the peak section asked for peaks too
            md.replace(at, at + PEAK_FALLBACK_NOTE.length(), peakFallbacks.isEmpty() ? ""
                    : "No FmaPeakBench result for " + String.join(", ", peakFallbacks)
                            + ": their % of peak uses the highest peak measured at that width"
                            + " on another JDK.\n\n");
        }
        Path readme = reportDir.resolve("README.md");
        Files.writeString(readme, md.toString(), StandardCharsets.UTF_8);
        return readme;
    }

    private void header() {
        md.append("# Benchmark report\n\n");
        // the data as the report's links would reach it (data/ as run.sh lays it out), else as
        // given
        Path report = reportDir.toAbsolutePath().normalize();
        Path data = dataDir.toAbsolutePath().normalize();
        md.append(wrap(new StringBuilder("Generated from the JMH results in `")
                .append(data.startsWith(report) && !data.equals(report)
                        ? report.relativize(data) : dataDir)
                .append("/` by `bench/run.sh` (profile **")
                .append(machine.getProperty("profile", "unknown"))
                .append("**, measured ").append(machine.getProperty("date", "at an unknown date"))
                .append(machine.stringPropertyNames().stream()
                        .anyMatch(k -> k.startsWith("remeasured."))
                        ? ", some runs re-measured later (their rows marked; see Machine)" : "")
                .append("; ").append(results.size())
                .append(" results). Do not edit: regenerate with "
                        + "`bench/run.sh report`, or measure again with `bench/run.sh quick|full`.")
                .toString())).append("\n\n");
        md.append(wrap("MobileNetV2, fp32, NHWC, random weights, one thread per inference unless"
                + " the setup says `N threads` (one image split across them)."
                + " GFLOP/s = 2 × multiply-adds / time. "
                + "% of peak compares with this machine's measured Vector API FMA peak at the same"
                + " width (times the threads for multi-threaded rows) "
                + "(scalar: at the widest width, i.e. the machine's peak). "
                + "× scalar: the one-thread scalar run's median time over the row's; the"
                + " scalar network runs the fused plan (`scalar fused`), so on layer-by-layer rows"
                + " it is against the scalar fused run.")).append("\n\n");
        md.append(precision()).append("\n\n");
        if (!warnings.isEmpty()) {
            md.append("**Warnings:**\n\n");
            for (String w : warnings) {
                md.append("- ").append(w).append('\n');
            }
            md.append('\n');
        }
    }

    /**
     * What the times resolve: medians, with the range of the iterations and the medians of the
     * forks beside them, and the largest difference between the forks of one result in the data.
     */
    String precision() {
        Result widest = null;
        for (Result r : results) {
            if (!Double.isNaN(r.forkSpread()) && (widest == null
                    || r.forkSpread() > widest.forkSpread())) {
                widest = r;
            }
        }
        // both spreads from the data: whether forks land further apart than the iterations of
        // one fork differs from result to result
        String forks = widest == null
                ? "No result here has several forks to show how far apart forks land."
                : "Up to " + pct1(100 * widest.forkSpread()) + " between the fork medians of one"
                        + " result here (" + widest.benchClass + ", JDK " + widest.jdk + ", "
                        + widest.setup() + ": " + forkMedians(widest) + " ms), whose iterations"
                        + " span up to " + pct1(100 * widest.iterationSpreadInFork())
                        + " within one fork.";
        return wrap("**Precision.** Times are medians of the JMH samples. Beside them: the range"
                + " (min–max) of the iterations (each iteration's median for sample-time"
                + " benchmarks) and, where a result ran several forks, each fork's median."
                + " Iterations of one fork share its JIT compilation, memory layout and host"
                + " state, so their range understates the uncertainty. " + forks
                + " Each row is its own fork(s), minutes from the others: **differences of a few"
                + " percent between rows are not resolved by these runs.** To compare two"
                + " setups, run them in one JVM, in turn: `bench/run.sh paired` (fused against"
                + " layer by layer), `bench/run.sh ab` (two builds), `bench/run.sh paired-steps`"
                + " (per step).");
    }

    /** {@code text} with a line break before a word that would end past column 100. */
    static String wrap(String text) {
        return wrap(text, 100);
    }

    /** {@code text} with a line break before a word that would end past column {@code width}. */
    static String wrap(String text, int width) {
        StringBuilder sb = new StringBuilder();
        int col = 0;
        for (String w : text.split(" ")) {
            if (col > 0 && col + 1 + w.length() > width) {
                sb.append('\n');
                col = 0;
            } else if (col > 0) {
                sb.append(' ');
                col++;
            }
            sb.append(w);
            col += w.length();
        }
        return sb.toString();
    }

    /** The medians of {@code r}'s forks in ms (or its unit), e.g. {@code 1.98 / 1.80}. */
    private static String forkMedians(Result r) {
        double f = Double.isNaN(r.toMs()) ? 1 : r.toMs();
        return r.forkMedians.stream().map(m -> f2(m * f)).collect(Collectors.joining(" / "));
    }

    /** The range of {@code r}'s iterations in ms (or its unit), e.g. {@code 3.29–3.32}. */
    private static String iterationRange(Result r, boolean oneDecimal) {
        double f = Double.isNaN(r.toMs()) ? 1 : r.toMs();
        double lo = r.iterationMin() * f, hi = r.iterationMax() * f;
        return Double.isNaN(lo) ? "—"
                : oneDecimal ? f1(lo) + "–" + f1(hi) : f2(lo) + "–" + f2(hi);
    }

    /**
     * The footnote of a result measured otherwise than its profile's runs: re-measured later
     * ({@code remeasured.N} in machine.properties names its file) or with other JMH options than
     * the ones recorded for its kind; null if neither.
     */
    String measuredOtherwise(Result r) {
        String options = machine.getProperty(optionsKey(r));
        String profile = options == null ? null : jmhSettings(options);
        boolean otherOptions = profile != null && !profile.equals(r.jmhSettings());
        String name = r.file.replaceAll("\\.json$", "");
        String when = null;
        for (String k : new TreeSet<>(machine.stringPropertyNames())) {
            String v = machine.getProperty(k);
            if (k.startsWith("remeasured.") && Arrays.asList(v.split("\\s+")).contains(name)) {
                when = v.contains(" (") ? v.substring(0, v.indexOf(" (")) : v;
            }
        }
        if (when == null && !otherOptions) {
            return null;
        }
        return "`" + r.file + "`: " + (when == null ? "measured " : "re-measured " + when + ", ")
                + r.jmhSettings() + (otherOptions ? " (the profile's runs: " + profile + ")" : "");
    }

    /**
     * Above this ratio between a variant's two scalar network runs (C2 default and
     * -XX:-UseSuperWord), the slower one carries a footnote: they run the same code but for
     * SuperWord, which moves the network by a few percent, while one fork's JIT draw has put a
     * scalar run 1.5× off (0.35/224, quick profile of 2026-12-01: 22.45 ms, later forks 14.5).
     */
    static final double SCALAR_SPREAD = 1.25;

    /**
     * The footnote of a scalar network row more than {@link #SCALAR_SPREAD} times slower than
     * the other scalar run of its JDK, variant and batch; null otherwise.
     */
    String scalarSpread(Result r) {
        if (!r.benchClass.equals(NETWORK) || !r.scalar()) {
            return null;
        }
        Result twin = scalarOf(r, !r.superWord());
        if (twin == null || !(r.medianMs() > SCALAR_SPREAD * twin.medianMs())) {
            return null;
        }
        return "`" + r.setup() + "` " + f2(r.medianMs()) + " ms against `" + twin.setup() + "` "
                + f2(twin.medianMs()) + " ms: the two scalar runs differ by "
                + f2(r.medianMs() / twin.medianMs()) + "×; one fork's JIT draw can move a scalar"
                + " run that far, so this variant's × scalar columns compare loosely";
    }

    /**
     * The footnote markers of {@code r} ({@code  ¹}, {@code  ¹ ²}), or empty if it was
     * measured as recorded and is no scalar run far from its twin.
     */
    private String marker(Result r, Set<Integer> used) {
        StringBuilder sb = new StringBuilder();
        for (String note : Arrays.asList(measuredOtherwise(r), scalarSpread(r))) {
            sb.append(footnote(note, used));
        }
        return sb.toString();
    }

    /** The marker of {@code note} ({@code  ¹}), numbered on first use; empty if it is null. */
    private String footnote(String note, Set<Integer> used) {
        if (note == null) {
            return "";
        }
        int n = footnotes.computeIfAbsent(note, k -> footnotes.size() + 1);
        used.add(n);
        return " " + superscript(n);
    }

    private static String superscript(int n) {
        String digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        StringBuilder sb = new StringBuilder();
        for (char c : Integer.toString(n).toCharArray()) {
            sb.append(digits.charAt(c - '0'));
        }
        return sb.toString();
    }

    /** The footnotes {@code used} under a table, one line each. */
    private void footnoteLines(Set<Integer> used) {
        footnotes.forEach((note, n) -> {
            if (used.contains(n)) {
                md.append(wrap(superscript(n) + " " + note + ".")).append("\n\n");
            }
        });
    }

    static String pct1(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f%%", v) : "—";
    }

    private List<Result> network(String variant, int batch) {
        return results.stream().filter(r -> r.benchClass.equals(NETWORK)
                        && r.param("variant", "1.0/224").equals(variant)
                        && parseIntOr(r.param("batch", "1"), 1) == batch)
                .sorted(Comparator.comparingInt((Result r) -> -parseIntOr(r.jdk, 0))
                        .thenComparingInt(Result::setupOrder))
                .collect(Collectors.toList());
    }

    /**
     * The scalar (C2 default, or -UseSuperWord) result matching {@code r}'s JDK, variant, batch
     * and batch schedule: on one thread whatever {@code r}'s threads (there is no multi-thread
     * scalar run).
     */
    private Result scalarOf(Result r, boolean superWord) {
        return scalarOf(r, superWord, r.oneAtATime());
    }

    /** {@link #scalarOf(Result, boolean)}, but of batch schedule {@code oneAtATime}. */
    private Result scalarOf(Result r, boolean superWord, boolean oneAtATime) {
        for (Result s : results) {
            if (s.benchClass.equals(r.benchClass) && s.method.equals(r.method)
                    && s.jdk.equals(r.jdk)
                    && s.scalar() && s.superWord() == superWord
                    && s.param("variant", "").equals(r.param("variant", ""))
                    && s.param("batch", "").equals(r.param("batch", ""))
                    && s.param("shape", "").equals(r.param("shape", ""))
                    && s.oneAtATime() == oneAtATime) {
                return s;
            }
        }
        return null;
    }

    /**
     * The scalar run a network row's × scalar column compares with: {@link #scalarOf}, else the
     * one of the other batch schedule, which its footnote then names (run.sh's profiles measured
     * the scalar batch-8 run in one {@code runBatch} call alone before session 33).
     */
    private Result scalarToCompare(Result r, boolean superWord) {
        Result s = scalarOf(r, superWord);
        return s != null ? s : scalarOf(r, superWord, !r.oneAtATime());
    }

    /**
     * The footnote of {@code r}'s × scalar factor when {@code scalar} ran the other batch
     * schedule; null when it ran the same one (or there is none).
     */
    static String otherSchedule(Result scalar, Result r) {
        if (scalar == null || scalar.oneAtATime() == r.oneAtATime()) {
            return null;
        }
        return r.oneAtATime()
                ? "× scalar against `" + scalar.setup() + "`, one `runBatch` call per batch: no"
                        + " scalar run went one image at a time, so the factor holds the"
                        + " schedules' difference too"
                : "× scalar against `" + scalar.setup() + "`: no scalar run went in one"
                        + " `runBatch` call per batch, so the factor holds the schedules'"
                        + " difference too";
    }

    private void summary() {
        md.append("## Summary: MobileNetV2 1.0/224, batch 1\n\n");
        List<Result> rs = network("1.0/224", 1);
        if (rs.isEmpty()) {
            md.append(NOT_MEASURED).append("\n\n");
            return;
        }
        // million multiply-adds: 2 * mmacs / ms = GFLOP/s
        double mmacs = networkMacs("1.0/224") / 1e6;
        Result best = rs.stream().filter(r -> !r.scalar())
                .min(Comparator.comparingDouble(Result::medianMs)).orElse(null);
        // like for like with the scalar baseline: one thread, the JVM's default options
        Result single = rs.stream().filter(r -> !r.scalar() && r.threads() == 1 && !r.hugePages()
                        && !r.noLoopSafepoints() && r.maxVectorSize() == 0)
                .min(Comparator.comparingDouble(Result::medianMs)).orElse(null);
        if (best != null) {
            Result sc = scalarOf(best, true);
            boolean likeForLike = best == single;
            double bestPeak = peak(best.jdk, best.bits()) * best.threads();
            md.append(wrap(String.format(Locale.ROOT, "Fastest: **%s on JDK %s, %s ms per image"
                            + " (%s images/s, %s GFLOP/s, %s of peak)**%s.", best.setup(), best.jdk,
                    f2(best.medianMs()), f1(1000 / best.medianMs()),
                    f1(2 * mmacs / best.medianMs()),
                    pct(100 * 2 * mmacs / best.medianMs() / bestPeak),
                    sc == null || !likeForLike ? ""
                            : ", " + f1(sc.medianMs() / best.medianMs())
                                    + "× the scalar baseline"))).append("\n\n");
        }
        Result sc1 = single == null ? null : scalarOf(single, true);
        if (single != null && sc1 != null && single != best) {
            md.append(wrap(String.format(Locale.ROOT, "Like for like with the scalar baseline (one"
                            + " thread each, the JVM's default options): %s on JDK %s, %s ms, **%s×"
                            + " the scalar baseline** (`%s`, %s ms).", single.setup(), single.jdk,
                    f2(single.medianMs()), f1(sc1.medianMs() / single.medianMs()), sc1.setup(),
                    f2(sc1.medianMs())))).append("\n\n");
        }
        networkTable(rs, networkMacs("1.0/224"), 1);
        String paired = pairedWholeRatio();
        if (paired != null) {
            md.append("\nEach row is its own fork, minutes from the others, and meets the host in"
                    + " whatever state it is in then"
                    + (hostChecked() ? " (see the host checks under Machine)" : "") + ", so rows"
                    + " compare loosely. Fused against layer by layer in one JVM, in turn"
                    + " (PairedSteps, below): layer by layer takes **").append(paired)
                    .append("×** the fused time.\n");
        }
        String chart = charts.networkSummary(rs, networkMacs("1.0/224"));
        if (chart != null) {
            md.append("\n![latency per backend and width](").append(chart).append(")\n");
        }
        md.append('\n');
    }

    /**
     * Whether machine.properties holds a host check's reading, which the summary may point to:
     * run.sh records none before session 8, and "not run" or "failed" when there was none.
     */
    private boolean hostChecked() {
        return Stream.of("host.check.start", "host.check.end").map(machine::getProperty)
                .anyMatch(v -> v != null && !v.equals("not run") && !v.equals("failed"));
    }

    private void networkTable(List<Result> rs, long macs, int batch) {
        md.append("| JDK | setup | median ms").append(batch > 1 ? " / batch | ms / image" : "")
                .append(" | iterations ms | fork medians ms | images/s | GFLOP/s | % of peak"
                        + " | × scalar | × scalar -SuperWord | samples |\n");
        md.append("|---|---|---:|").append(batch > 1 ? "---:|" : "")
                .append("---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Set<Integer> used = new TreeSet<>();
        boolean threaded = false;
        for (Result r : rs) {
            double perImage = r.medianMs() / batch;
            double gflops = 2.0 * macs / 1e6 / perImage;
            Result s1 = scalarToCompare(r, true), s2 = scalarToCompare(r, false);
            threaded |= r.threads() > 1 && (s1 != null || s2 != null);
            md.append("| ").append(r.jdk).append(" | ").append(r.setup()).append(marker(r, used))
                    .append(" | ").append(f2(r.medianMs()));
            if (batch > 1) {
                md.append(" | ").append(f2(perImage));
            }
            md.append(" | ").append(iterationRange(r, false))
                    .append(" | ").append(r.forkMedians.size() > 1 ? forkMedians(r) : "—")
                    .append(" | ").append(f1(1000 / perImage))
                    .append(" | ").append(f1(gflops))
                    .append(" | ").append(pct(100 * gflops / (peak(r.jdk, r.bits()) * r.threads())))
                    .append(" | ").append(scalarFactor(s1, r))
                    .append(footnote(otherSchedule(s1, r), used))
                    .append(" | ").append(scalarFactor(s2, r))
                    .append(footnote(otherSchedule(s2, r), used))
                    .append(" | ").append(r.n).append(" |\n");
        }
        if (threaded || !used.isEmpty()) {
            md.append('\n');
        }
        if (threaded) {
            md.append("(×): a row on several threads against the one-thread scalar run: threads"
                    + " and SIMD together,\nnot a SIMD speed-up.\n\n");
        }
        footnoteLines(used);
        if (threaded || !used.isEmpty()) {
            md.setLength(md.length() - 1); // the caller ends the table's paragraph
        }
    }

    /**
     * The scalar run's time over {@code r}'s, in parentheses when {@code r} ran on several
     * threads (the scalar run has one); a dash without a scalar run or on the scalar row.
     */
    static String scalarFactor(Result scalar, Result r) {
        if (scalar == null || scalar == r) {
            return "—";
        }
        String f = f1(scalar.medianMs() / r.medianMs()) + "×";
        return r.threads() > 1 ? "(" + f + ")" : f;
    }

    private void machineSection() {
        md.append("## Machine\n\n");
        if (machine.isEmpty()) {
            md.append("_No machine.properties in the data: context not recorded._\n\n");
        } else {
            md.append("| | |\n|---|---|\n");
            row("CPU", machine.getProperty("cpu.model"));
            row("cores", machine.getProperty("cpu.cores") + " physical per socket, "
                    + machine.getProperty("cpu.logical") + " logical");
            row("clock (at start)", machine.getProperty("cpu.mhz") + " MHz");
            row("L2 (cpuinfo)", machine.getProperty("cache.l2"));
            row("memory", machine.getProperty("memory"));
            row("SIMD flags", simdFlags(machine.getProperty("cpu.flags", "")));
            row("OS kernel", machine.getProperty("kernel"));
            row("pinned to CPU", machine.getProperty("pinned.cpu"));
            row("load average at start / end", machine.getProperty("load.start") + " / "
                    + machine.getProperty("load.end", "?"));
            if (machine.containsKey("host.check.start")) { // HostCheck, from session 8 on
                row("host check at start / end", machine.getProperty("host.check.start") + " / "
                        + machine.getProperty("host.check.end", "?"));
            }
            row("date", machine.getProperty("date"));
            row("duration", machine.containsKey("elapsed.seconds")
                    ? f1(Double.parseDouble(machine.getProperty("elapsed.seconds")) / 60) + " min"
                    : null);
            for (String k : new TreeSet<>(machine.stringPropertyNames())) {
                if (k.startsWith("remeasured.")) { // runs replaced later with BENCH_KEEP=1
                    row("re-measured", machine.getProperty(k));
                }
            }
            jdkRows();
            for (String k : JMH_OPTION_KEYS) {
                row("JMH " + k.substring(4), machine.getProperty(k) == null ? null
                        : "`" + machine.getProperty(k) + "`");
            }
            otherOptionRows();
            md.append('\n');
            md.append("<details><summary>all CPU flags</summary>\n\n")
                    .append(machine.getProperty("cpu.flags", ""))
                    .append("\n\n</details>\n\n");
        }
        md.append("### Single-core FMA peak (FmaPeakBench)\n\n");
        List<Result> ps = results.stream().filter(r -> r.benchClass.equals(PEAK))
                .collect(Collectors.toList());
        if (ps.isEmpty()) {
            md.append(NOT_MEASURED).append(" Percentages of peak are left blank.\n\n");
            return;
        }
        md.append("12 independent `FloatVector.fma` chains in registers, one core; the score is"
                + " GFLOP/s.\nThe clock column is the one at which two vector FMAs per cycle (two"
                + " FMA pipes, 2 FLOP\nper lane) give the median; the clock recorded above is the"
                + " VM's nominal one, which a\nboosting core exceeds.\n\n");
        md.append("| JDK | width | median GFLOP/s | iterations GFLOP/s | clock at 2 FMAs per"
                + " cycle, GHz | samples |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        ps.sort(Comparator.comparingInt((Result r) -> -parseIntOr(r.jdk, 0))
                .thenComparingInt(r -> -peakBits(r)));
        Set<Integer> used = new TreeSet<>();
        for (Result r : ps) {
            md.append("| ").append(r.jdk).append(marker(r, used)).append(" | ").append(peakBits(r))
                    .append("-bit | ").append(f1(r.median))
                    .append(" | ").append(iterationRange(r, true))
                    .append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", r.median / (4.0 * peakBits(r) / 32)))
                    .append(" | ").append(r.n).append(" |\n");
        }
        md.append('\n');
        footnoteLines(used);
        md.append(PEAK_FALLBACK_NOTE);
    }

    /**
     * A row per JDK: as {@code run.sh} recorded it, with its flags, or, for a JDK with results
     * but none recorded (the quick profile recorded JDK 25 alone, though it measures JDK 17
     * too), as the JMH results name it.
     */
    private void jdkRows() {
        Map<Integer, Result> measured = new TreeMap<>();
        results.forEach(r -> measured.putIfAbsent(parseIntOr(r.jdk, 0), r));
        Set<Integer> jdks = new TreeSet<>(measured.keySet());
        for (String k : machine.stringPropertyNames()) {
            if (k.matches("jdk\\d+\\.version")) {
                jdks.add(Integer.parseInt(k.replaceAll("\\D", "")));
            }
        }
        for (int j : jdks) {
            String recorded = machine.getProperty("jdk" + j + ".version");
            Result r = measured.get(j);
            row("JDK " + j, recorded != null
                    ? recorded + " — " + machine.getProperty("jdk" + j + ".flags", "")
                    : r.vmName + " " + r.vmVersion + " (from the JMH results; flags not recorded)");
        }
    }

    /**
     * A row per result file whose runs took other JMH options than the ones recorded for their
     * kind above: runs re-measured later ({@code BENCH_KEEP=1}) with another profile, or
     * added by hand.
     */
    private void otherOptionRows() {
        Map<String, Result> byFile = new TreeMap<>();
        results.forEach(r -> byFile.putIfAbsent(r.file, r));
        byFile.forEach((file, r) -> {
            String options = machine.getProperty(optionsKey(r));
            String profile = options == null ? null : jmhSettings(options);
            if (profile != null && !profile.equals(r.jmhSettings())) {
                row("measured otherwise", "`" + file + "`: " + r.jmhSettings()
                        + " (recorded above: " + profile + ")");
            }
        });
    }

    /** The key of the JMH options {@code run.sh} records for the runs of {@code r}'s kind. */
    private static String optionsKey(Result r) {
        switch (r.benchClass) {
            case PEAK:
                return "jmh.peak";
            case BLOCK:
                return "jmh.blocks";
            case ALLOCATION:
                return "jmh.allocation";
            case NETWORK:
                return parseIntOr(r.param("batch", "1"), 1) > 1 ? "jmh.network.batch8"
                        : "jmh.network";
            default:
                return "jmh.kernels";
        }
    }

    /**
     * Forks, warm-up and measurement of JMH options such as {@code -f 1 -wi 3 -w 1s -i 5 -r 1s}
     * as {@link Result#jmhSettings()} writes them; null without all five.
     */
    static String jmhSettings(String options) {
        Map<String, String> o = new HashMap<>();
        String[] t = options.trim().split("\\s+");
        for (int i = 0; i + 1 < t.length; i++) {
            if (t[i].matches("-(f|wi|w|i|r)")) {
                o.put(t[i], t[i + 1]); // the last one counts, as for JMH
            }
        }
        return o.size() < 5 ? null : Result.jmhSettings(o.get("-f"),
                o.get("-wi") + " x " + o.get("-w"), o.get("-i") + " x " + o.get("-r"));
    }

    private static String simdFlags(String flags) {
        List<String> keep = new ArrayList<>();
        for (String f : flags.split("\\s+")) {
            if (f.matches("sse4_2|avx|avx2|fma|f16c|avx512.*|avx_vnni|amx.*|asimd|sve.*")) {
                keep.add(f);
            }
        }
        return String.join(" ", keep);
    }

    private void row(String k, String v) {
        if (v != null && !v.equals("null")) {
            md.append("| ").append(k).append(" | ").append(v).append(" |\n");
        }
    }

    private void networkSection() {
        md.append("## Whole network\n\n");
        List<Result> all = results.stream().filter(r -> r.benchClass.equals(NETWORK))
                .collect(Collectors.toList());
        if (all.isEmpty()) {
            md.append(NOT_MEASURED).append("\n\n");
            return;
        }
        Set<String> variants = new TreeSet<>(Comparator.comparingLong(this::networkMacs));
        all.forEach(r -> variants.add(r.param("variant", "1.0/224")));
        md.append("### Every variant, batch 1\n\n");
        for (String v : variants) {
            List<Result> rs = network(v, 1).stream().filter(r -> r.maxVectorSize() == 0)
                    .collect(Collectors.toList());
            if (rs.isEmpty()) {
                continue;
            }
            md.append("**MobileNetV2 ").append(v).append("** (").append(f1(networkMacs(v) / 1e6))
                    .append(" M MACs)\n\n");
            networkTable(rs, networkMacs(v), 1);
            md.append('\n');
        }
        String chart = charts.latencyVsMacs(all.stream()
                .filter(r -> parseIntOr(r.param("batch", "1"), 1) == 1)
                .collect(Collectors.toList()), this::networkMacs);
        if (chart != null) {
            md.append("![latency against multiply-adds](").append(chart).append(")\n\n");
        }
        regression(all);

        md.append("### Batch 8 (MobileNetV2 1.0/224)\n\n");
        List<Result> b8 = network("1.0/224", 8);
        if (b8.isEmpty()) {
            md.append(NOT_MEASURED).append("\n\n");
        } else {
            int split = ExecutionPlan.build(ModelConfig.standard()).batchSplitStep();
            md.append("Eight images per call of `Session.runBatch`: steps 0-" + (split - 1)
                    + " image by image, then "
                    + "each later step for all eight before the next, so that its weights come "
                    + "from memory once per batch (`ExecutionPlan.batchSplitStep`). \"One image at "
                    + "a time\": eight calls of `Session.run`. The forks ran one after the other"
                    + (bothSchedules(b8) && adhocHasBatchSchedules()
                            ? "; `adhoc/README.md` has the two schedules in alternating forks"
                            : "")
                    + ".\n\n");
            networkTable(b8, networkMacs("1.0/224"), 8);
            md.append('\n');
        }

        md.append("### Vector size capped by the JVM (`-XX:MaxVectorSize`, preferred species)\n\n");
        // the widths alone: one thread, no other JVM option (those rows are in the tables above)
        List<Result> mv = network("1.0/224", 1).stream().filter(r -> (r.maxVectorSize() > 0
                || (!r.scalar() && r.bits() > 0)) && r.threads() == 1 && !r.hugePages()
                && !r.noLoopSafepoints()).collect(Collectors.toList());
        if (mv.stream().noneMatch(r -> r.maxVectorSize() > 0)) {
            md.append(NOT_MEASURED).append("\n\n");
        } else {
            md.append("Same network with the vector width fixed by the kernels' property "
                    + "(`N-bit`) or capped by the JVM (`MaxVectorSize`, bytes: 16 = 128 bits, "
                    + "32 = 256 bits).\n\n");
            networkTable(mv, networkMacs("1.0/224"), 1);
            md.append('\n');
        }
    }

    /** Whether {@code b8} has rows of both batch schedules, grouped and one image at a time. */
    private static boolean bothSchedules(List<Result> b8) {
        return b8.stream().anyMatch(Result::oneAtATime)
                && b8.stream().anyMatch(r -> !r.oneAtATime());
    }

    /**
     * Whether the report directory's hand-written {@code adhoc/README.md} has alternating forks
     * of the two batch schedules ({@code run.sh alternate} with a {@code -batch8-sequential}
     * setup): run.sh never writes it, and a report elsewhere (BENCH_REPORTS_DIR) has none.
     */
    private boolean adhocHasBatchSchedules() {
        Path adhoc = reportDir.resolve("adhoc").resolve("README.md");
        try {
            return Files.isRegularFile(adhoc) && Files.readString(adhoc, StandardCharsets.UTF_8)
                    .contains("batch8-sequential");
        } catch (IOException e) {
            return false;
        }
    }

    /** Bytes allocated per inference in steady state (AllocationBench with JMH's GC profiler). */
    private void allocationSection() {
        md.append("## Allocation per inference (MobileNetV2 1.0/224)\n\n");
        List<Result> rs = results.stream().filter(r -> r.benchClass.equals(ALLOCATION))
                .sorted(Comparator.comparingInt((Result r) -> -parseIntOr(r.jdk, 0))
                        .thenComparingInt(Result::setupOrder))
                .collect(Collectors.toList());
        if (rs.isEmpty()) {
            md.append(NOT_MEASURED).append("\n\n");
            return;
        }
        md.append("`AllocationBench` with JMH's GC profiler (`-prof gc`), after ")
                .append(rs.get(0).warmup).append(" of warm-up: bytes allocated per inference "
                        + "by every thread of the fork, JMH's own included (its bookkeeping, a few "
                        + "KB per iteration, shows as tens of bytes per inference), and "
                        + "collections "
                        + "during the measurement. `SteadyStateAllocationTest` (a unit test, not "
                        + "this run) reads the inference threads alone and asserts that they "
                        + "allocate nothing once compiled.\n\n");
        md.append("| JDK | setup | B / inference | GCs |\n|---|---|---:|---:|\n");
        Set<Integer> used = new TreeSet<>();
        for (Result r : rs) {
            String bytes = Double.isNaN(r.allocBytesPerOp) ? "— (no -prof gc)"
                    : f1(r.allocBytesPerOp);
            String gcs = Double.isNaN(r.gcCount) ? "—" : f1(r.gcCount);
            md.append("| ").append(r.jdk).append(" | ").append(r.setup()).append(marker(r, used))
                    .append(" | ").append(bytes).append(" | ").append(gcs).append(" |\n");
        }
        md.append('\n');
        footnoteLines(used);
    }

    /** Least-squares fit of median time against MACs across the variants, per JDK and setup. */
    private void regression(List<Result> all) {
        md.append("### Time against multiply-adds (least squares over the variants)\n\n");
        Map<String, SimpleRegression> fits = new LinkedHashMap<>();
        Map<String, Integer> order = new HashMap<>();
        all.stream()
                .filter(r -> parseIntOr(r.param("batch", "1"), 1) == 1 && r.maxVectorSize() == 0)
                .sorted(Comparator.comparingInt((Result r) -> -parseIntOr(r.jdk, 0))
                        .thenComparingInt(Result::setupOrder))
                .forEach(r -> {
                    String key = r.jdk + "|" + r.setup();
                    fits.computeIfAbsent(key, k -> new SimpleRegression())
                            .addData(networkMacs(r.param("variant", "1.0/224")) / 1e6,
                                    r.medianMs());
                    order.putIfAbsent(key, order.size());
                });
        fits.values().removeIf(f -> f.getN() < 3);
        if (fits.isEmpty()) {
            md.append("_Needs at least three variants per setup: not measured in this run._\n\n");
            return;
        }
        md.append("ms = intercept + slope × M MACs. The slope gives the marginal rate "
                + "(2 / slope GFLOP/s); the intercept the fixed cost per image; R² how well MACs "
                + "alone explain the time across width multipliers and resolutions.\n\n");
        md.append("| JDK | setup | variants | intercept ms | slope ms / M MACs | marginal GFLOP/s"
                + " | R² |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|\n");
        fits.forEach((k, f) -> {
            String[] p = k.split("\\|");
            md.append("| ").append(p[0]).append(" | ").append(p[1]).append(" | ").append(f.getN())
                    .append(" | ").append(f2(f.getIntercept())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.5f", f.getSlope())).append(" | ")
                    .append(f1(2 / f.getSlope())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.4f", f.getRSquare())).append(" |\n");
        });
        md.append('\n');
    }

    private void kernelSection() {
        md.append("## Kernels, per MobileNetV2 1.0/224 layer shape\n\n");
        Set<String> classes = new LinkedHashSet<>();
        for (String c
                : new String[] {"StemBench", "PointwiseBench", "DepthwiseBench", "HeadBench"}) {
            classes.add(c);
        }
        results.stream().map(r -> r.benchClass)
                .filter(c -> !c.equals(NETWORK) && !c.equals(BLOCK) && !c.equals(PEAK)
                        && !c.equals(ALLOCATION))
                .sorted().forEach(classes::add);
        md.append(wrap("Each cell: median µs per layer (GFLOP/s, % of peak at that width). "
                + "× scalar: the best vector setup against the scalar kernel as C2 compiles it by"
                + " default. Each setup is its own fork: a few percent between cells is not"
                + " resolved.")).append("\n\n");
        for (String cls : classes) {
            md.append("### ").append(cls).append("\n\n");
            List<Result> rs = results.stream().filter(r -> r.benchClass.equals(cls))
                    .collect(Collectors.toList());
            if (rs.isEmpty()) {
                md.append(NOT_MEASURED).append("\n\n");
                continue;
            }
            for (String jdk : jdks(r -> r.benchClass.equals(cls))) {
                List<Result> js = rs.stream().filter(r -> r.jdk.equals(jdk))
                        .collect(Collectors.toList());
                kernelTable(cls, jdk, js);
            }
            if (cls.equals("HeadBench")
                    && rs.stream().anyMatch(r -> r.method.contains("Classifier"))) {
                md.append("`poolAndClassifier`: M MACs and GFLOP/s count the classifier's"
                        + " multiply-adds alone (1280 × 1001),\nwhile its time includes the"
                        + " 7x7x1280 average pool before it (the `poolOnly` row's time).\n\n");
            }
            String jdk = jdks(r -> r.benchClass.equals(cls)).get(0);
            String chart = charts.kernelGflops(cls, jdk,
                    rs.stream().filter(r -> r.jdk.equals(jdk)).collect(Collectors.toList()), this);
            if (chart != null) {
                md.append("![").append(cls).append(" GFLOP/s](").append(chart).append(")\n\n");
            }
        }
    }

    private void kernelTable(String cls, String jdk, List<Result> rs) {
        List<String> rows = new ArrayList<>();
        Map<String, Integer> setupOrder = new HashMap<>();
        Map<String, Map<String, Result>> cell = new HashMap<>();
        for (Result r : rs) {
            String k = rowKey(r);
            if (!rows.contains(k)) {
                rows.add(k);
            }
            setupOrder.put(r.setup(), r.setupOrder());
            cell.computeIfAbsent(k, x -> new HashMap<>()).put(r.setup(), r);
        }
        List<String> setups = new ArrayList<>(setupOrder.keySet());
        setups.sort(Comparator.comparingInt(setupOrder::get));
        Set<Integer> used = new TreeSet<>();
        md.append("JDK ").append(jdk).append("\n\n| layer | M MACs |");
        setups.forEach(s -> md.append(' ').append(s).append(" |"));
        md.append(" × scalar |\n|---|---:|");
        setups.forEach(s -> md.append("---:|"));
        md.append("---:|\n");
        for (String row : rows) {
            Map<String, Result> c = cell.get(row);
            Result any = c.values().iterator().next();
            long macs = kernelMacs(any);
            md.append("| ").append(row).append(" | ").append(macs == 0 ? "—" : f2(macs / 1e6))
                    .append(" |");
            double bestVec = Double.NaN;
            for (String s : setups) {
                Result r = c.get(s);
                if (r == null) {
                    md.append(" |");
                    continue;
                }
                double us = r.medianMs() * 1e3;
                md.append(' ').append(us >= 100 ? f1(us) : f2(us)).append(marker(r, used));
                if (macs > 0) {
                    double gf = 2.0 * macs / us / 1e3;
                    md.append(" (").append(f1(gf)).append(", ")
                            .append(pct(100 * gf / peak(jdk, r.bits()))).append(')');
                }
                md.append(" |");
                if (!r.scalar() && !(us >= bestVec)) {
                    bestVec = us;
                }
            }
            Result sc = c.values().stream().filter(r -> r.scalar() && r.superWord()).findFirst()
                    .orElse(null);
            md.append(' ').append(sc == null || Double.isNaN(bestVec) ? "—"
                            : f1(sc.medianMs() * 1e3 / bestVec) + "×")
                    .append(" |\n");
        }
        md.append('\n');
        footnoteLines(used);
    }

    private void blockSection() {
        md.append("## Blocks: fused vs layer-by-layer (BlockBench, MobileNetV2 1.0/224)\n\n");
        List<Result> rs = results.stream().filter(r -> r.benchClass.equals(BLOCK))
                .collect(Collectors.toList());
        if (rs.isEmpty()) {
            md.append(NOT_MEASURED).append("\n\n");
            pairedStepsSection();
            return;
        }
        List<Step> steps = standardSteps();
        md.append("One plan step on the vector kernels, µs (GFLOP/s). Fused streams expand → "
                + "depthwise → project band by band; layer-by-layer materialises the expanded "
                + "tensors.");
        // results with the `mode` parameter (before session 8) ran every fused fork first
        md.append(rs.stream().allMatch(r -> r.params.containsKey("strategy"))
                ? " Each step's two forks ran back to back" + blockOrder(rs) + ".\n\n"
                : " In these results all fused forks ran first, then all layer-by-layer forks,"
                        + " minutes apart: a change in host load between them shows as a"
                        + " difference.\n\n");
        md.append(wrap("Each step runs alone, over and over, in its own fork: its weights and input"
                + " stay hot in cache, which an inference does not give them. So its times are best"
                + " cases, and × fused the ratio of two best cases, not the ratio in network"
                + " order;"
                + " for that (each step inside whole inferences, both modes in one JVM, in turn)"
                + " see PairedSteps below.")).append("\n\n");
        String chartJdk = null;
        int chartBits = -1;
        for (String jdk : jdks(r -> r.benchClass.equals(BLOCK))) {
            List<Integer> widths = rs.stream().filter(r -> r.jdk.equals(jdk)).map(Result::bits)
                    .distinct()
                    .sorted(Comparator.reverseOrder()).collect(Collectors.toList());
            for (int bits : widths) {
                if (chartJdk == null) {
                    chartJdk = jdk;
                    chartBits = bits;
                }
                md.append("JDK ").append(jdk).append(", ")
                        .append(bits == 0 ? "preferred width" : bits + "-bit")
                        .append("\n\n| step | name | input → output | M MACs | fused µs"
                                + " | layer-by-layer µs | × fused |\n")
                        .append("|---:|---|---|---:|---:|---:|---:|\n");
                double sumF = 0, sumL = 0;
                Set<Integer> used = new TreeSet<>();
                for (BlockRow row : blockRows(rs, jdk, bits, steps)) {
                    if (Double.isNaN(row.fusedMs) && Double.isNaN(row.layerwiseMs)) {
                        continue;
                    }
                    boolean both = !Double.isNaN(row.fusedMs) && !Double.isNaN(row.layerwiseMs);
                    md.append("| ").append(row.indices).append(" | ").append(row.name).append(" | ")
                            .append(row.shapes).append(" | ").append(f2(row.macs / 1e6))
                            .append(" | ")
                            .append(blockCell(row.fusedMs, row.macs))
                            .append(markers(row.fused, used)).append(" | ")
                            .append(blockCell(row.layerwiseMs, row.macs))
                            .append(markers(row.layerwise, used)).append(" | ")
                            .append(both ? f2(row.layerwiseMs / row.fusedMs) + "×" : "—")
                            .append(" |\n");
                    if (both) {
                        sumF += row.fusedMs;
                        sumL += row.layerwiseMs;
                    }
                }
                if (sumF > 0) {
                    md.append("| | **sum of steps measured both ways** | | | **")
                            .append(f1(sumF * 1e3)).append("** | **").append(f1(sumL * 1e3))
                            .append("** | **").append(f2(sumL / sumF)).append("×** |\n");
                }
                md.append('\n');
                footnoteLines(used);
            }
        }
        if (chartJdk != null) {
            String chart = charts.blocks(blockRows(rs, chartJdk, chartBits, steps),
                    "JDK " + chartJdk + ", " + (chartBits == 0 ? "preferred" : chartBits + "-bit"));
            if (chart != null) {
                md.append("![fused vs layer-by-layer per block](").append(chart).append(")\n\n");
            }
        }
        if (steps.stream().anyMatch(Step::fusedIntoNext)) {
            md.append("The fused plan computes the stem's rows inside block 1, and block 1's"
                    + " inside block 2 (neither output is ever stored), so the three share a row:"
                    + " fused, the stem's and block 1's own steps do nothing.\n\n");
        }
        pairedStepsSection();
    }

    /**
     * The layer-by-layer ÷ fused ratio of {@code PairedSteps}' whole inferences (its last line),
     * or null if the profile did not run it.
     */
    private String pairedWholeRatio() {
        if (pairedSteps == null) {
            return null;
        }
        Matcher m = Pattern.compile("Whole inferences.*ratio (\\d+\\.\\d+)").matcher(pairedSteps);
        return m.find() ? m.group(1) : null;
    }

    /**
     * {@code PairedSteps}' table: both modes in one JVM, taking turns, so that a change of the
     * host's state between forks (which moves the JMH forks above by 10-30% here) hits both.
     */
    private void pairedStepsSection() {
        md.append("### Both modes in one JVM, in turn (PairedSteps")
                .append(pairedSteps == null ? "" : ", JDK " + pairedStepsJdk)
                .append(", preferred width)\n\n");
        if (pairedSteps == null) {
            md.append(NOT_MEASURED).append("\n\n");
            return;
        }
        md.append("Each step timed inside whole inferences (network order: its weights and"
                + " input as cold as in real use) and, in the same round, run twice more with the"
                + " second run timed (hot), fused and layer by layer on one set of packed"
                + " weights, the two modes taking turns, each timed inference following an"
                + " untimed one of its own mode."
                + " The forks above meet the host in whatever state it is in when each runs;"
                + " here both modes meet the same one, so this is the steadier comparison."
                + " L ÷ F is the layer-by-layer time over the fused time.\n\n");
        md.append(pairedSteps).append("\n\n");
    }

    /**
     * One row of the block table: a plan step, or steps fused into the next one together with
     * it (times summed over all of them).
     */
    record BlockRow(String indices, String name, String shapes, long macs, double fusedMs,
                    double layerwiseMs, List<Result> fused, List<Result> layerwise) {}

    /** The footnote markers of {@code rs} (the results summed into one cell), each once. */
    private String markers(List<Result> rs, Set<Integer> used) {
        Set<String> seen = new LinkedHashSet<>();
        for (Result r : rs) {
            String m = marker(r, used);
            if (!m.isEmpty()) {
                seen.add(m);
            }
        }
        return String.join("", seen);
    }

    /** {@code "stem + block1 + block2"}: the names of steps {@code first..last}. */
    private static String names(List<Step> steps, Step first, Step last) {
        StringBuilder sb = new StringBuilder(first.name());
        for (int j = first.index() + 1; j <= last.index(); j++) {
            sb.append(" + ").append(steps.get(j).name());
        }
        return sb.toString();
    }

    /** The table's rows, from the fused plan's steps; NaN where a member step was not measured. */
    private static List<BlockRow> blockRows(List<Result> rs, String jdk, int bits,
                                            List<Step> steps) {
        List<BlockRow> rows = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step first = steps.get(i);
            Step last = first;
            while (last.fusedIntoNext() && i + 1 < steps.size()) {
                last = steps.get(++i);
            }
            double fused = 0, layerwise = 0;
            long macs = 0;
            List<Result> fs = new ArrayList<>(), ls = new ArrayList<>();
            for (int j = first.index(); j <= last.index(); j++) {
                Result f = block(rs, jdk, bits, j, "FUSED");
                Result l = block(rs, jdk, bits, j, "LAYERWISE");
                if (f != null) {
                    fs.add(f);
                }
                if (l != null) {
                    ls.add(l);
                }
                fused += f == null ? Double.NaN : f.medianMs();
                layerwise += l == null ? Double.NaN : l.medianMs();
                macs += steps.get(j).macs();
            }
            rows.add(new BlockRow(first == last ? Integer.toString(first.index())
                    : first.index() + "–" + last.index(),
                    names(steps, first, last),
                    first.inHeight() + "x" + first.inWidth() + "x" + first.inChannels() + " → "
                            + last.outHeight() + "x" + last.outWidth() + "x" + last.outChannels(),
                    macs, fused, layerwise, fs, ls));
        }
        return rows;
    }

    /**
     * Which of each step's two forks ran first, from the order of the results (JMH writes them
     * in the order it ran them, each step's pair in one file): {@code bench/run.sh} has fused go
     * first on half the steps, so that a host drifting during the run favours neither mode.
     */
    static String blockOrder(List<Result> rs) {
        Map<String, String> first = new LinkedHashMap<>(); // jdk, bits, step -> strategy
        for (Result r : rs) {
            first.putIfAbsent(r.jdk + "/" + r.bits() + "/" + r.param("step", ""),
                    r.param("strategy", ""));
        }
        long fused = first.values().stream().filter("FUSED"::equals).count();
        long layerwise = first.size() - fused;
        if (layerwise == 0) {
            return ", fused first";
        }
        if (fused == 0) {
            return ", layer by layer first";
        }
        return ", fused first in " + fused + " of the " + first.size()
                + " pairs and layer by layer first in the others";
    }

    private static Result block(List<Result> rs, String jdk, int bits, int step, String strategy) {
        for (Result r : rs) {
            if (r.jdk.equals(jdk) && r.bits() == bits
                    && r.param("step", "").equals(Integer.toString(step))
                    && r.blockStrategy().equals(strategy)) {
                return r;
            }
        }
        return null;
    }

    private static String blockCell(double ms, long macs) {
        if (Double.isNaN(ms)) {
            return "—";
        }
        double us = ms * 1e3;
        return (us >= 100 ? f1(us) : f2(us))
                + (macs > 0 ? " (" + f1(2.0 * macs / us / 1e3) + ")" : "");
    }

    private void methodSection() {
        md.append("## How these figures were made\n\n");
        md.append("- `bench/run.sh quick|full` runs JMH (one JSON and one log per run under "
                + "`data/jdkNN/`), records the machine in `data/machine.properties`, then runs "
                + "`ReportGenerator` (bench/…/report/).\n");
        md.append("- The scalar baseline runs twice: as C2 compiles it by default (SuperWord "
                + "auto-vectorisation on) and with `-XX:-UseSuperWord` (truly scalar).\n");
        md.append("- Vector width: `-Dmobilenet.vectorBits=128|256|512` in the forked JVM "
                + "(`-jvmArgsAppend`), or the JVM's cap `-XX:MaxVectorSize=16|32` with the "
                + "preferred species.\n");
        md.append(wrap("- Statistics (commons-math3) over the raw JMH samples: per-iteration scores"
                + " (average-time and throughput benchmarks) or every sampled invocation"
                + " (`NetworkBench`, sample-time mode): the median; the min–max of the iterations"
                + " (of each iteration's median in sample-time mode) and, with several forks, each"
                + " fork's median. No confidence interval: a t interval over one fork's correlated"
                + " samples (JMH's ±) claims a precision the next fork does not keep.", 98)
                .replace("\n", "\n  ")).append('\n');
        md.append("- The fit of time against MACs uses `SimpleRegression` over the network "
                + "variants (width multiplier × resolution) measured for one setup.\n");
        md.append("- MACs: network and blocks from the execution plan (`ExecutionPlan.totalMacs`, "
                + "`Step.macs`); kernels from their shape parameter.\n");
        md.append("- Allocation: JMH's GC profiler (`-prof gc`) on `AllocationBench`, its "
                + "`gc.alloc.rate.norm` (bytes per operation) and `gc.count`.\n");
        md.append("- Not JMH: `PairedSteps` (bench/) times each step with `System.nanoTime` around"
                + " it, both modes in one JVM, and prints its table into"
                + " `data/jdk" + pairedStepsJdk + "/PairedSteps.md`; medians over its rounds.\n\n");
        List<String> files = results.stream().map(r -> r.file).distinct().sorted()
                .collect(Collectors.toList());
        md.append("<details><summary>").append(files.size()).append(" result files</summary>\n\n");
        files.forEach(f -> md.append("- `").append(f).append("`\n"));
        md.append("\n</details>\n");
    }

    static String f1(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "—";
    }

    static String f2(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "—";
    }

    static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f%%", v) : "—";
    }
}
