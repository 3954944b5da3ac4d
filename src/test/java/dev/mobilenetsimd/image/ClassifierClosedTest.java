package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A closed classifier says so before it looks at its argument, as its class comment promises:
 * a missing or damaged file was reported as {@link IOException}, and a bad image or byte array
 * as {@link IllegalArgumentException}, by a classifier that could not have run anyway.
 */
class ClassifierClosedTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 32, 7, Padding.TF_SAME);

    @Test
    void everyInferenceMethodFailsAsClosedFirst(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing.png");
        Path damaged = Files.write(dir.resolve("damaged.png"), new byte[] {(byte) 0x89, 'P'});
        RgbImage tall = new RgbImage(1, 10_000_000, new byte[30_000_000]); // intermediate too big
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        MobileNetV2 network = MobileNetV2.create(CFG, Weights.random(CFG, 3));
        Classifier c = new Classifier(network, InputNormalization.minusOneToOne(), Labels.none());
        c.close();
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("classify(missing file)", () -> c.classify(missing));
        calls.put("classify(damaged file)", () -> c.classify(damaged));
        calls.put("features(missing file)", () -> c.features(missing));
        calls.put("features(damaged file)", () -> c.features(damaged));
        calls.put("classify(BufferedImage)", () -> c.classify(image));
        calls.put("features(BufferedImage)", () -> c.features(image));
        calls.put("classify(too tall RgbImage)", () -> c.classify(tall));
        calls.put("features(too tall RgbImage)", () -> c.features(tall));
        calls.put("classifyPreprocessed(5 bytes)", () -> c.classifyPreprocessed(new byte[5]));
        calls.put("featuresPreprocessed(5 bytes)", () -> c.featuresPreprocessed(new byte[5]));
        for (Map.Entry<String, Executable> call : calls.entrySet()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    call.getValue(), call.getKey());
            assertEquals("classifier is closed", e.getMessage(), call.getKey());
        }
        // preprocess runs no network: still a plain resize
        assertEquals(32, c.preprocess(new RgbImage(40, 30, new byte[40 * 30 * 3])).width());
    }
}
