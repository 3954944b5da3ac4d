package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSets;
import java.util.List;
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
        for (String property : new String[] {"-Dmobilenet.vectorBits=64",
                "-Dmobilenet.relu6=max"}) {
            ChildJvm.Result r = ChildJvm.run(List.of("--add-modules", "jdk.incubator.vector",
                    property), KernelSetsPropertyTest.class);
            assertEquals(0, r.status(), r.output());
            String[] lines = r.output().lines().filter(l -> l.startsWith("auto: ")
                    || l.startsWith("vector: ")).toArray(String[]::new);
            assertEquals(4, lines.length, r.output());
            for (String line : lines) {
                assertTrue(line.matches("(auto|vector): IllegalArgumentException: "
                        + property.replace(".", "\\.") + " is not supported: expected.*"), line);
            }
        }
    }
}
