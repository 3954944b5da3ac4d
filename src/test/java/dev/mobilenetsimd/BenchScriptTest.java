package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench/run.sh} refuses bad arguments and missing JDKs before it builds, clears or
 * measures anything. Each run points the build at a folder that does not exist with
 * {@code BENCH_NO_BUILD=1}, so a check that let it through fails on that folder, never measures.
 */
class BenchScriptTest {
    private record Result(int status, String output) {}

    private static Result script(Path dir, Map<String, String> env, String... args)
            throws Exception {
        Path bash = Path.of("/bin/bash");
        assumeTrue(Files.isExecutable(bash), "needs bash");
        Path script = Path.of("bench", "run.sh");
        assertTrue(Files.isRegularFile(script), "run from the project root");
        List<String> command = new ArrayList<>(List.of(bash.toString(), script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("BENCH_ONLY");
        pb.environment().put("BENCH_NO_BUILD", "1");
        pb.environment().put("BENCH_BUILD_DIR", dir.resolve("build").toString());
        pb.environment().put("BENCH_REPORTS_DIR", dir.resolve("reports").toString());
        pb.environment().put("BENCH_NO_HOST_CHECK", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        return new Result(p.exitValue(), output);
    }

    private static void refused(Result r, String message) {
        assertEquals(2, r.status, r.output);
        assertTrue(r.output.contains(message), r.output);
        assertFalse(r.output.contains("using the classes already"), "reached the build: "
                + r.output);
    }

    @Test
    void listNeedsAKnownProfile(@TempDir Path dir) throws Exception {
        // 'list bogus' printed the full profile's runs
        refused(script(dir, Map.of(), "list", "bogus"),
                "list: expected a profile, quick or full, got 'bogus'");
        refused(script(dir, Map.of(), "list"), "list: expected a profile");
    }

    @Test
    void alternateRefusesAnExtraSetup(@TempDir Path dir) throws Exception {
        // a third setup was ignored without a word, and the first two measured
        refused(script(dir, Map.of(), "alternate", "2", "fused", "layerwise", "fused-hugepages"),
                "alternate takes PAIRS and two setups or none");
    }

    @Test
    void anUnknownBenchmarkOrModeIsRefusedBeforeBuilding(@TempDir Path dir) throws Exception {
        // 'bogus' (or a misspelt mode) built the classes, then JMH found nothing
        refused(script(dir, Map.of("JDK25_HOME", "/nonexistent"), "qiuck"),
                "no benchmark of bench/ matches 'qiuck'");
        assertFalse(Files.exists(dir.resolve("reports").resolve("adhoc").resolve("qiuck.json")));
    }

    @Test
    void aMissingJdkIsNamedBeforeAnythingIsClearedOrBuilt(@TempDir Path dir) throws Exception {
        Path alternate = dir.resolve("reports").resolve("adhoc").resolve("alternate");
        Files.createDirectories(alternate);
        Files.writeString(alternate.resolve("vector-fused-1.json"), "{}");
        Files.createDirectories(dir.resolve("reports").resolve("data"));
        Files.writeString(dir.resolve("reports").resolve("data").resolve("machine.properties"),
                "x=1");
        Map<String, String> noJdk25 = Map.of("JDK25_HOME", "/nonexistent");
        // alternate emptied its folder, then failed at the first fork
        refused(script(dir, noJdk25, "alternate", "1"),
                "alternate: no java at /nonexistent/bin/java");
        assertTrue(Files.exists(alternate.resolve("vector-fused-1.json")), "kept");
        // a profile cleared reports/data, then skipped every JDK 25 run
        refused(script(dir, noJdk25, "quick"), "JDK 25 not found at /nonexistent/bin/java");
        assertTrue(Files.exists(dir.resolve("reports").resolve("data")
                .resolve("machine.properties")), "kept");
    }
}
