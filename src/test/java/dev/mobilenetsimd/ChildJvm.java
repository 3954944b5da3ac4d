package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

    /** The exit status, the standard output and the standard error, apart. */
    public record Streams(int status, String out, String err) {}

    /** Runs {@code main} with {@code jvmOptions} and {@code args}; waits up to two minutes. */
    public static Result run(List<String> jvmOptions, Class<?> main, String... args)
            throws Exception {
        Process p = new ProcessBuilder(command(jvmOptions, main, args)).redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), output);
        return new Result(p.exitValue(), output);
    }

    /**
     * As {@link #run}, with the standard output apart from the error (for output that must
     * parse), both read as {@code charset}.
     */
    public static Streams runApart(List<String> jvmOptions, Charset charset, Class<?> main,
                                   String... args) throws Exception {
        Path err = Files.createTempFile("child-jvm", ".err");
        try {
            Process p = new ProcessBuilder(command(jvmOptions, main, args))
                    .redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), charset);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
            return new Streams(p.exitValue(), out, new String(Files.readAllBytes(err), charset));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static List<String> command(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(Arrays.asList(args));
        return command;
    }
}
