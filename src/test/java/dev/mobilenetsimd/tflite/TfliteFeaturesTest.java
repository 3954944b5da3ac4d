package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.image.Classification;
import dev.mobilenetsimd.image.Classifier;
import dev.mobilenetsimd.image.ImageDecoder;
import dev.mobilenetsimd.plan.Layer;
import dev.mobilenetsimd.testdata.RealData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Classifier#features}: the embedding of a real photo through the real model. The
 * classifier layer applied to it (in double, here) gives back what {@link Classifier#classify}
 * reports, so the features are the image's, preprocessed the same way.
 */
class TfliteFeaturesTest {
    @Test
    void theClassifierLayerOnThePhotosFeaturesGivesItsClassification() throws Exception {
        TfliteModel model = TfliteModel.load(RealData.model(RealData.TF1_QUANT));
        List<Layer> layers = model.weights().layers();
        Layer dense = layers.get(layers.size() - 1);
        float[] w = model.weights().kernel(dense.index()); // [features][classes]
        float[] b = model.weights().bias(dense.index());
        int classes = model.config().classes();
        try (Classifier c = model.classifier()) {
            for (String photo : new String[] {"cat.bmp", "parrot.jpg"}) {
                Path file = RealData.file(photo);
                float[] features = c.features(file);
                assertEquals(1280, features.length);
                Classification expected = c.classify(file);
                double[] logits = new double[classes];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < classes; j++) {
                    double sum = b[j];
                    for (int i = 0; i < features.length; i++) {
                        sum += (double) features[i] * w[i * classes + j];
                    }
                    logits[j] = sum;
                    max = Math.max(max, sum);
                }
                double total = 0;
                for (double l : logits) {
                    total += Math.exp(l - max);
                }
                int best = 0;
                for (int j = 1; j < classes; j++) {
                    best = logits[j] > logits[best] ? j : best;
                }
                assertEquals(expected.top().get(0).index(), best, photo);
                for (int j = 0; j < classes; j++) {
                    assertEquals(expected.probabilities()[j], Math.exp(logits[j] - max) / total,
                            1e-5, photo + " class " + j);
                }
                assertArrayEquals(features, c.features(ImageDecoder.read(file)), photo);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.featuresPreprocessed(new byte[3]));
            assertTrue(e.getMessage().contains("must have 150528 bytes (224x224x3), got 3"),
                    e.getMessage());
        }
    }
}
