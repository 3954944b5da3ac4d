package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bench/run.sh} refuses bad arguments and missing JDKs before it builds, clears or
 * measures anything. Each run points the build at a folder that does not exist with
 * {@code BENCH_NO_BUILD=1}, so a check that let it through fails on that folder, never measures.
 * What a profile records about its runs is checked with stand-in JDKs that measure nothing.
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

    /**
     * {@code BENCH_WAIT_QUIET} holds a one-JVM tool back until the host check is quiet, as it
     * does a profile and {@code alternate}: the tools ran one plain host check and measured on a
     * disturbed host. Here the first check is disturbed (spread 1.33) and the next quiet; the
     * minute between them is a stand-in {@code sleep} that returns at once.
     */
    @Test
    void aToolWaitsForAQuietHostWhenAsked(@TempDir Path dir) throws Exception {
        Path checks = dir.resolve("checks");
        Path jdk = standInJdk(dir.resolve("jdk25"),
                "case \" $* \" in *' -version '*)",
                "  echo 'openjdk version \"25\"' >&2; exit 0 ;;",
                "esac",
                "case \" $* \" in *' dev.mobilenetsimd.bench.HostCheck '*)",
                "  echo x >> '" + checks + "'",
                "  if [ $(wc -l < '" + checks + "') = 1 ]; then",
                "    echo 'fused 1.0/224 3.00-4.00 ms in 5 rounds (spread 1.33)'",
                "  else",
                "    echo 'fused 1.0/224 3.00-3.03 ms in 5 rounds (spread 1.01)'",
                "  fi",
                "  exit 0 ;;",
                "esac",
                "echo '| the tool | ran |'");
        emptyBuild(dir);
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("sleep"), "#!/bin/bash\nexit 0\n");
        assertTrue(bin.resolve("sleep").toFile().setExecutable(true));
        Map<String, String> env = new HashMap<>();
        env.put("JDK25_HOME", jdk.toString());
        env.put("BENCH_NO_HOST_CHECK", "");
        env.put("BENCH_WAIT_QUIET", "5");
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        Result r = script(dir, env, "paired");
        assertEquals(0, r.status, r.output);
        String report = Files.readString(dir.resolve("reports").resolve("adhoc")
                .resolve("paired.md"));
        assertTrue(report.contains("Host check before: fused 1.0/224 3.00-3.03 ms in 5 rounds"
                + " (spread 1.01)."), report);
        assertTrue(r.output.contains("host disturbed"), r.output);
        assertEquals(3, Files.readAllLines(checks).size(), "before twice, after once");
    }

    /**
     * {@code BENCH_QUIET_SPREAD} is a plain decimal number of at least 1: '1.05x' was taken, and
     * awk then compared the host check's spread with it as text, while '10' was refused.
     */
    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"1.05x", "2.x", "1.", ".5", "1.2.3", "0.99", "-2", "1e3", " 1", "x"})
    void aQuietSpreadThatIsNotADecimalOfAtLeastOneIsRefused(String spread, @TempDir Path dir)
            throws Exception {
        refused(script(dir, Map.of("BENCH_QUIET_SPREAD", spread), "list", "quick"),
                "BENCH_QUIET_SPREAD must be a plain decimal number >= 1 (the spread to wait for,"
                + " slowest host check round over fastest), such as 1.05 or 2, got '"
                + spread + "'");
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"1", "10", "1.05", "2.5", ""})
    void aQuietSpreadThatIsADecimalOfAtLeastOneIsTaken(String spread, @TempDir Path dir)
            throws Exception {
        Result r = script(dir, Map.of("BENCH_QUIET_SPREAD", spread), "list", "quick");
        assertEquals(0, r.status, r.output);
        assertTrue(Pattern.compile("(?m)^\\d+ runs$").matcher(r.output).find(), r.output);
    }

    /**
     * A stand-in JDK {@code dir/jdkNN}: answers {@code -version} and {@code -XX:+PrintFlagsFinal}
     * as a JDK NN would, and writes an empty JMH result ({@code []}) wherever {@code -rff} says,
     * without running anything.
     */
    private static Path fakeJdk(Path dir, int version) throws Exception {
        return standInJdk(dir.resolve("jdk" + version),
                "case \" $* \" in",
                "  *' -XX:+PrintFlagsFinal '*)",
                "    echo '     int UseAVX = 3 {ARCH product} {default}' ;;",
                "esac",
                "case \" $* \" in",
                "  *' -version '*) echo 'openjdk version \"" + version + "\"' >&2",
                "    echo 'OpenJDK Runtime Environment (build fake-" + version + ")' >&2",
                "    exit 0 ;;",
                "esac",
                "prev=",
                "for a in \"$@\"; do [ \"$prev\" = -rff ] && echo '[]' > \"$a\"; prev=$a; done",
                "exit 0");
    }

    /**
     * A stand-in JDK at {@code home}: a bash script {@code bin/java} of {@code lines}.
     *
     * @return {@code home}
     */
    private static Path standInJdk(Path home, String... lines) throws Exception {
        Path java = home.resolve("bin").resolve("java");
        Files.createDirectories(java.getParent());
        Files.writeString(java, "#!/bin/bash\n" + String.join("\n", lines) + "\n");
        assertTrue(java.toFile().setExecutable(true));
        return home;
    }

    /**
     * The environment of a {@code quick} profile that runs FmaPeakBench on JDK 25 only, with
     * {@code dir}'s build and reports and no host check.
     */
    private static void quickFmaPeakOnly(Map<String, String> env, Path dir) {
        env.remove("JAVA_HOME");
        env.put("BENCH_NO_BUILD", "1");
        env.put("BENCH_BUILD_DIR", dir.resolve("build").toString());
        env.put("BENCH_REPORTS_DIR", dir.resolve("reports").toString());
        env.put("BENCH_NO_HOST_CHECK", "1");
        env.put("BENCH_ONLY", "jdk25/FmaPeakBench");
    }

    /** The build folder with its classes taken as built ({@code BENCH_NO_BUILD}). */
    private static void emptyBuild(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("build"));
        Files.writeString(dir.resolve("build").resolve("bench-classpath.txt"), "");
    }

    @Test
    void aProfileRecordsEveryJdkItRunsAndHowItRanThem(@TempDir Path dir) throws Exception {
        emptyBuild(dir);
        Map<String, String> env = Map.of("JDK25_HOME", fakeJdk(dir, 25).toString(),
                "JDK17_HOME", fakeJdk(dir, 17).toString(),
                "BENCH_ONLY", "FmaPeakBench|AllocationBench");
        Result r = script(dir, env, "quick");
        assertEquals(0, r.status, r.output);
        Path props = dir.resolve("reports").resolve("data").resolve("machine.properties");
        String recorded = Files.readString(props);
        assertTrue(Files.exists(props.resolveSibling("jdk17").resolve("FmaPeakBench.json")),
                r.output);
        // quick measures JDK 17 too, but recorded the version of JDK 25 alone
        assertTrue(recorded.contains("jdk25.version=OpenJDK Runtime Environment (build fake-25)"),
                recorded);
        assertTrue(recorded.contains("jdk17.version=OpenJDK Runtime Environment (build fake-17)"),
                recorded);
        assertTrue(recorded.contains("jdk17.flags=UseAVX=3"), recorded);
        // the allocation runs' options were not recorded, unlike every other kind's
        assertTrue(recorded.contains("jmh.allocation=-f 1 -wi 10 -w 1s -i 5 -r 1s -prof gc"),
                recorded);
        // runs added later say with which profile's options they were measured
        Map<String, String> keep = new HashMap<>(env);
        keep.put("BENCH_KEEP", "1");
        keep.put("BENCH_ONLY", "jdk17/FmaPeakBench");
        r = script(dir, keep, "full");
        assertEquals(0, r.status, r.output);
        String remeasured = Files.readAllLines(props).stream()
                .filter(l -> l.startsWith("remeasured.0=")).findFirst().orElse("");
        assertTrue(remeasured.contains("(profile full;") && remeasured.endsWith(
                ": jdk17/FmaPeakBench (host check after: not run)"), remeasured);
    }

    /**
     * A profile's one-JVM tool run that fails leaves no table for the report: its output went
     * straight into {@code PairedSteps.md}, so a failed run left that file empty, which the
     * report showed as the tool's table, and with {@code BENCH_KEEP=1} the previous one was lost.
     */
    @Test
    void aFailedToolRunLeavesThePreviousTable(@TempDir Path dir) throws Exception {
        standInJdk(dir.resolve("jdk25"),
                "case \" $* \" in *' dev.mobilenetsimd.PairedSteps '*)",
                "  echo '| steps | partial'; echo 'PairedSteps: unknown argument' >&2; exit 2 ;;",
                "esac",
                "exit 0");
        emptyBuild(dir);
        Path table = Files.createDirectories(dir.resolve("reports").resolve("data")
                .resolve("jdk25")).resolve("PairedSteps.md");
        Files.writeString(table, "| the previous table |\n");
        Map<String, String> env = Map.of("JDK25_HOME", dir.resolve("jdk25").toString(),
                "BENCH_ONLY", "jdk25/PairedSteps", "BENCH_KEEP", "1");
        Result r = script(dir, env, "quick");
        assertEquals(1, r.status, r.output);
        assertTrue(r.output.contains("PairedSteps.md left as it was"), r.output);
        assertEquals("| the previous table |\n", Files.readString(table));
        try (var files = Files.list(table.getParent())) {
            assertEquals(List.of("PairedSteps.log", "PairedSteps.md"), files
                    .map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
        // without one, none is written
        Files.delete(table);
        r = script(dir, env, "quick");
        assertEquals(1, r.status, r.output);
        assertTrue(r.output.contains("PairedSteps.md not written"), r.output);
        assertFalse(Files.exists(table), "an empty table");
    }

    /**
     * An alternate run whose benchmark threw ({@code <failure>} in the log, JMH exiting 0) is
     * named, the other runs still made, and the exit status 1 after the host check after: the
     * script stopped at the first such run without a word (under pipefail, the grep for its
     * missing median failed the assignment), leaving the summary without the pair or the check.
     */
    @Test
    void alternateReportsAFailedRun(@TempDir Path dir) throws Exception {
        standInJdk(dir.resolve("jdk25"),
                "echo '# Warmup Iteration   1: <failure>'",
                "echo 'java.lang.IllegalStateException: thrown by the benchmark'",
                "exit 0");
        emptyBuild(dir);
        Result r = script(dir, Map.of("JDK25_HOME", dir.resolve("jdk25").toString()),
                "alternate", "1");
        assertEquals(1, r.status, r.output);
        assertTrue(r.output.contains("2 of 2 alternate run(s) failed"), r.output);
        Path summary = dir.resolve("reports").resolve("adhoc").resolve("alternate")
                .resolve("summary.txt");
        String written = Files.readString(summary);
        assertTrue(written.contains("pair 1: fused ? ms layerwise ? ms"), written);
        assertTrue(written.contains("host check after: not run"), written);
    }

    /**
     * {@code alternate} runs each setup first in every other pair, and each pair's line still
     * gives A's median, then B's, and B ÷ A: setup A ran first in every pair, so a host that
     * drifted during the run (0.5-2.5% per pair in the committed summaries) favoured one side.
     */
    @Test
    void alternateTakesTurnsAtGoingFirst(@TempDir Path dir) throws Exception {
        Path order = dir.resolve("order");
        standInJdk(dir.resolve("jdk25"),
                "case \" $* \" in *' -rff '*) ;;",
                "  *) echo 'openjdk version \"25\"' >&2; exit 0 ;;",
                "esac",
                "b=$(printf '%s\\n' \"$@\" | sed -n 's/^backend=//p')",
                "echo \"$b\" >> '" + order + "'",
                "m=3.000; [ \"$b\" = vector-layerwise ] && m=3.300",
                "echo \"NetworkBench.inference:p0.50 1.0/224 $b sample $m ms/op\"",
                "exit 0");
        emptyBuild(dir);
        Result r = script(dir, Map.of("JDK25_HOME", dir.resolve("jdk25").toString()),
                "alternate", "3");
        assertEquals(0, r.status, r.output);
        assertEquals(List.of("vector-fused", "vector-layerwise", "vector-layerwise",
                "vector-fused", "vector-fused", "vector-layerwise"), Files.readAllLines(order));
        String summary = Files.readString(dir.resolve("reports").resolve("adhoc")
                .resolve("alternate").resolve("summary.txt"));
        assertTrue(summary.contains("pair 1: fused 3.000 ms layerwise 3.300 ms, layerwise / fused"
                + " 1.100 (fused first)"), summary);
        assertTrue(summary.contains("pair 2: fused 3.000 ms layerwise 3.300 ms, layerwise / fused"
                + " 1.100 (layerwise first)"), summary);
    }

    /**
     * {@code unfused} names the layer-by-layer setup for {@code alternate} and {@code steps}, as
     * the README's tables call it, and {@code unfused-X} is {@code layerwise-X}: it was refused
     * as an unknown setup. The runs, the folders and the summary name it layerwise, so that
     * {@code alternate 1 fused unfused} is the default pair and its folder.
     */
    @Test
    void unfusedIsLayerwiseForAlternateAndSteps(@TempDir Path dir) throws Exception {
        Path calls = dir.resolve("calls");
        standInJdk(dir.resolve("jdk25"),
                "case \" $* \" in *' -version '*) echo 'openjdk version \"25\"' >&2; exit 0 ;;"
                        + " esac",
                "echo \"$*\" >> '" + calls + "'",
                "b=$(printf '%s\\n' \"$@\" | sed -n 's/^backend=//p')",
                "m=3.000; [ \"$b\" = vector-layerwise ] && m=3.300",
                "[ -z \"$b\" ] || echo \"NetworkBench.inference:p0.50 1.0/224 $b sample $m ms/op\"",
                "exit 0");
        emptyBuild(dir);
        Map<String, String> env = Map.of("JDK25_HOME", dir.resolve("jdk25").toString());
        Path adhoc = dir.resolve("reports").resolve("adhoc");

        Result r = script(dir, env, "alternate", "1", "fused", "unfused");
        assertEquals(0, r.status, r.output);
        List<String> runs = Files.readAllLines(calls);
        assertEquals(2, runs.size(), runs.toString());
        assertTrue(runs.get(1).contains(" backend=vector-layerwise ")
                && !runs.get(1).contains("-jvmArgsAppend"), runs.get(1));
        assertTrue(Files.readString(adhoc.resolve("alternate").resolve("summary.txt")).contains(
                "pair 1: fused 3.000 ms layerwise 3.300 ms, layerwise / fused 1.100"), r.output);

        Files.delete(calls);
        r = script(dir, env, "alternate", "1", "unfused-hugepages", "fused");
        assertEquals(0, r.status, r.output);
        runs = Files.readAllLines(calls);
        assertTrue(runs.get(0).contains(" backend=vector-layerwise ") && runs.get(0).contains(
                "-jvmArgsAppend -XX:+UseTransparentHugePages"), runs.get(0));
        assertTrue(Files.readString(adhoc.resolve("alternate-layerwise-hugepages-vs-fused")
                .resolve("summary.txt")).contains("pair 1: layerwise-hugepages 3.300 ms fused"
                + " 3.000 ms"), r.output);

        Files.delete(calls);
        r = script(dir, env, "steps", "unfused-nosafepoints", "--", "--rounds", "5");
        assertEquals(0, r.status, r.output);
        String run = Files.readAllLines(calls).get(0);
        assertTrue(run.contains("-XX:-UseCountedLoopSafepoints") && run.endsWith(
                "dev.mobilenetsimd.StepProfile --mode layerwise --rounds 5"), run);
        assertTrue(Files.exists(adhoc.resolve("steps-layerwise-nosafepoints.md")), r.output);

        // only the whole word: 'unfusedx' is no setup
        refused(script(dir, env, "steps", "unfusedx"), "steps: unknown setup 'unfusedx'"
                + " (expected fused or layerwise, or unfused for layerwise,");
        refused(script(dir, env, "alternate", "1", "fused", "unfused8"),
                "alternate: unknown setup 'unfused8'");
    }

    /**
     * The usage's run counts are the ones {@code list} prints: it said 37 for quick, which made
     * 38 (the huge-pages runs are made only where the kernel's THP mode is not never).
     */
    @Test
    void theUsageCountsTheRunsListPrints(@TempDir Path dir) throws Exception {
        String usage = script(dir, Map.of(), "--help").output;
        // as run.sh decides: the huge-pages runs unless the kernel's THP mode is never
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        boolean thp = !Files.isReadable(mode) || !Files.readString(mode).contains("[never]");
        for (String profile : List.of("quick", "full")) {
            Matcher m = Pattern.compile("bench/run\\.sh " + profile
                    + " .*?\\((\\d+) runs,.*?; (\\d+) where", Pattern.DOTALL).matcher(usage);
            assertTrue(m.find(), usage);
            Result r = script(dir, Map.of(), "list", profile);
            assertEquals(0, r.status, r.output);
            long runs = r.output.lines().filter(l -> l.startsWith("25|") || l.startsWith("17|"))
                    .count();
            assertEquals(Long.parseLong(m.group(thp ? 1 : 2)), runs, profile + ": " + r.output);
        }
    }

    /**
     * Both profiles run every step's two BlockBench forks back to back, fused first on the even
     * steps and layer by layer first on the odd ones: every fused fork went first, so a host
     * drifting during the run favoured one mode throughout.
     */
    @Test
    void theBlocksTakeTurnsAtWhichModeGoesFirst(@TempDir Path dir) throws Exception {
        for (String profile : List.of("quick", "full")) {
            Result r = script(dir, Map.of(), "list", profile);
            assertEquals(0, r.status, r.output);
            List<String> blocks = r.output.lines().filter(l -> l.startsWith("25|BlockBench-512"))
                    .collect(Collectors.toList());
            assertEquals(2, blocks.size(), r.output);
            assertTrue(blocks.get(0).contains("-p step=0,2,4,6,8,10,12,14,16,18,20"
                    + " -p strategy=FUSED,LAYERWISE"), blocks.get(0));
            assertTrue(blocks.get(1).contains("-p step=1,3,5,7,9,11,13,15,17,19"
                    + " -p strategy=LAYERWISE,FUSED"), blocks.get(1));
        }
    }

    /**
     * Ctrl-C stops the benchmark JVM even when the script's output goes through a pipe, as in
     * {@code bench/run.sh quick 2>&1 | tee log}: Ctrl-C stopped tee too, and the script's first
     * message on the signal, into that pipe, killed it (SIGPIPE) before it had stopped
     * anything, leaving the JVM (which ignores SIGINT as a background job) measuring.
     */
    @Test
    void ctrlCStopsTheBenchmarkJvmWhenTheOutputIsPiped(@TempDir Path dir) throws Exception {
        assumeSignalTools();
        Path pidFile = dir.resolve("jmh.pid");
        // -version and -XX:+PrintFlagsFinal answer at once; a JMH run sleeps, as if measuring
        Path jdk = standInJdk(dir.resolve("jdk25"),
                "case \" $* \" in *' -rff '*) echo $$ > '" + pidFile + "'; exec sleep 60 ;; esac",
                "echo 'openjdk version \"25\"' >&2",
                "exit 0");
        emptyBuild(dir);
        // A session of its own, so that SIGINT reaches its group as Ctrl-C would; SIGINT at its
        // default, which the JVM running this test may have ignored and passed on.
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/setsid", "/usr/bin/env",
                "--default-signal=INT,PIPE", "/bin/bash", "-c",
                "/bin/bash bench/run.sh quick 2>&1 | tee \"$0\" > /dev/null",
                dir.resolve("out.txt").toString());
        quickFmaPeakOnly(pb.environment(), dir);
        pb.environment().put("JDK25_HOME", jdk.toString());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("setsid.txt").toFile());
        Process session = pb.start();
        Optional<ProcessHandle> jmh = Optional.empty();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) {
                assertTrue(System.nanoTime() < deadline && session.isAlive(),
                        "the benchmark never started: " + output(dir));
                Thread.sleep(100);
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            jmh = ProcessHandle.of(pid);
            assertTrue(running(pid), "the stand-in JMH run is not running");
            Process kill = new ProcessBuilder("/bin/kill", "-INT", "--", "-" + session.pid())
                    .redirectErrorStream(true).start();
            assertEquals(0, kill.waitFor(), new String(kill.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (running(pid) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertFalse(running(pid), "the benchmark JVM still runs after Ctrl-C: "
                    + output(dir));
        } finally {
            jmh.ifPresent(ProcessHandle::destroyForcibly);
            session.destroyForcibly();
        }
    }

    /**
     * A stand-in JDK {@code dir/jdk25} whose {@code -version} and {@code -XX:+PrintFlagsFinal}
     * answer at once, while anything else (a JMH run, a tool, the host check, the report)
     * appends its PID to {@code pids} and sleeps, as if measuring.
     */
    private static Path sleepingJdk(Path dir, Path pids) throws Exception {
        Path jdk = standInJdk(dir.resolve("jdk25"),
                "case \" $* \" in *' -XX:+PrintFlagsFinal '*) exit 0 ;; esac",
                "case \" $* \" in *' -version '*)",
                "  echo 'openjdk version \"25\"' >&2; exit 0 ;;",
                "esac",
                "echo $$ >> '" + pids + "'",
                "exec sleep 60");
        emptyBuild(dir);
        return jdk;
    }

    /** The first PID in {@code pids}, once a stand-in has written it. */
    private static long awaitPid(Path pids, Process script, Path out) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!Files.exists(pids) || Files.readString(pids).isBlank()) {
            assertTrue(System.nanoTime() < deadline && script.isAlive(),
                    "the stand-in never started: " + read(out));
            Thread.sleep(100);
        }
        return Long.parseLong(Files.readString(pids).lines().findFirst().orElseThrow().trim());
    }

    /**
     * Every stand-in that {@code pids} names and that still runs: a failed test leaves none
     * sleeping. A PID whose process has gone may have been given to another one since (PIDs
     * wrap, at 32768 on many hosts, and other builds share the machine), so only a process that
     * is still a stand-in, its {@code sleep 60} or a script in {@code pids}'s directory, is
     * killed.
     */
    private static void stopAll(Path pids) throws Exception {
        if (Files.exists(pids)) {
            String dir = pids.getParent().toString();
            Files.readString(pids).lines().filter(l -> !l.isBlank())
                    .forEach(l -> ProcessHandle.of(Long.parseLong(l.trim()))
                            .filter(p -> p.info().commandLine()
                                    .map(c -> c.endsWith("sleep 60") || c.contains(dir))
                                    .orElse(false))
                            .ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    /** The signal tests need Linux's /proc, setsid, kill and env's --default-signal. */
    private static void assumeSignalTools() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux's /proc");
        for (String tool : new String[] {"/usr/bin/setsid", "/usr/bin/env", "/bin/kill"}) {
            assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool);
        }
        assumeTrue(new ProcessBuilder("/usr/bin/env", "--default-signal=INT", "true").start()
                .waitFor() == 0, "needs env --default-signal");
    }

    private static String read(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    /**
     * After Ctrl-C the script dies of SIGINT itself, once it has stopped its JVMs: it exited
     * with status 130, and a calling shell loop, taking a child's exit as the child having
     * handled the signal, went on to its next run (bash's wait-and-cooperative-exit).
     */
    @Test
    void ctrlCStopsACallingLoop(@TempDir Path dir) throws Exception {
        assumeSignalTools();
        Path pids = dir.resolve("pids");
        Path runs = dir.resolve("runs.txt");
        Path out = dir.resolve("out.txt");
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/setsid", "/usr/bin/env",
                "--default-signal=INT,PIPE", "/bin/bash", "-c",
                "for i in 1 2; do echo $i >> \"$0\"; /bin/bash bench/run.sh quick; done",
                runs.toString());
        quickFmaPeakOnly(pb.environment(), dir);
        pb.environment().put("JDK25_HOME", sleepingJdk(dir, pids).toString());
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        Process loop = pb.start();
        try {
            long jmh = awaitPid(pids, loop, out);
            Process kill = new ProcessBuilder("/bin/kill", "-INT", "--", "-" + loop.pid())
                    .redirectErrorStream(true).start();
            assertEquals(0, kill.waitFor(), new String(kill.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (loop.isAlive() && Files.readAllLines(runs).size() < 2
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(List.of("1"), Files.readAllLines(runs),
                    "the calling loop went on after Ctrl-C: " + read(out));
            assertTrue(loop.waitFor(10, TimeUnit.SECONDS), "the loop still runs: " + read(out));
            assertEquals(128 + 2, loop.exitValue(), "the loop was not ended by SIGINT");
            assertFalse(running(jmh), "the benchmark JVM still runs after Ctrl-C: " + read(out));
        } finally {
            stopAll(pids);
            new ProcessBuilder("/bin/kill", "-KILL", "--", "-" + loop.pid()).start().waitFor();
        }
    }

    /**
     * SIGTERM to the script alone, not its process group (as a supervisor or {@code kill PID}
     * sends it), stops the JVM or Maven it runs and ends the script by that signal within
     * seconds: bash runs a trap only once its foreground child has ended, and every run but a
     * profile's JMH runs was in the foreground, or in a command substitution (the host check).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"profile JMH run", "profile tool", "ad hoc JMH run", "ad hoc tool",
        "alternate", "report", "host check", "build"})
    void sigtermToTheScriptAloneStopsWhatItRuns(String what, @TempDir Path dir)
            throws Exception {
        assumeSigtermTools();
        Path pids = dir.resolve("pids");
        Path out = dir.resolve("out.txt");
        Path jdk = sleepingJdk(dir, pids);
        List<String> command = new ArrayList<>(List.of("/usr/bin/env",
                "--default-signal=INT,TERM,PIPE", "/bin/bash", "bench/run.sh"));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", jdk.toString());
        env.put("JDK25_HOME", jdk.toString());
        env.put("BENCH_NO_BUILD", "1");
        env.put("BENCH_BUILD_DIR", dir.resolve("build").toString());
        env.put("BENCH_REPORTS_DIR", dir.resolve("reports").toString());
        env.put("BENCH_NO_HOST_CHECK", "1");
        env.remove("BENCH_ONLY");
        switch (what) {
            case "profile JMH run" -> {
                command.add("quick");
                env.put("BENCH_ONLY", "jdk25/FmaPeakBench");
            }
            case "profile tool" -> {
                assumeTrue(Files.exists(Path.of("bench/dev/mobilenetsimd/PairedSteps.java")),
                        "quick runs PairedSteps");
                command.add("quick");
                env.put("BENCH_ONLY", "jdk25/PairedSteps");
            }
            case "ad hoc JMH run" -> command.add("NetworkBench");
            case "ad hoc tool" -> command.add("paired");
            case "alternate" -> command.addAll(List.of("alternate", "1"));
            case "report" -> command.add("report");
            case "host check" -> {
                command.add("paired");
                env.remove("BENCH_NO_HOST_CHECK");
            }
            case "build" -> {
                Path mvn = dir.resolve("bin").resolve("mvn");
                Files.createDirectories(mvn.getParent());
                Files.writeString(mvn, "#!/bin/bash\necho $$ >> '" + pids
                        + "'\nexec sleep 60\n");
                assertTrue(mvn.toFile().setExecutable(true));
                env.put("PATH", mvn.getParent() + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
                env.remove("BENCH_NO_BUILD");
                command.add("paired");
            }
            default -> throw new IllegalArgumentException(what);
        }
        pb.command(command).redirectErrorStream(true).redirectOutput(out.toFile());
        Process script = pb.start();
        try {
            long child = awaitPid(pids, script, out);
            assertTrue(running(child), "the stand-in is not running");
            Process kill = new ProcessBuilder("/bin/kill", "-TERM", Long.toString(script.pid()))
                    .redirectErrorStream(true).start();
            assertEquals(0, kill.waitFor(), new String(kill.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
            assertTrue(script.waitFor(10, TimeUnit.SECONDS),
                    "the script still runs 10 s after SIGTERM: " + read(out));
            assertEquals(128 + 15, script.exitValue(), read(out));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (running(child) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertFalse(running(child), "what the script ran still runs: " + read(out));
        } finally {
            stopAll(pids);
            script.destroyForcibly();
        }
    }

    /** The SIGTERM tests need Linux's /proc, kill and env's --default-signal. */
    private static void assumeSigtermTools() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux's /proc");
        for (String tool : new String[] {"/usr/bin/env", "/bin/kill"}) {
            assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool);
        }
        assumeTrue(new ProcessBuilder("/usr/bin/env", "--default-signal=TERM", "true").start()
                .waitFor() == 0, "needs env --default-signal");
    }

    /**
     * A process started after the script got SIGTERM, while it stops what it runs (a fork that a
     * JMH parent launches just then, a child of Maven), is stopped too: the script listed what
     * to stop once, at the signal, and left anything started later running on.
     */
    @Test
    void whatStartsWhileTheScriptStopsIsStoppedToo(@TempDir Path dir) throws Exception {
        // on SIGTERM the stand-in starts a child and waits for it (until the SIGKILL 5 s later)
        String out = stopWithLateChild(dir, "sleep 60 & echo $! >> \"LATE\"; wait $!");
        assertTrue(out.contains("what started since:"), "not named: " + out);
    }

    /**
     * A process that one the script started leaves to init (its parent exits at once) is
     * stopped too: it is no longer a descendant of the script when the script looks again.
     */
    @Test
    void anOrphanOfWhatTheScriptStartedIsStoppedToo(@TempDir Path dir) throws Exception {
        stopWithLateChild(dir, "( sleep 60 & echo $! >> \"LATE\" ); exit 0");
    }

    /**
     * Runs {@code quick} with a stand-in JMH run whose SIGTERM trap is {@code trap} (which
     * appends the PID of the child it starts to the file {@code LATE}), sends SIGTERM to the
     * script alone, and checks that the script ends by that signal and the child has gone 5 s
     * later. The stand-in writes its PID once the trap is set, so the signal comes after.
     *
     * @return the script's output
     */
    private static String stopWithLateChild(Path dir, String trap) throws Exception {
        assumeSigtermTools();
        Path pids = dir.resolve("pids");
        Path late = dir.resolve("late");
        Path out = dir.resolve("out.txt");
        Path jdk = standInJdk(dir.resolve("jdk25"),
                "case \" $* \" in *' -rff '*) ;;",
                "  *) echo 'openjdk version \"25\"' >&2; exit 0 ;;",
                "esac",
                "trap '" + trap.replace("LATE", late.toString()) + "' TERM",
                "sleep 60 &",
                "echo $$ >> '" + pids + "'",
                "echo $! >> '" + pids + "'",
                "wait $!");
        emptyBuild(dir);
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/env", "--default-signal=INT,TERM,PIPE",
                "/bin/bash", "bench/run.sh", "quick");
        quickFmaPeakOnly(pb.environment(), dir);
        pb.environment().put("JDK25_HOME", jdk.toString());
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        Process script = pb.start();
        try {
            awaitPid(pids, script, out);
            Process kill = new ProcessBuilder("/bin/kill", "-TERM", Long.toString(script.pid()))
                    .redirectErrorStream(true).start();
            assertEquals(0, kill.waitFor(), new String(kill.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
            assertTrue(script.waitFor(30, TimeUnit.SECONDS),
                    "the script still runs 30 s after SIGTERM: " + read(out));
            assertEquals(128 + 15, script.exitValue(), read(out));
            assertFalse(read(late).isBlank(), "the stand-in started no child: " + read(out));
            long child = Long.parseLong(read(late).lines().findFirst().orElseThrow().trim());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (running(child) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertFalse(running(child), "the stand-in's child still runs after the script: "
                    + read(out));
            return read(out);
        } finally {
            stopAll(pids);
            stopAll(late);
            script.destroyForcibly();
        }
    }

    /** Whether process {@code pid} runs: it exists and is not a zombie. */
    private static boolean running(long pid) throws Exception {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        String s;
        try {
            s = Files.readString(stat);
        } catch (java.io.IOException e) {
            return false; // gone
        }
        return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
    }

    private static String output(Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        return (Files.exists(out) ? Files.readString(out) : "")
                + Files.readString(dir.resolve("setsid.txt"));
    }
}
