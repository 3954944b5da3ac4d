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
}
