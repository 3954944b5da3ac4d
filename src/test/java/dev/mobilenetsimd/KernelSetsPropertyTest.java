package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bad kernel system property, seen by a library user: every call to {@link KernelSets} fails
 * with the same {@link IllegalArgumentException} naming it. The first call used to throw an
 * ExceptionInInitializerError and every later one a bare NoClassDefFoundError. (Not among the
 * kernel tests: those also run on emulated aarch64, where a test cannot start a JVM.)
 */
class KernelSetsPropertyTest {
    /** Calls each way into the kernels twice and prints what each threw (run in its own JVM). */
    public static void main(String[] args) {
        for (int round = 0; round < 2; round++) {
            for (String name : new String[] {"auto", "vector"}) {
                try {
                    System.out.println(name + ": " + KernelSets.byName(name).name());
                } catch (Throwable t) {
                    System.out.println(name + ": " + t.getClass().getSimpleName() + ": "
                            + t.getMessage());
                }
            }
        }
    }

    @Test
    void everyCallNamesTheBadProperty() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        for (String property : new String[] {"-Dmobilenet.vectorBits=64",
                "-Dmobilenet.relu6=max"}) {
            Process p = new ProcessBuilder(java.toString(), "--add-modules",
                    "jdk.incubator.vector", property, "-cp", System.getProperty("java.class.path"),
                    KernelSetsPropertyTest.class.getName()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), output);
            assertEquals(0, p.exitValue(), output);
            String[] lines = output.lines().filter(l -> l.startsWith("auto: ")
                    || l.startsWith("vector: ")).toArray(String[]::new);
            assertEquals(4, lines.length, output);
            for (String line : lines) {
                assertTrue(line.matches("(auto|vector): IllegalArgumentException: "
                        + property.replace(".", "\\.") + " is not supported: expected.*"), line);
            }
        }
    }
}
