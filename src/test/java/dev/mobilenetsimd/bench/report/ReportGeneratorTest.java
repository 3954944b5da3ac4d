package dev.mobilenetsimd.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated benchmark report ({@code reports/README.md}) from the committed JMH results in
 * {@code reports/data}: that the committed report is what the generator makes of them, and that a
 * run gives the same bytes, charts included, whatever the default locale, and that the text around
 * the tables says what the data holds.
 */
class ReportGeneratorTest {
    private static final Path DATA = Path.of("reports", "data");
    private static final Path COMMITTED = Path.of("reports", "README.md");

    @TempDir
    static Path shared;
    /** The report generated once from the committed data. */
    private static String report;

    @BeforeAll
    static void generate() throws IOException {
        assertTrue(Files.isDirectory(DATA), "run from the project root");
        System.setProperty("java.awt.headless", "true");
        report = Files.readString(generate(shared.resolve("report")), StandardCharsets.UTF_8);
    }

    /**
     * The report of a copy of the committed data in {@code dir/data}, written to {@code dir} (the
     * layout of {@code bench/run.sh}, whose BENCH_REPORTS_DIR can be anywhere).
     */
    private static Path generate(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(DATA)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path to = dir.resolve("data").resolve(DATA.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return generate(dir.resolve("data"), dir);
    }

    private static Path generate(Path data, Path out) throws IOException {
        ReportGenerator g = new ReportGenerator(data, out);
        g.load();
        return g.write();
    }

    /**
     * Whether this JVM could draw the charts (a JDK without fonts cannot, and the report then
     * leaves their links out).
     */
    private static boolean chartsDrawn() {
        return Files.isRegularFile(shared.resolve("report").resolve("charts")
                .resolve("network-summary.png"));
    }

    @Test
    void theCommittedReportIsTheOneItsDataGives() throws IOException {
        assumeTrue(chartsDrawn(), "no charts drawn (fonts?): the report leaves their links out");
        // regenerate with bench/run.sh report when this fails (the generator, the plan's MACs
        // or the data changed without it)
        assertEquals(Files.readString(COMMITTED, StandardCharsets.UTF_8), report,
                "reports/README.md is stale: run bench/run.sh report");
    }

    @Test
    void aRunGivesTheSameBytesInAnyDefaultLocale(@TempDir Path dir) throws IOException {
        assumeTrue(chartsDrawn(), "no charts drawn (fonts?)");
        // the log axis of the latency chart wrote 0,5 for 0.5 with a German default locale
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.ROOT);
            generate(dir.resolve("root"));
            Locale.setDefault(Locale.GERMANY);
            generate(dir.resolve("de"));
        } finally {
            Locale.setDefault(saved);
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir.resolve("root"))) {
            files = s.filter(Files::isRegularFile).map(dir.resolve("root")::relativize).sorted()
                    .collect(Collectors.toList());
        }
        assertTrue(files.stream().filter(f -> f.toString().endsWith(".png")).count() > 3,
                "charts drawn: " + files);
        for (Path f : files) {
            byte[] root = Files.readAllBytes(dir.resolve("root").resolve(f));
            byte[] de = Files.readAllBytes(dir.resolve("de").resolve(f));
            assertTrue(Arrays.equals(root, de), f + " depends on the locale");
        }
    }

    /** The report's line that starts with {@code start}. */
    private static String line(String start) {
        return Arrays.stream(report.split("\n")).filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line " + start + "..."));
    }

    /** A NetworkBench result on {@code threads} threads, as JMH's JSON has it. */
    @SuppressWarnings("unchecked")
    private static Result network(int threads) {
        return new Result("jdk25/x.json", (Map<String, Object>) Json.parse("{\"benchmark\":"
                + "\"dev.mobilenetsimd.bench.NetworkBench.inference\", \"mode\": \"sample\","
                + " \"jdkVersion\": \"25.0.3\", \"params\": {\"threads\": \"" + threads
                + "\"}, \"primaryMetric\": {\"score\": 3.0, \"scoreUnit\": \"ms/op\"}}"));
    }

    @Test
    void oneThreadIsNotClaimedWhereTwoRan() {
        // the data has rows on 2 threads: the header said "NHWC, one thread, random weights"
        // and the summary chart's title "batch 1, one thread" above their bars
        assertTrue(report.contains("| vector-fused 512-bit, 2 threads |"), "2-thread rows");
        String header = line("MobileNetV2, fp32");
        assertFalse(header.matches(".*\\bone thread[,.;].*"), header);
        assertFalse(Charts.summaryTitle(List.of(network(1), network(2))).contains("one thread"));
        assertTrue(Charts.summaryTitle(List.of(network(1))).contains("one thread"));
    }

    @Test
    void theBatchSplitIsThePlans() {
        int split = dev.mobilenetsimd.plan.ExecutionPlan.build(
                dev.mobilenetsimd.ModelConfig.standard()).batchSplitStep();
        assertTrue(line("Eight images per call").contains("steps 0-" + (split - 1) + " image"),
                line("Eight images per call"));
    }

    @Test
    void theDataCanBeOutsideTheReportDirectory(@TempDir Path dir) throws IOException {
        // 'ReportGenerator reports/data /tmp/out' threw "'other' is different type of Path"
        // (Path.relativize of a relative path against an absolute one)
        String text = Files.readString(generate(DATA, dir.toAbsolutePath()),
                StandardCharsets.UTF_8);
        assertTrue(text.contains("JMH results in `" + DATA + "/`"), text.substring(0, 200));
    }

    /** Lines of the report's section {@code ## title}, up to the next one. */
    private static List<String> section(String title) {
        List<String> lines = Arrays.asList(report.split("\n"));
        int start = lines.indexOf("## " + title);
        assertTrue(start >= 0, "no section " + title);
        List<String> out = new ArrayList<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            out.add(lines.get(i));
        }
        return out;
    }

    /**
     * The peak table's clock column is the clock at which two vector FMAs per cycle give the
     * median: GFLOP/s over 4 FLOP per lane and cycle. (It was GFLOP/s over the VM's nominal
     * clock, "103.8 FLOP/cycle" at 512 bits, which no core does.)
     */
    @Test
    void thePeaksClockIsTheOneTwoFmaPipesNeed() {
        List<String> rows = report.lines().filter(l -> l.matches("\\| \\d+ \\| \\d+-bit \\|.*"))
                .toList();
        assertFalse(rows.isEmpty(), report);
        for (String row : rows) {
            String[] c = row.split("\\|");
            int bits = Integer.parseInt(c[2].trim().replace("-bit", ""));
            double gflops = Double.parseDouble(c[3].trim());
            double ghz = Double.parseDouble(c[5].trim());
            assertEquals(gflops / (4.0 * bits / 32), ghz, 0.006, row);
        }
    }

    @Test
    void everyJdkWithResultsIsNamedUnderMachine() {
        // the quick profile measures JDK 17 too, but only JDK 25's version was recorded: the
        // JDK 17 rows of every table had no JDK under Machine
        assertTrue(report.contains("\n| 17 | vector-fused 512-bit |"), "JDK 17 results");
        List<String> machine = section("Machine");
        assertTrue(machine.stream().anyMatch(l -> l.startsWith("| JDK 17 | ")
                && l.contains("17.0.15")), String.join("\n", machine));
        assertTrue(machine.stream().anyMatch(l -> l.startsWith("| JDK 25 | ")
                && l.contains("Temurin-25.0.3")), String.join("\n", machine));
    }

    @Test
    void resultsMeasuredWithOtherJmhOptionsThanTheProfilesAreNamed() {
        // the two JDK 17 threads2 files were re-measured (BENCH_KEEP=1) with the full profile's
        // options, 2 forks of 5 x 2 s, while Machine gave only the quick profile's
        // '-f 1 -wi 10 -w 1s -i 3 -r 1s' for every network run
        List<String> machine = section("Machine");
        String all = String.join("\n", machine);
        assertTrue(all.contains("`-f 1 -wi 10 -w 1s -i 3 -r 1s`"), all);
        List<String> other = machine.stream().filter(l -> l.startsWith("| measured otherwise | "))
                .collect(Collectors.toList());
        // only these two files: the others were measured as recorded
        assertEquals(2, other.size(), all);
        assertTrue(other.get(0).contains("`jdk17/NetworkBench-batch8-threads2-vector-512.json`: "
                + "1 fork, 6 x 2 s warm-up, 5 x 2 s measured"), other.get(0));
        assertTrue(other.get(1).contains("`jdk17/NetworkBench-threads2-vector-512.json`: "
                + "2 forks, 10 x 1 s warm-up, 5 x 2 s measured"), other.get(1));
    }

    /** The report's table rows that start with {@code start}. */
    private static List<String> rows(String start) {
        return report.lines().filter(l -> l.startsWith(start)).collect(Collectors.toList());
    }

    @SuppressWarnings("unchecked")
    private static Result parse(String json) {
        return new Result("jdk25/x.json", (Map<String, Object>) Json.parse(json));
    }

    /**
     * No "mean ± CI": a t interval over one fork's correlated iterations read "3.30 ± 0.00" while
     * the two forks of the JDK 17 2-thread run had medians 10% apart (session 24). The rows give
     * the range of the iterations and, with several forks, each fork's median, from the raw data.
     */
    @Test
    void theSpreadIsTheIterationsAndTheForksNotAConfidenceInterval() {
        assertFalse(report.contains("± CI"), "a confidence interval");
        assertFalse(report.contains("confidence interval of the mean"), "a confidence interval");
        List<String> jdk17 = rows("| 17 | vector-fused 512-bit, 2 threads");
        // the committed data (session 31): fork 1's iteration medians 1.95-1.97, fork 2's
        // 1.98-2.02 (rawDataHistogram)
        assertTrue(jdk17.get(0).contains("| 1.97 | 1.95–2.02 | 1.96 / 1.99 |"), jdk17.get(0));
        assertTrue(rows("| 25 | vector-fused 512-bit, huge pages |").get(0)
                .contains("| 2.96 | 2.95–2.98 | — |"), "one fork: no fork medians");
        String precision = report.substring(report.indexOf("**Precision.**"));
        precision = precision.substring(0, precision.indexOf("\n\n")).replace('\n', ' ');
        assertTrue(precision.contains("up to 1.9% between the fork medians"), precision);
        assertTrue(precision.contains("not resolved by these runs"), precision);
        assertTrue(precision.contains("`bench/run.sh paired`"), precision);
        assertTrue(precision.contains("`bench/run.sh ab`"), precision);
    }

    @Test
    void forkMediansAndIterationRangesComeFromTheRawData() {
        // average time: [fork][iteration] scores
        Result avgt = parse("{\"benchmark\": \"a.B.m\", \"mode\": \"avgt\", \"jdkVersion\":"
                + " \"25\", \"forks\": 2, \"primaryMetric\": {\"score\": 2, \"scoreUnit\":"
                + " \"us/op\", \"rawData\": [[1.0, 3.0, 2.0], [5.0, 4.0]]}}");
        assertEquals(List.of(2.0, 4.5), avgt.forkMedians);
        assertEquals(1.0, avgt.iterationMin());
        assertEquals(5.0, avgt.iterationMax());
        assertEquals(1.25, avgt.forkSpread(), 1e-12);
        // sample time: an iteration's value is the median of its samples
        Result sample = parse("{\"benchmark\": \"a.B.m\", \"mode\": \"sample\","
                + " \"jdkVersion\": \"25\", \"forks\": 1, \"primaryMetric\": {\"score\": 2,"
                + " \"scoreUnit\": \"ms/op\", \"rawDataHistogram\": [[[[1.0, 3], [9.0, 1]],"
                + " [[2.0, 1], [4.0, 1]]]]}}");
        assertEquals(1.0, sample.iterationMin());
        assertEquals(3.0, sample.iterationMax());
        assertEquals(List.of(1.5), sample.forkMedians); // 1 1 1 2 4 9
        assertTrue(Double.isNaN(sample.forkSpread()));
    }

    /**
     * The headline's factor over the scalar baseline was the 2-thread row's, 43.1×: threads and
     * SIMD together. It is the one-thread factor now, and multi-thread rows show theirs in
     * parentheses, against the one-thread scalar run.
     */
    @Test
    void theHeadlineFactorOverScalarIsOneThreads() {
        String summary = String.join(" ", section("Summary: MobileNetV2 1.0/224, batch 1"));
        assertFalse(summary.contains("43.1× the scalar"), summary);
        // the committed data (session 31): 78.12 / 2.81
        assertFalse(summary.contains("45.3× the scalar"), summary);
        assertTrue(summary.contains("**27.8× the scalar baseline** (`scalar fused (C2 default)`,"
                + " 78.12 ms)"), summary);
        String two = rows("| 25 | vector-fused 512-bit, 2 threads |").get(0);
        assertTrue(two.contains("| (45.3×) | (39.6×) |"), two);
        assertTrue(summary.contains("(×): a row on several threads against the one-thread scalar"),
                summary);
        assertEquals("24.0×", ReportGenerator.scalarFactor(timed(72.0), network(1)));
        assertEquals("(24.0×)", ReportGenerator.scalarFactor(timed(72.0), network(2)));
    }

    /** A scalar NetworkBench result of {@code ms}, for the factor's arithmetic. */
    private static Result timed(double ms) {
        return parse("{\"benchmark\": \"dev.mobilenetsimd.bench.NetworkBench.inference\","
                + " \"mode\": \"sample\", \"jdkVersion\": \"25\", \"params\": {\"backend\":"
                + " \"scalar\"}, \"primaryMetric\": {\"score\": " + ms + ", \"scoreUnit\":"
                + " \"ms/op\"}}");
    }

    @Test
    void theScalarNetworkIsNamedAsTheFusedPlan() {
        assertTrue(report.contains("| 25 | scalar fused (C2 default) | 78.12 |"), "network row");
        assertFalse(report.contains("| 25 | scalar (C2 default) |"), "network row");
        // kernels have no plan
        assertTrue(report.contains("| vector 512-bit | vector 256-bit | scalar (C2 default) |"),
                "kernel columns");
        assertTrue(line("MobileNetV2, fp32").startsWith("MobileNetV2"));
        assertTrue(report.contains("on layer-by-layer\nrows it is against the scalar fused run")
                || report.contains("on layer-by-layer rows it is against the scalar fused run"),
                "the header says what × scalar is on layer-by-layer rows");
    }

    /**
     * The JDK 17 2-thread rows were re-measured later (27 minutes in session 24) with other JMH
     * options; only a general line under Machine said so. Their rows carry a footnote with the
     * run's options.
     */
    @Test
    void rowsMeasuredOtherwiseCarryAFootnote() {
        for (String row : rows("| 17 | vector-fused 512-bit, 2 threads")) {
            assertTrue(row.matches("\\| 17 \\| vector-fused 512-bit, 2 threads [¹²] \\|.*"), row);
        }
        String text = report.replace('\n', ' ');
        assertTrue(text.contains("`jdk17/NetworkBench-threads2-vector-512.json`: re-measured"
                + " 2026-12-01 02:24 UTC, 2 forks, 10 x 1 s warm-up, 5 x 2 s measured (the"
                + " profile's runs: 1 fork, 10 x 1 s warm-up, 3 x 1 s measured)"), "footnote");
        assertTrue(text.contains("`jdk17/NetworkBench-batch8-threads2-vector-512.json`:"
                + " re-measured 2026-12-01 02:24 UTC, 1 fork, 6 x 2 s warm-up"), "footnote");
        // the rows measured with the profile are not marked
        assertFalse(report.contains("| 25 | vector-fused 512-bit, 2 threads ¹"), "JDK 25 row");
        assertTrue(rows("| 17 | vector-fused 512-bit |").stream().noneMatch(
                l -> l.contains("¹") || l.contains("²")), "JDK 17 one-thread row");
    }

    @Test
    void aPeakTakenFromAnotherJdkIsNoted(@TempDir Path dir) throws IOException {
        assertFalse(report.contains("No FmaPeakBench result for"), "every JDK has its peaks");
        generate(dir);
        Files.delete(dir.resolve("data").resolve("jdk17").resolve("FmaPeakBench.json"));
        String text = Files.readString(generate(dir.resolve("data"), dir), StandardCharsets.UTF_8)
                .replace('\n', ' ');
        assertTrue(text.contains("No FmaPeakBench result for JDK 17 at 512-bit: their % of peak"
                + " uses the highest peak measured at that width on another JDK."), text);
    }

    @Test
    void theHeadsGflopsAndTheBlocksRatioSayWhatTheyAre() {
        String head = String.join(" ", section("Kernels, per MobileNetV2 1.0/224 layer shape"));
        assertTrue(head.contains("`poolAndClassifier`: M MACs and GFLOP/s count the classifier's"
                + " multiply-adds alone"), head);
        String blocks = String.join(" ", section("Blocks: fused vs layer-by-layer (BlockBench,"
                + " MobileNetV2 1.0/224)"));
        assertTrue(blocks.contains("× fused the ratio of two best cases, not the ratio in network"
                + " order"), blocks);
        assertTrue(blocks.contains("see PairedSteps below"), blocks);
    }
}
