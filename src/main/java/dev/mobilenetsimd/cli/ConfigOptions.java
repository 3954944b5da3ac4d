package dev.mobilenetsimd.cli;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import picocli.CommandLine.Option;

/**
 * The options that pick a member of the MobileNetV2 family, shared by {@code plan}, {@code run}
 * and {@code export-onnx}.
 */
final class ConfigOptions {
    @Option(names = {"-a", "--alpha"}, defaultValue = "1.0", paramLabel = "ALPHA",
            description = "Width multiplier, 0 < ALPHA <= 4 (published: 0.35, 0.5, 0.75, 1.0,"
                    + " 1.3, 1.4). Default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = {"-r", "--resolution"}, defaultValue = "224", paramLabel = "PIXELS",
            description = "Input height and width, " + ModelConfig.MIN_RESOLUTION + " to "
                    + ModelConfig.MAX_RESOLUTION + " (published: 96, 128, 160, 192, 224)."
                    + " Default: ${DEFAULT-VALUE}.")
    int resolution;

    @Option(names = {"-k", "--classes"}, defaultValue = "1001", paramLabel = "K",
            description = "The model's classes (classifier outputs), 1 to "
                    + ModelConfig.MAX_CLASSES + "; not the classes printed, as classify's -k"
                    + " (top-k) is. Default: ${DEFAULT-VALUE}.")
    int classes;

    @Option(names = {"-p", "--padding"}, defaultValue = "tf", paramLabel = "tf|symmetric",
            description = "Border convention of the 3x3 layers: tf (TensorFlow SAME) or"
                    + " symmetric (PyTorch). Default: ${DEFAULT-VALUE}.")
    String padding;

    ModelConfig toConfig() {
        return new ModelConfig(alpha, resolution, classes, Padding.parse(padding));
    }
}
