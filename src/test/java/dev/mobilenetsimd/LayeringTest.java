package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The kernel layer is a leaf: nothing under {@code kernels/} may use the model packages. (The build
 * also compiles {@code kernels/} first and alone, which fails on such an import in a clean build.)
 */
class LayeringTest {
    // '*' too: an on-demand import (dev.mobilenetsimd.*) passed, and an incremental build
    // compiles it against the model classes already in target/classes.
    private static final Pattern PROJECT_REFERENCE =
            Pattern.compile("\\bdev\\.mobilenetsimd\\.(?!kernels\\b)[a-zA-Z_.*]+");

    @Test
    void kernelsImportNothingOfTheModel() throws IOException {
        Path root = Path.of("kernels");
        assertTrue(Files.isDirectory(root), "run from the project root");
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.filter(f -> f.toString().endsWith(".java"))
                    ::iterator) {
                files++;
                Matcher m = PROJECT_REFERENCE.matcher(Files.readString(p));
                while (m.find()) {
                    violations.add(p + ": " + m.group());
                }
            }
        }
        assertTrue(files > 5, "found the kernel sources");
        assertTrue(violations.isEmpty(), "kernels/ must not use the model: " + violations);
    }
}
