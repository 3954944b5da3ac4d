package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image too tall for the resizing's intermediate image (the model's resolution wide, the
 * image's height tall, past {@link ImageDecoder#MAX_PIXELS}) is refused by every public method
 * of {@link Classifier} that resizes, and each one's Javadoc says so: they threw
 * {@link IllegalArgumentException} without a {@code @throws} for it.
 */
class ClassifierImageSizeTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 224, 7, Padding.TF_SAME);
    private static final String MESSAGE = "resizing 1x1000000 to 224x224: the intermediate"
            + " 224x1000000 image has more than the 178,956,970 pixels accepted";

    @Test
    void everyResizingMethodRefusesAndDocumentsATooTallImage(@TempDir Path dir)
            throws IOException {
        RgbImage tall = new RgbImage(1, 1_000_000, new byte[3_000_000]);
        BufferedImage tallBuffered = new BufferedImage(1, 1_000_000,
                BufferedImage.TYPE_BYTE_GRAY);
        Path file = dir.resolve("tall.png");
        assertTrue(ImageIO.write(tallBuffered, "png", file.toFile()));
        MobileNetV2 network = MobileNetV2.create(CFG, Weights.random(CFG, 3));
        Map<String, Executable> calls = new LinkedHashMap<>();
        try (Classifier c = new Classifier(network, InputNormalization.minusOneToOne(),
                Labels.none())) {
            calls.put("classify(Path file)", () -> c.classify(file));
            calls.put("classify(BufferedImage image)", () -> c.classify(tallBuffered));
            calls.put("classify(RgbImage image)", () -> c.classify(tall));
            calls.put("preprocess(RgbImage image)", () -> c.preprocess(tall));
            calls.put("features(Path file)", () -> c.features(file));
            calls.put("features(BufferedImage image)", () -> c.features(tallBuffered));
            calls.put("features(RgbImage image)", () -> c.features(tall));
            String source = Files.readString(
                    Path.of("src/main/java/dev/mobilenetsimd/image/Classifier.java"));
            for (Map.Entry<String, Executable> call : calls.entrySet()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        call.getValue(), call.getKey());
                assertEquals(MESSAGE, e.getMessage(), call.getKey());
                String doc = javadocOf(source, call.getKey());
                assertTrue(doc.contains("@throws IllegalArgumentException")
                        && doc.contains("{@link ImageDecoder#MAX_PIXELS} pixels"),
                        call.getKey() + "'s Javadoc does not document the refusal:\n" + doc);
            }
        }
    }

    /** The Javadoc comment just before the public method {@code signature} in {@code source}. */
    private static String javadocOf(String source, String signature) {
        Matcher m = Pattern.compile("/\\*\\*((?:(?!\\*/).)*)\\*/\\s*public [\\w\\[\\]]+ "
                + Pattern.quote(signature), Pattern.DOTALL).matcher(source);
        assertTrue(m.find(), "no public method " + signature + " with a Javadoc comment");
        String doc = m.group(1);
        return doc.substring(doc.lastIndexOf("/**") + 1); // the last comment only
    }
}
