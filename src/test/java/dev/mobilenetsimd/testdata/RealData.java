package dev.mobilenetsimd.testdata;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the third-party MobileNetV2 test data (models, photos, TensorFlow Lite reference
 * outputs), which is never copied into the repository. The folder is the environment variable
 * {@value #ENV} if set, else the system property {@value #DIR_PROPERTY} (the pom points it at
 * {@code ../shared/data/mobilenet_v2}). When it is missing, tests are skipped, or fail if the
 * system property {@value #REQUIRE_PROPERTY} is {@code "true"} (as on CI).
 */
public final class RealData {
    /** Environment variable overriding the data folder. */
    public static final String ENV = "MOBILENET_DATA_DIR";
    /** System property naming the data folder. */
    public static final String DIR_PROPERTY = "mobilenet.dataDir";
    /** System property that turns a missing folder into a failure. */
    public static final String REQUIRE_PROPERTY = "mobilenet.requireData";

    /** The primary model: TF1 quantization-aware MobileNetV2 1.0/224, uint8 per-tensor. */
    public static final String TF1_QUANT = "mobilenet_v2_1.0_224_quant";
    /** The TF2 post-training-quantized model, int8 per-channel weights. */
    public static final String TF2_PTQ = "tf2_mobilenet_v2_1.0_224_ptq";

    private RealData() {}

    /** The configured folder (which may not exist), or {@code null} when nothing is configured. */
    public static Path configuredDir() {
        String env = System.getenv(ENV);
        String dir = env != null && !env.isBlank() ? env : System.getProperty(DIR_PROPERTY);
        return dir == null || dir.isBlank() ? null : Path.of(dir);
    }

    /**
     * {@code name} inside the data folder; skips the test (or fails it when data is required) if
     * the file is not there.
     */
    public static Path file(String name) {
        Path dir = configuredDir();
        Path f = dir == null ? null : dir.resolve(name);
        if (f == null || !Files.isRegularFile(f)) {
            String msg = "real MobileNetV2 test data not found: "
                    + (f == null ? name : f.toAbsolutePath())
                    + ". Provide the folder (models, photos, reference/ from"
                    + " google-coral/test_data, see its " + "README.txt) with -D" + DIR_PROPERTY
                    + "=DIR or the environment variable " + ENV + "=DIR.";
            if (Boolean.parseBoolean(System.getProperty(REQUIRE_PROPERTY))) {
                fail(msg + " (" + REQUIRE_PROPERTY + "=true, so this is a failure)");
            }
            assumeTrue(false, msg);
        }
        return f;
    }

    /** The {@code .tflite} file of {@code model} (e.g. {@link #TF1_QUANT}). */
    public static Path model(String model) {
        return file(model + ".tflite");
    }
}
