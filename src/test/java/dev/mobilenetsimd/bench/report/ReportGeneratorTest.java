package dev.mobilenetsimd.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated benchmark report ({@code reports/README.md}) from the committed JMH results in
 * {@code reports/data}: that the committed report is what the generator makes of them.
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

    @Test
    void theCommittedReportIsTheOneItsDataGives() throws IOException {
        // regenerate with bench/run.sh report when this fails (the generator, the plan's MACs
        // or the data changed without it)
        assertEquals(Files.readString(COMMITTED, StandardCharsets.UTF_8), report,
                "reports/README.md is stale: run bench/run.sh report");
    }
}
