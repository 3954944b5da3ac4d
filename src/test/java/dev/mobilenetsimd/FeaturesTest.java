package dev.mobilenetsimd;

import static dev.mobilenetsimd.NetworkTestSupport.randomImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.Layer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Session#features}: the pooled features an image embedding is made of. They must be what
 * the classifier takes: the logits recomputed from them with the classifier's weights (in double,
 * here) are the logits of {@link Session#run(float[])}.
 */
class FeaturesTest {
    @ParameterizedTest(name = "{0}/{1} {2} {3}, {4} thread(s)")
    @CsvSource({"0.35,96,vector,FUSED,1", "0.5,128,vector,LAYERWISE,2", "1.4,96,vector,FUSED,2",
            "0.35,96,scalar,FUSED,1", "1.0,128,vector,FUSED,1"})
    void theClassifierOfTheFeaturesGivesTheLogits(double alpha, int resolution, String backend,
                                                  ExecutionMode mode, int threads) {
        ModelConfig cfg = new ModelConfig(alpha, resolution, 1001, Padding.TF_SAME);
        Weights weights = Weights.random(cfg, 11);
        MobileNetV2 model = MobileNetV2.create(cfg, weights, KernelSets.byName(backend), mode);
        int expectedLength = alpha > 1 ? (int) (Math.round(1280 * alpha / 8) * 8) : 1280;
        assertEquals(expectedLength, model.featureLength());
        float[] image = randomImage(model.inputLength(), 12);
        try (Session s = model.newSession(threads)) {
            float[] features = s.features(image);
            float[] logits = s.run(image);
            assertEquals(model.featureLength(), features.length);
            for (float f : features) { // averages of ReLU6 outputs
                assertTrue(f >= 0 && f <= 6, "feature " + f + " outside [0, 6]");
            }
            List<Layer> layers = weights.layers();
            Layer dense = layers.get(layers.size() - 1);
            assertEquals(Layer.Kind.DENSE, dense.kind());
            float[] w = weights.kernel(dense.index()); // [features][classes]
            float[] b = weights.bias(dense.index());
            double worst = 0;
            for (int j = 0; j < model.classes(); j++) {
                double sum = b[j];
                for (int i = 0; i < features.length; i++) {
                    sum += (double) features[i] * w[i * model.classes() + j];
                }
                worst = Math.max(worst, Math.abs(sum - logits[j]));
            }
            assertTrue(worst < 1e-4, "logits from the features differ by up to " + worst);
            // the features of a call are those of the next: nothing of the last inference leaks in
            assertArrayEquals(features, s.features(image));
        }
    }

    @Test
    void featuresAreBitwiseTheSameOnAnyThreadCountAndAgreeAcrossBackendsAndModes() {
        ModelConfig cfg = new ModelConfig(0.5, 96, 10, Padding.SYMMETRIC);
        Weights weights = Weights.random(cfg, 3);
        float[] image = randomImage(cfg.resolution() * cfg.resolution() * 3, 4);
        MobileNetV2 fused = MobileNetV2.create(cfg, weights, KernelSets.best(),
                ExecutionMode.FUSED);
        float[] one;
        float[] two;
        try (Session s1 = fused.newSession(); Session s2 = fused.newSession(2)) {
            one = s1.features(image);
            two = s2.features(image);
        }
        assertArrayEquals(one, two, "1 and 2 threads");
        for (KernelSet k : new KernelSet[] {KernelSets.scalar(), KernelSets.best()}) {
            for (ExecutionMode mode : ExecutionMode.values()) {
                MobileNetV2 other = MobileNetV2.create(cfg, weights, k, mode);
                try (Session s = other.newSession()) {
                    float[] f = s.features(image);
                    for (int i = 0; i < f.length; i++) {
                        assertEquals(one[i], f[i], 1e-4 * Math.max(1, Math.abs(one[i])),
                                k.name() + " " + mode + " feature " + i);
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        ModelConfig cfg = new ModelConfig(0.35, 96, 5, Padding.SYMMETRIC);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 1));
        float[] image = new float[model.inputLength()];
        Session s = model.newSession();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.features(new float[7]));
        assertTrue(e.getMessage().contains("expected " + model.inputLength()), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> s.features(image, 0, new float[1280], 1));
        assertEquals("features need 1280 floats from offset 1, but the array has 1280",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> s.features(image, 1, new float[1280], 0));
        assertTrue(e.getMessage().startsWith("image needs " + model.inputLength()), e.getMessage());
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> s.features(image, 0, null, 0));
        assertEquals("features", npe.getMessage());
        float[] out = new float[1282];
        s.features(image, 0, out, 2); // an offset into a larger array
        assertEquals(0f, out[0]);
        assertEquals(0f, out[1]);
        s.close();
        assertThrows(IllegalStateException.class, () -> s.features(image));
    }
}
