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
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark report generator ({@code bench/.../report}) on two sets of JMH results.
 *
 * <p>Most tests run it on {@link #FIXTURE}, a small synthetic dataset with made-up figures
 * chosen so that each expected figure below follows by hand from the fixture's values: what
 * the report makes of known inputs (medians, ranges, fork medians, × scalar factors, footnotes
 * of runs measured otherwise, the Machine table, the wording around the tables). A new
 * benchmark run leaves them alone.
 *
 * <p>Two run on the committed results in {@code reports/data}, whatever they hold: that the
 * committed {@code reports/README.md} is what the generator makes of them, and that a run gives
 * the same bytes, charts included, whatever the default locale (the committed data has several
 * variants, so it draws the latency chart whose log axis once followed the locale; the fixture
 * has one variant and no such chart).
 */
class ReportGeneratorTest {
    private static final Path DATA = Path.of("reports", "data");
    private static final Path COMMITTED = Path.of("reports", "README.md");
    /**
     * Synthetic results, not measurements. NetworkBench 1.0/224 medians, ms (each iteration one
     * sample): JDK 25 vector-fused 512-bit 3.00 (iterations 2.9, 3.0, 3.1), the same on huge
     * pages 2.90 (2.8-3.0), on 2 threads 2.00, scalar fused (C2 default) 72.00, scalar fused
     * -XX:-UseSuperWord 60.00; JDK 17 512-bit 4.00, on 2 threads in 2 forks 1.9 2.0 2.1 | 2.1 2.2
     * 2.4, scalar fused (C2 default) 90.00 and -XX:-UseSuperWord 60.00 (1.50× apart, over
     * {@link ReportGenerator#SCALAR_SPREAD}; JDK 25's 1.20× is under it), batch 8 on 2 threads
     * 16.00 (the two JDK 17 2-thread files re-measured with other JMH
     * options: remeasured.0 in machine.properties). FmaPeakBench GFLOP/s: JDK 25 256.0 (512-bit),
     * 128.0 (256-bit), JDK 17 240.0 (512-bit). HeadBench poolAndClassifier µs: 20, 40 and 400
     * (vector 512-bit, 256-bit, scalar). BlockBench µs: step 3 fused 100 then layer by layer 125,
     * step 4 (in a second file) layer by layer 60 then fused 50.
     * PairedSteps: ratio 1.100. AllocationBench (JDK 25): 20.0 B and 0 GCs per inference.
     * machine.properties records JDK 25's version only.
     */
    private static final Path FIXTURE = Path.of("src", "test", "resources", "report-fixture",
            "data");

    @TempDir
    static Path shared;
    /** The report generated once from {@link #FIXTURE}. */
    private static String report;

    @BeforeAll
    static void generate() throws IOException {
        assertTrue(Files.isDirectory(DATA), "run from the project root");
        assertTrue(Files.isDirectory(FIXTURE), "run from the project root");
        System.setProperty("java.awt.headless", "true");
        report = Files.readString(generate(FIXTURE, shared.resolve("report")),
                StandardCharsets.UTF_8);
    }

    /**
     * The report of a copy of {@code source} in {@code dir/data}, written to {@code dir} (the
     * layout of {@code bench/run.sh}, whose BENCH_REPORTS_DIR can be anywhere).
     */
    private static Path generate(Path source, Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(source)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path to = dir.resolve("data").resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return generateIn(dir.resolve("data"), dir);
    }

    private static Path generateIn(Path data, Path out) throws IOException {
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
    void theCommittedReportIsTheOneItsDataGives(@TempDir Path dir) throws IOException {
        assumeTrue(chartsDrawn(), "no charts drawn (fonts?): the report leaves their links out");
        // the report points to reports/adhoc/README.md where that has what it points to
        Path adhoc = COMMITTED.resolveSibling("adhoc").resolve("README.md");
        if (Files.isRegularFile(adhoc)) {
            Files.createDirectories(dir.resolve("adhoc"));
            Files.copy(adhoc, dir.resolve("adhoc").resolve("README.md"));
        }
        String committed = Files.readString(generate(DATA, dir), StandardCharsets.UTF_8);
        // regenerate with bench/run.sh report when this fails (the generator, the plan's MACs
        // or the data changed without it)
        assertEquals(Files.readString(COMMITTED, StandardCharsets.UTF_8), committed,
                "reports/README.md is stale: run bench/run.sh report");
    }

    @Test
    void aRunGivesTheSameBytesInAnyDefaultLocale(@TempDir Path dir) throws IOException {
        assumeTrue(chartsDrawn(), "no charts drawn (fonts?)");
        // the log axis of the latency chart wrote 0,5 for 0.5 with a German default locale
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.ROOT);
            generate(DATA, dir.resolve("root"));
            Locale.setDefault(Locale.GERMANY);
            generate(DATA, dir.resolve("de"));
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
        // the fixture has rows on 2 threads: the header said "NHWC, one thread, random weights"
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
        String text = Files.readString(generateIn(FIXTURE, dir.toAbsolutePath()),
                StandardCharsets.UTF_8);
        assertTrue(text.contains("JMH results in `" + FIXTURE + "/`"), text.substring(0, 200));
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
        // medians of 255 256 257, 127 128 129 and 239 240 241 GFLOP/s; 16, 8 and 16 lanes:
        // 256 / (4 x 16) = 4.00, 128 / (4 x 8) = 4.00, 240 / (4 x 16) = 3.75 GHz
        assertEquals(List.of("| 25 | 512-bit | 256.0 | 255.0–257.0 | 4.00 | 3 |",
                "| 25 | 256-bit | 128.0 | 127.0–129.0 | 4.00 | 3 |",
                "| 17 | 512-bit | 240.0 | 239.0–241.0 | 3.75 | 3 |"), rows);
    }

    @Test
    void everyJdkWithResultsIsNamedUnderMachine() {
        // the quick profile measures JDK 17 too, but only JDK 25's version was recorded: the
        // JDK 17 rows of every table had no JDK under Machine. The fixture records JDK 25's
        // alone, so JDK 17's comes from its JMH results (vmName, vmVersion).
        assertTrue(report.contains("\n| 17 | vector-fused 512-bit |"), "JDK 17 results");
        List<String> machine = section("Machine");
        assertTrue(machine.contains("| JDK 17 | OpenJDK 64-Bit Server VM 17.0.1+12 (from the JMH"
                + " results; flags not recorded) |"), String.join("\n", machine));
        assertTrue(machine.contains("| JDK 25 | OpenJDK Runtime Environment (build 25.0.1+8) —"
                + " MaxVectorSize=64 UseAVX=3 |"), String.join("\n", machine));
    }

    @Test
    void resultsMeasuredWithOtherJmhOptionsThanTheProfilesAreNamed() {
        // two JDK 17 threads2 files were re-measured (BENCH_KEEP=1) with the full profile's
        // options while Machine gave only the quick profile's for every network run. In the
        // fixture: recorded '-f 1 -wi 5 -w 1s -i 3 -r 1s' for batch 1 and batch 8, their JSON
        // 2 forks of 3 x 2 s, and 4 x 2 s of warm-up
        List<String> machine = section("Machine");
        String all = String.join("\n", machine);
        assertTrue(all.contains("| JMH network | `-f 1 -wi 5 -w 1s -i 3 -r 1s` |"), all);
        List<String> other = machine.stream().filter(l -> l.startsWith("| measured otherwise | "))
                .collect(Collectors.toList());
        // only these two files, by name: the others (kernels, blocks, peaks and the other
        // network runs, each against its own recorded options) were measured as recorded
        assertEquals(List.of("| measured otherwise |"
                + " `jdk17/NetworkBench-batch8-threads2-vector-512.json`: 1 fork, 4 x 2 s warm-up,"
                + " 3 x 2 s measured (recorded above: 1 fork, 5 x 1 s warm-up, 3 x 1 s measured) |",
                "| measured otherwise | `jdk17/NetworkBench-threads2-vector-512.json`: 2 forks,"
                + " 5 x 1 s warm-up, 3 x 2 s measured (recorded above: 1 fork, 5 x 1 s warm-up,"
                + " 3 x 1 s measured) |"), other);
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
     * the range of the iterations and, with several forks, each fork's median, from the raw data:
     * in the fixture, the JDK 17 2-thread run's forks, as there.
     */
    @Test
    void theSpreadIsTheIterationsAndTheForksNotAConfidenceInterval() {
        assertFalse(report.contains("± CI"), "a confidence interval");
        assertFalse(report.contains("confidence interval of the mean"), "a confidence interval");
        List<String> jdk17 = rows("| 17 | vector-fused 512-bit, 2 threads");
        // forks of one sample each per iteration: 1.9 2.0 2.1 and 2.1 2.2 2.4. Median of the
        // six 2.10, iterations 1.90-2.40, fork medians 2.00 and 2.20, 6 samples
        assertTrue(jdk17.get(0).contains("| 2.10 | 1.90–2.40 | 2.00 / 2.20 |"), jdk17.get(0));
        assertTrue(jdk17.get(0).endsWith("| 6 |"), jdk17.get(0));
        // one fork of 2.8 2.9 3.0
        assertTrue(rows("| 25 | vector-fused 512-bit, huge pages |").get(0)
                .contains("| 2.90 | 2.80–3.00 | — |"), "one fork: no fork medians");
        String precision = report.substring(report.indexOf("**Precision.**"));
        precision = precision.substring(0, precision.indexOf("\n\n")).replace('\n', ' ');
        // the only result with two forks: 2.20 / 2.00 - 1 = 10.0%; its second fork's iterations
        // 2.4 / 2.1 - 1 = 14.3%: it said forks "land further apart than the iterations of one"
        assertTrue(precision.contains("Up to 10.0% between the fork medians of one result here"
                + " (NetworkBench, JDK 17, vector-fused 512-bit, 2 threads: 2.00 / 2.20 ms), whose"
                + " iterations span up to 14.3% within one fork."), precision);
        assertFalse(precision.contains("further apart than the iterations"), precision);
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
        // the fastest row ran on 2 threads (2.00 ms): named, without a factor
        assertTrue(summary.contains("Fastest: **vector-fused 512-bit, 2 threads on JDK 25, 2.00 ms"
                + " per image (500.0 images/s,"), summary);
        // like for like: not the 2-thread factor, 72.00 / 2.00, nor huge pages' 72.00 / 2.90
        // = 24.8 (faster than 3.00 but not the JVM's default options), but 72.00 / 3.00
        assertFalse(summary.contains("36.0× the scalar"), summary);
        assertFalse(summary.contains("24.8× the scalar"), summary);
        assertTrue(summary.contains("vector-fused 512-bit on JDK 25, 3.00 ms, **24.0× the scalar"
                + " baseline** (`scalar fused (C2 default)`, 72.00 ms)"), summary);
        // 72.00 / 2.00 = 36.0, 60.00 / 2.00 = 30.0
        String two = rows("| 25 | vector-fused 512-bit, 2 threads |").get(0);
        assertTrue(two.contains("| (36.0×) | (30.0×) |"), two);
        // 72.00 / 3.00 = 24.0, 60.00 / 3.00 = 20.0
        String one = rows("| 25 | vector-fused 512-bit |").get(0);
        assertTrue(one.contains("| 24.0× | 20.0× |"), one);
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
        // its own factors: — against itself, 60.00 / 72.00 = 0.8 against -SuperWord
        assertTrue(report.contains("| 25 | scalar fused (C2 default) | 72.00 | 71.00–73.00"
                + " | — |"), "network row");
        assertTrue(rows("| 25 | scalar fused (C2 default) |").get(0).contains("| — | 0.8× |"),
                "network row");
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
     * run's options. In the fixture, both files are named in remeasured.0 (2000-01-01 02:00 UTC).
     */
    @Test
    void rowsMeasuredOtherwiseCarryAFootnote() {
        // batch 1 first (the summary's table, again under Whole network), then batch 8
        List<String> marked = rows("| 17 | vector-fused 512-bit, 2 threads");
        assertEquals(3, marked.size(), String.join("\n", marked));
        assertTrue(marked.get(0).startsWith("| 17 | vector-fused 512-bit, 2 threads ¹ | 2.10 |"),
                marked.get(0));
        assertEquals(marked.get(0), marked.get(1));
        // 16.00 ms per batch of 8: 2.00 ms per image; ³, as ² is the JDK 17 scalar row's (its
        // two scalar runs far apart)
        assertTrue(marked.get(2).startsWith("| 17 | vector-fused 512-bit, 2 threads ³ | 16.00 |"
                + " 2.00 |"), marked.get(2));
        String text = report.replace('\n', ' ');
        assertTrue(text.contains("¹ `jdk17/NetworkBench-threads2-vector-512.json`: re-measured"
                + " 2000-01-01 02:00 UTC, 2 forks, 5 x 1 s warm-up, 3 x 2 s measured (the"
                + " profile's runs: 1 fork, 5 x 1 s warm-up, 3 x 1 s measured)."), "footnote");
        assertTrue(text.contains("³ `jdk17/NetworkBench-batch8-threads2-vector-512.json`:"
                + " re-measured 2000-01-01 02:00 UTC, 1 fork, 4 x 2 s warm-up, 3 x 2 s measured"
                + " (the profile's runs: 1 fork, 5 x 1 s warm-up, 3 x 1 s measured)."),
                "footnote");
        // the rows measured with the profile are not marked
        assertFalse(report.contains("| 25 | vector-fused 512-bit, 2 threads ¹"), "JDK 25 row");
        assertTrue(rows("| 17 | vector-fused 512-bit |").stream().noneMatch(
                l -> l.contains("¹") || l.contains("²")), "JDK 17 one-thread row");
    }

    @Test
    void aPeakTakenFromAnotherJdkIsNoted(@TempDir Path dir) throws IOException {
        assertFalse(report.contains("No FmaPeakBench result for"), "every JDK has its peaks");
        // JDK 17's 4.00 ms one-thread row: 300.8 M MACs x 2 / 4.00 ms = 150.4 GFLOP/s, 63% of
        // its own 240.0 peak
        assertTrue(rows("| 17 | vector-fused 512-bit |").get(0).contains("| 150.4 | 63% |"),
                "JDK 17's own peak");
        generate(FIXTURE, dir);
        Files.delete(dir.resolve("data").resolve("jdk17").resolve("FmaPeakBench.json"));
        String text = Files.readString(generateIn(dir.resolve("data"), dir),
                StandardCharsets.UTF_8);
        assertTrue(text.replace('\n', ' ').contains("No FmaPeakBench result for JDK 17 at 512-bit:"
                + " their % of peak uses the highest peak measured at that width on another"
                + " JDK."), text);
        // JDK 25's 256.0 instead: 150.4 / 256.0 = 59%
        assertTrue(text.contains("| 17 | vector-fused 512-bit | 4.00 | 3.90–4.10 | — | 250.0 |"
                + " 150.4 | 59% |"), text);
    }

    /**
     * Every step's fused fork ran first, minutes of host drift favouring one mode throughout;
     * {@code run.sh} now has layer by layer go first on the odd steps, and the report says which
     * went first from the order of the results (the fixture: step 3 fused first, step 4 layer by
     * layer first).
     */
    @Test
    void theBlocksSayWhichModeRanFirst() {
        String blocks = String.join(" ", section("Blocks: fused vs layer-by-layer (BlockBench,"
                + " MobileNetV2 1.0/224)"));
        assertTrue(blocks.contains("Each step's two forks ran back to back, fused first in 1 of"
                + " the 2 pairs and layer by layer first in the others."), blocks);
        Result fused = block(3, "FUSED"), layerwise = block(3, "LAYERWISE");
        assertEquals(", fused first", ReportGenerator.blockOrder(List.of(fused, layerwise)));
        assertEquals(", layer by layer first",
                ReportGenerator.blockOrder(List.of(layerwise, fused)));
    }

    /** A BlockBench result of {@code step} and {@code strategy}, as JMH's JSON has it. */
    private static Result block(int step, String strategy) {
        return parse("{\"benchmark\": \"dev.mobilenetsimd.bench.BlockBench.runStep\","
                + " \"mode\": \"avgt\", \"jdkVersion\": \"25\", \"params\": {\"step\": \""
                + step + "\", \"strategy\": \"" + strategy + "\"}, \"primaryMetric\":"
                + " {\"score\": 1.0, \"scoreUnit\": \"us/op\"}}");
    }

    @Test
    void theHeadsGflopsAndTheBlocksRatioSayWhatTheyAre() {
        String head = String.join(" ", section("Kernels, per MobileNetV2 1.0/224 layer shape"));
        assertTrue(head.contains("`poolAndClassifier`: M MACs and GFLOP/s count the classifier's"
                + " multiply-adds alone"), head);
        // 1280 x 1001 = 1.28 M MACs; 2 x 1.28128 M / 20 µs = 128.1 GFLOP/s, 50% of the 256.0
        // peak, at 256 bits 64.1 of 128.0, the scalar 6.4 of the widest (512-bit) peak: 3%;
        // × scalar from the best vector time: 400 / 20 = 20.0
        assertTrue(report.contains("\n| poolAndClassifier | 1.28 | 20.00 (128.1, 50%) |"
                + " 40.00 (64.1, 50%) | 400.0 (6.4, 3%) | 20.0× |\n"), head);
        String blocks = String.join(" ", section("Blocks: fused vs layer-by-layer (BlockBench,"
                + " MobileNetV2 1.0/224)"));
        assertTrue(blocks.contains("× fused the ratio of two best cases, not the ratio in network"
                + " order"), blocks);
        assertTrue(blocks.contains("see PairedSteps below"), blocks);
        // steps 3 and 4: (125 + 60) / (100 + 50) µs = 185 / 150
        assertTrue(blocks.contains("| | **sum of steps measured both ways** | | | **150.0** |"
                + " **185.0** | **1.23×** |"), blocks);
        // the summary quotes PairedSteps' whole-inference ratio
        assertTrue(String.join(" ", section("Summary: MobileNetV2 1.0/224, batch 1"))
                .contains("layer by layer takes **1.100×** the fused time"), "PairedSteps ratio");
    }

    /**
     * The report of a copy of {@link #FIXTURE} in {@code dir} whose machine.properties has
     * {@code lines} appended (a later key wins over the fixture's).
     */
    private static String withMachine(Path dir, String... lines) throws IOException {
        generate(FIXTURE, dir);
        Path props = dir.resolve("data").resolve("machine.properties");
        Files.writeString(props, Files.readString(props, StandardCharsets.UTF_8)
                + String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return Files.readString(generateIn(dir.resolve("data"), dir), StandardCharsets.UTF_8);
    }

    @Test
    void theSummaryPointsToHostChecksOnlyWhereThereAreSome(@TempDir Path dir) throws IOException {
        // the fixture records no host check, and the summary said "(see the host checks under
        // Machine)" all the same
        String summary = String.join(" ", section("Summary: MobileNetV2 1.0/224, batch 1"));
        assertTrue(summary.contains("meets the host in whatever state it is in then, so rows"
                + " compare loosely."), summary);
        assertFalse(report.contains("host check"), "no host check in the fixture");
        String checked = withMachine(dir.resolve("checked"),
                "host.check.start=fused 1.0/224 3.00-3.10 ms in 5 rounds (spread 1.03)");
        assertTrue(checked.replace('\n', ' ').contains("whatever state it is in then (see the host"
                + " checks under Machine), so rows compare loosely."), checked);
        // BENCH_NO_HOST_CHECK=1 records "not run": nothing to see
        String notRun = withMachine(dir.resolve("not-run"), "host.check.start=not run",
                "host.check.end=not run");
        assertFalse(notRun.contains("see the host checks"), notRun);
    }

    @Test
    void theAllocationSectionQuotesNoTestResult() {
        // it said "`SteadyStateAllocationTest` reads the inference threads alone: 0 bytes on JDK
        // 17 and 25", a test's result written into every report, whatever its data (the fixture
        // has JDK 25's AllocationBench alone: 20.0 B and no GC per inference)
        String text = String.join(" ", section("Allocation per inference (MobileNetV2 1.0/224)"));
        assertTrue(text.contains("| 25 | vector-fused preferred | 20.0 | 0.0 |"), text);
        assertFalse(text.contains("0 bytes on JDK"), text);
        assertTrue(text.contains("`SteadyStateAllocationTest` (a unit test, not this run) reads"
                + " the inference threads alone and asserts that they allocate nothing once"
                + " compiled."), text);
    }

    @Test
    void theBatchTextPointsToAlternatingForksOnlyWhereTheyAre(@TempDir Path dir)
            throws IOException {
        // it always said "`adhoc/README.md` has the two schedules in alternating forks", though
        // a report directory may have no such file, and the fixture has no sequential rows
        String text = line("Eight images per call");
        assertTrue(text.endsWith("The forks ran one after the other."), text);
        assertFalse(report.contains("adhoc/README.md"), text);
        // both schedules, and an adhoc/README.md with their alternating forks: the pointer
        generate(FIXTURE, dir);
        Path b8 = dir.resolve("data").resolve("jdk17");
        Files.writeString(b8.resolve("NetworkBench-batch8-sequential.json"),
                Files.readString(b8.resolve("NetworkBench-batch8-threads2-vector-512.json"),
                        StandardCharsets.UTF_8).replace("\"grouped\"", "\"sequential\""),
                StandardCharsets.UTF_8);
        Files.createDirectories(dir.resolve("adhoc"));
        Files.writeString(dir.resolve("adhoc").resolve("README.md"),
                "bench/run.sh alternate 6 fused-batch8-sequential fused-batch8\n",
                StandardCharsets.UTF_8);
        String both = Files.readString(generateIn(dir.resolve("data"), dir),
                StandardCharsets.UTF_8);
        assertTrue(both.contains("| 17 | vector-fused 512-bit, 2 threads, one image at a time"),
                both);
        assertTrue(both.contains("The forks ran one after the other; `adhoc/README.md` has the"
                + " two schedules in alternating forks."), both);
    }

    /**
     * A batch-8 row's × scalar is against the scalar run of its batch schedule: the rows one
     * image at a time were compared with the grouped scalar run (the one run.sh's profiles
     * make) without a word. Where there is no scalar run of its schedule, the factor is against
     * the other one, and a footnote on it says so.
     */
    @Test
    void aBatchRowIsComparedWithTheScalarRunOfItsSchedule(@TempDir Path dir) throws IOException {
        generate(FIXTURE, dir);
        Path jdk25 = dir.resolve("data").resolve("jdk25");
        // per batch: 24.00 ms grouped, 32.00 one image at a time; scalar 480.00 grouped
        Files.writeString(jdk25.resolve("NetworkBench-batch8-vector-512.json"), "["
                + batch8("vector-fused", "grouped", 24) + ", "
                + batch8("vector-fused", "sequential", 32) + "]", StandardCharsets.UTF_8);
        Files.writeString(jdk25.resolve("NetworkBench-batch8-scalar.json"), "["
                + batch8("scalar", "grouped", 480) + "]", StandardCharsets.UTF_8);
        String text = Files.readString(generateIn(dir.resolve("data"), dir),
                StandardCharsets.UTF_8);
        String note = " × scalar against `scalar fused (C2 default)`, one `runBatch` call per"
                + " batch: no scalar run went one image at a time, so the factor holds the"
                + " schedules' difference too.";
        // 480 / 24, like for like
        assertTrue(row(text, "| 25 | vector-fused 512-bit | 24.00 |")
                .endsWith("| 20.0× | — | 3 |"), text);
        // 480 / 32, against the grouped run, which its footnote names
        Matcher m = Pattern.compile("\\| 15\\.0× (\\S+) \\| — \\| 3 \\|$").matcher(
                row(text, "| 25 | vector-fused 512-bit, one image at a time | 32.00 |"));
        assertTrue(m.find(), text);
        assertTrue(text.replace('\n', ' ').contains(m.group(1) + note), text);
        // a scalar run one image at a time too, 640.00 ms: 640 / 32, no footnote
        Files.writeString(jdk25.resolve("NetworkBench-batch8-scalar-sequential.json"), "["
                + batch8("scalar", "sequential", 640) + "]", StandardCharsets.UTF_8);
        text = Files.readString(generateIn(dir.resolve("data"), dir), StandardCharsets.UTF_8);
        assertTrue(row(text, "| 25 | vector-fused 512-bit, one image at a time | 32.00 |")
                .endsWith("| 20.0× | — | 3 |"), text);
        assertTrue(row(text, "| 25 | vector-fused 512-bit | 24.00 |")
                .endsWith("| 20.0× | — | 3 |"), text);
        assertFalse(text.replace('\n', ' ').contains(note), text);
        // the two scalar rows are told apart as the vector ones are (both read "scalar fused
        // (C2 default)")
        assertTrue(row(text, "| 25 | scalar fused (C2 default) | 480.00 |") != null, text);
        assertTrue(row(text, "| 25 | scalar fused (C2 default), one image at a time | 640.00 |")
                != null, text);
    }

    /** A 1.0/224 batch-8 NetworkBench result of JDK 25 in JMH's JSON, 512-bit if vector. */
    private static String batch8(String backend, String schedule, double ms) {
        return String.format(Locale.ROOT, "{\"benchmark\":"
                + " \"dev.mobilenetsimd.bench.NetworkBench.inference\", \"mode\": \"sample\","
                + " \"forks\": 1, \"jvmArgs\": [%s], \"jdkVersion\": \"25.0.1\","
                + " \"vmName\": \"OpenJDK 64-Bit Server VM\", \"vmVersion\": \"25.0.1+8\","
                + " \"warmupIterations\": 5, \"warmupTime\": \"1 s\","
                + " \"measurementIterations\": 3, \"measurementTime\": \"1 s\","
                + " \"params\": {\"backend\": \"%s\", \"batch\": \"8\", \"schedule\": \"%s\","
                + " \"threads\": \"1\", \"variant\": \"1.0/224\"},"
                + " \"primaryMetric\": {\"score\": %.2f, \"scoreUnit\": \"ms/op\","
                + " \"rawDataHistogram\": [[[[%.2f, 1]], [[%.2f, 1]], [[%.2f, 1]]]]}}",
                backend.equals("scalar") ? "" : "\"-Dmobilenet.vectorBits=512\"", backend,
                schedule, ms, ms - 0.1, ms, ms + 0.1);
    }

    /** The one line of {@code text} that starts with {@code start}. */
    private static String row(String text, String start) {
        List<String> rows = text.lines().filter(l -> l.startsWith(start))
                .collect(Collectors.toList());
        assertEquals(1, rows.size(), text);
        return rows.get(0);
    }

    @Test
    void pairedStepsIsNamedByTheJdkItWasReadFrom(@TempDir Path dir) throws IOException {
        assertTrue(report.contains("\n### Both modes in one JVM, in turn (PairedSteps, JDK 25,"
                + " preferred width)\n"), "the fixture's, from jdk25/");
        // read from data/jdk25/ alone, and titled JDK 25 whatever ran it
        generate(FIXTURE, dir);
        Path data = dir.resolve("data");
        Files.createDirectories(data.resolve("jdk26"));
        Files.move(data.resolve("jdk25").resolve("PairedSteps.md"),
                data.resolve("jdk26").resolve("PairedSteps.md"));
        String text = Files.readString(generateIn(data, dir), StandardCharsets.UTF_8);
        assertTrue(text.contains("\n### Both modes in one JVM, in turn (PairedSteps, JDK 26,"
                + " preferred width)\n"), text);
        assertFalse(text.contains("PairedSteps, JDK 25"), text);
        assertTrue(text.contains("layer by layer takes **1.100×** the fused time"), text);
        assertTrue(text.contains("`data/jdk26/PairedSteps.md`"), text);
    }

    @Test
    void theMachineTableListsTheJmhOptionsRunShRecords() throws IOException {
        // it listed jmh.network.jdk17, which run.sh stopped writing when JDK 17's network
        // options came to equal the others, while every JDK's network runs were checked
        // against jmh.network
        List<String> recorded = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*echo \"(jmh\\.[a-z0-9.]+)=")
                .matcher(Files.readString(Path.of("bench", "run.sh"), StandardCharsets.UTF_8));
        while (m.find()) {
            recorded.add(m.group(1));
        }
        assertFalse(recorded.isEmpty(), "no jmh.* key found in bench/run.sh");
        assertEquals(new TreeSet<>(recorded), new TreeSet<>(ReportGenerator.JMH_OPTION_KEYS));
    }

    /**
     * MobileNetV2 0.35/224's scalar C2-default fork read 22.45 ms against 14.60 for the
     * -XX:-UseSuperWord one (later C2-default forks: 14.5), so its × scalar column read 28.4×
     * beside 18.5× without a word. The slower of two scalar runs more than 1.25× apart carries a
     * footnote; in the fixture, JDK 17's 90.00 against 60.00 ms.
     */
    @Test
    void scalarRunsFarApartCarryAFootnote() {
        List<String> slow = rows("| 17 | scalar fused (C2 default)");
        // the summary's table and the one under Whole network; ¹ is the 2-thread row's
        assertEquals(2, slow.size(), String.join("\n", slow));
        for (String row : slow) {
            assertTrue(row.startsWith("| 17 | scalar fused (C2 default) ² | 90.00 |"), row);
        }
        assertTrue(rows("| 17 | scalar fused (-XX:-UseSuperWord)").stream()
                .allMatch(l -> l.startsWith("| 17 | scalar fused (-XX:-UseSuperWord) | 60.00 |")),
                "the faster run is not marked");
        // JDK 25's 72.00 and 60.00 ms: 1.20×, under 1.25
        assertTrue(rows("| 25 | scalar fused").stream().allMatch(l -> l.matches("[^¹²³⁴]*")),
                "JDK 25's scalar rows");
        // 90.00 / 60.00 = 1.50
        String text = report.replace('\n', ' ');
        assertTrue(text.contains("² `scalar fused (C2 default)` 90.00 ms against `scalar fused"
                + " (-XX:-UseSuperWord)` 60.00 ms: the two scalar runs differ by 1.50×; one"
                + " fork's JIT draw can move a scalar run that far, so this variant's × scalar"
                + " columns compare loosely."), text);
        // under the summary's table and under Whole network's 1.0/224 table, once each
        assertEquals(2, text.split("² `scalar fused", -1).length - 1, "footnote lines");
    }

    /**
     * A benchmark that threw is named among the warnings: JMH prints {@code <failure>} after the
     * iteration's label, and only lines starting with it were counted, so none ever was.
     */
    @Test
    void aLoggedFailureIsWarnedOf(@TempDir Path dir) throws IOException {
        assertFalse(report.contains("**Warnings:**"), "the fixture has no log");
        generate(FIXTURE, dir);
        Path data = dir.resolve("data");
        Files.writeString(data.resolve("jdk25").resolve("HeadBench-scalar.log"),
                "# Warmup Iteration   1: <failure>\n\njava.lang.IllegalStateException: thrown\n",
                StandardCharsets.UTF_8);
        String text = Files.readString(generateIn(data, dir), StandardCharsets.UTF_8);
        assertTrue(text.contains("- jdk25/HeadBench-scalar.log: 1 benchmark(s) failed (see the"
                + " log)"), text);
    }

    /**
     * Block rows re-measured later are marked like every other row: the header says "their rows
     * marked", and the committed report's re-measured blocks were not.
     */
    @Test
    void reMeasuredBlocksAreMarked(@TempDir Path dir) throws IOException {
        // the block table's rows (PairedSteps' table has a "| 3 | block3 |" too)
        List<String> blockRows = rows("| 3 | block3 | 56x56x24");
        assertEquals(1, blockRows.size(), report);
        assertTrue(blockRows.get(0).matches("[^¹²³⁴⁵]*"), blockRows.get(0));
        String text = withMachine(dir, "remeasured.1=2000-01-01 03:00 UTC (profile quick):"
                + " jdk25/BlockBench-512-layerwise-first");
        // step 4 comes from the re-measured file, step 3 does not; ⁴: the fixture's notes
        // above it take ¹ to ³
        List<String> step4 = text.lines().filter(l -> l.startsWith("| 4 | block4 | 56x56x24"))
                .collect(Collectors.toList());
        assertEquals(1, step4.size(), text);
        assertTrue(step4.get(0).contains("| 50.00 (618.7) ⁴ | 60.00 (515.6) ⁴ |"), step4.get(0));
        assertTrue(text.lines().filter(l -> l.startsWith("| 3 | block3 | 56x56x24"))
                .allMatch(l -> l.matches("[^¹²³⁴⁵]*")), text);
        assertTrue(text.replace('\n', ' ').contains("⁴ `jdk25/BlockBench-512-layerwise-first.json`:"
                + " re-measured 2000-01-01 03:00 UTC, "), text);
    }

    /**
     * The vector-size table compares widths: its rows run on one thread without other JVM
     * options. It listed the 2-thread and huge-pages rows too, whose differences are not the
     * width's.
     */
    @Test
    void theVectorSizeTableHoldsWidthsAlone(@TempDir Path dir) throws IOException {
        String text = Files.readString(generate(DATA, dir), StandardCharsets.UTF_8);
        String title = "### Vector size capped by the JVM";
        assumeTrue(text.contains(title) && text.contains("MaxVectorSize=16 |"),
                "no MaxVectorSize results in reports/data");
        String part = text.substring(text.indexOf(title));
        part = part.substring(0, part.indexOf("\n## "));
        List<String> rows = part.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| JDK"))
                .collect(Collectors.toList());
        assertFalse(rows.isEmpty(), part);
        for (String row : rows) {
            assertFalse(row.contains("threads") || row.contains("huge pages")
                    || row.contains("safepoints"), row);
        }
        assertTrue(rows.stream().anyMatch(l -> l.contains("MaxVectorSize=32")), part);
        assertTrue(rows.stream().anyMatch(l -> l.contains(" 512-bit |")), part);
    }
}
