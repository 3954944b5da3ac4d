package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class of the test class path in a JVM of its own, for what one JVM can only see once: a
 * class initialisation that fails, a JVM flag, a warning logged once per JVM.
 */
public final class ChildJvm {
    /** The exit status and the merged standard output and error. */
    public record Result(int status, String output) {}

    private ChildJvm() {}

    /** Runs {@code main} with {@code jvmOptions} and {@code args}; waits up to two minutes. */
    public static Result run(List<String> jvmOptions, Class<?> main, String... args)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), output);
        return new Result(p.exitValue(), output);
    }
}
