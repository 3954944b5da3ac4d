package dev.mobilenetsimd;

import static dev.mobilenetsimd.NetworkTestSupport.assertLogitsAgree;
import static dev.mobilenetsimd.NetworkTestSupport.randomImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.ExecutionPlan;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The whole network: backends and execution modes agree; bad input is rejected. */
class NetworkTest {
    private static final KernelSet SCALAR = KernelSets.scalar();
    private static final KernelSet VECTOR = KernelSets.vector();

    private static float[] logits(ModelConfig cfg, KernelSet k, ExecutionMode mode, long seed) {
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, seed), k, mode);
        try (Session s = model.newSession()) {
            return s.run(randomImage(model.inputLength(), seed + 1));
        }
    }

    /**
     * With the scalar kernels fusion only changes the order of whole rows: bit-identical logits.
     */
    @ParameterizedTest(name = "{0}/{1} {2}")
    @CsvSource({"0.35,96,TF_SAME", "1.0,96,SYMMETRIC", "0.5,129,TF_SAME", "1.4,64,SYMMETRIC",
            "0.75,32,TF_SAME", "1.0,33,SYMMETRIC"})
    void scalarFusedEqualsScalarLayerwiseBitForBit(double alpha, int res, Padding padding) {
        ModelConfig cfg = new ModelConfig(alpha, res, 17, padding);
        float[] fused = logits(cfg, SCALAR, ExecutionMode.FUSED, 7);
        float[] layerwise = logits(cfg, SCALAR, ExecutionMode.LAYERWISE, 7);
        assertArrayEquals(layerwise, fused);
        for (float f : fused) {
            assertTrue(Float.isFinite(f));
        }
    }

    /** Fused, layer-by-layer and scalar networks agree (issue 4's matrix). */
    @ParameterizedTest(name = "{0}/{1} {2}")
    @CsvSource({
            "0.35,96,TF_SAME", "0.35,128,SYMMETRIC", "0.35,224,TF_SAME",
            "0.5,96,SYMMETRIC", "0.5,128,TF_SAME", "0.5,224,SYMMETRIC",
            "1.0,96,TF_SAME", "1.0,128,SYMMETRIC", "1.0,224,TF_SAME", "1.0,224,SYMMETRIC",
            "1.4,96,SYMMETRIC", "1.4,128,TF_SAME", "1.4,224,SYMMETRIC"})
    void vectorFusedAndLayerwiseAgreeWithScalar(double alpha, int res, Padding padding) {
        ModelConfig cfg = new ModelConfig(alpha, res, 1001, padding);
        float[] scalar = logits(cfg, SCALAR, ExecutionMode.LAYERWISE, 11);
        float[] fused = logits(cfg, VECTOR, ExecutionMode.FUSED, 11);
        float[] layerwise = logits(cfg, VECTOR, ExecutionMode.LAYERWISE, 11);
        String what = cfg + " on " + VECTOR.name();
        assertLogitsAgree(scalar, fused, what + " fused");
        assertLogitsAgree(scalar, layerwise, what + " layerwise");
    }

    /** Another mode on the same packed weights computes what a model built for it computes. */
    @Test
    void withModeSharesTheWeightsAndGivesThatModesLogits() {
        ModelConfig cfg = new ModelConfig(0.5, 96, 20, Padding.TF_SAME);
        Weights w = Weights.random(cfg, 21);
        MobileNetV2 fused = MobileNetV2.create(cfg, w, VECTOR, ExecutionMode.FUSED);
        MobileNetV2 layerwise = fused.withMode(ExecutionMode.LAYERWISE);
        assertEquals(ExecutionMode.LAYERWISE, layerwise.plan().mode());
        assertTrue(layerwise.network().sharesWeightsWith(fused.network()));
        assertSame(fused, fused.withMode(ExecutionMode.FUSED));
        MobileNetV2 built = MobileNetV2.create(cfg, w, VECTOR, ExecutionMode.LAYERWISE);
        assertFalse(built.network().sharesWeightsWith(fused.network()));
        float[] image = randomImage(fused.inputLength(), 22);
        try (Session a = layerwise.newSession(); Session b = built.newSession();
             Session c = fused.newSession()) {
            assertArrayEquals(b.run(image), a.run(image));
            assertLogitsAgree(a.run(image), c.run(image), "fused against layer by layer");
        }
        ExecutionPlan other = ExecutionPlan.build(new ModelConfig(0.5, 128, 20, Padding.TF_SAME));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fused.network().rebind(other));
        assertTrue(e.getMessage().contains("packed for"), e.getMessage());
    }

    @Test
    void deterministicForASeedAndDifferentForAnother() {
        ModelConfig cfg = new ModelConfig(0.5, 96, 100, Padding.TF_SAME);
        float[] a = logits(cfg, VECTOR, ExecutionMode.FUSED, 3);
        float[] b = logits(cfg, VECTOR, ExecutionMode.FUSED, 3);
        float[] c = logits(cfg, VECTOR, ExecutionMode.FUSED, 4);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void sessionReuseAndBatchGiveTheSameAnswers() {
        ModelConfig cfg = new ModelConfig(0.35, 96, 10, Padding.SYMMETRIC);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 5));
        float[] x1 = randomImage(model.inputLength(), 1);
        float[] x2 = randomImage(model.inputLength(), 2);
        try (Session s = model.newSession()) {
            float[] y1 = s.run(x1);
            float[] y2 = s.run(x2);
            float[][] batch = s.runBatch(new float[][] {x1, x2});
            assertArrayEquals(y1, batch[0]);
            assertArrayEquals(y2, batch[1]);
            assertArrayEquals(y1, s.run(x1), "a second run of the same image in a used arena");
            float[] buf = new float[3 + 2 * model.inputLength()];
            System.arraycopy(x2, 0, buf, 3 + model.inputLength(), model.inputLength());
            float[] out = new float[20];
            s.run(buf, 3 + model.inputLength(), out, 5);
            assertArrayEquals(y2, Arrays.copyOfRange(out, 5, 15));
        }
    }

    @Test
    void badInputIsRejectedClearly() {
        ModelConfig cfg = new ModelConfig(0.35, 64, 10, Padding.SYMMETRIC);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 5));
        Session s = model.newSession();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> s.run(new float[100]));
        assertTrue(e.getMessage().contains("64x64x3"), e.getMessage());
        assertThrows(NullPointerException.class, () -> s.run(null));
        assertThrows(IllegalArgumentException.class,
                () -> s.run(new float[model.inputLength()], 1, new float[10], 0));
        assertThrows(IllegalArgumentException.class,
                () -> s.run(new float[model.inputLength()], 0, new float[9], 0));
        assertThrows(IllegalArgumentException.class,
                () -> s.runBatch(new float[][] {new float[3]}));
        float[] ok = s.run(new float[model.inputLength()]);
        assertEquals(10, ok.length, "a failed call leaves the session usable");
        s.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> s.run(new float[model.inputLength()]));
        assertTrue(closed.getMessage().contains("closed"));

        ModelConfig other = new ModelConfig(0.5, 64, 10, Padding.SYMMETRIC);
        assertThrows(IllegalArgumentException.class,
                () -> MobileNetV2.create(cfg, Weights.random(other, 1)));
    }

    @Test
    void weightsRejectWrongShapesAndNonFiniteValues() {
        ModelConfig cfg = new ModelConfig(0.35, 64, 10, Padding.SYMMETRIC);
        Weights w = Weights.zeros(cfg);
        int stem = w.layer("stem").index();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> w.set(stem, new float[5], new float[16]));
        assertTrue(e.getMessage().contains("stem kernel"), e.getMessage());
        float[] k = new float[w.layer("stem").kernelLength()];
        k[3] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> w.set(stem, k, new float[16]));
        assertThrows(IllegalArgumentException.class, () -> w.layer("block99.expand"));
        assertThrows(IllegalArgumentException.class, () -> w.kernel(-1));
    }

    /**
     * A NaN or infinity written through the live arrays, which {@link Weights#set} never sees,
     * made a model whose every logit was NaN, and an ONNX file that no importer read back: both
     * now fail, naming the layer, the array and the index.
     */
    @Test
    void nonFiniteValuesInTheLiveArraysAreRejectedWhenUsed() {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.SYMMETRIC);
        Weights w = Weights.random(cfg, 1);
        w.checkFinite();
        int expand = w.layer("block2.expand").index();
        w.kernel(expand)[5] = Float.NaN;
        for (KernelSet k : new KernelSet[] {KernelSets.scalar(), KernelSets.best()}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MobileNetV2.create(cfg, w, k, ExecutionMode.FUSED));
            assertEquals("block2.expand kernel[5] = NaN: weights must be finite", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.mobilenetsimd.onnx.OnnxExporter.toBytes(w));
        assertEquals("block2.expand kernel[5] = NaN: weights must be finite", e.getMessage());
        w.kernel(expand)[5] = 0.5f;
        w.bias(w.layer("classifier").index())[3] = Float.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> MobileNetV2.create(cfg, w));
        assertEquals("classifier bias[3] = -Infinity: weights must be finite", e.getMessage());
    }

    @Test
    void batchNormFoldingMatchesTheUnfoldedFormula() {
        float[] kernel = {1f, 2f, -1f, 0.5f, 3f, -2f}; // 2 inputs x 3 outputs, output fastest
        float[] bias = {0.1f, 0.2f, 0.3f};
        float[] gamma = {2f, 0.5f, 1f}, beta = {1f, -1f, 0f}, mean = {0.5f, 0f, -1f},
                var = {4f, 1f, 0.25f};
        float eps = 1e-3f;
        float[] x = {0.7f, -1.3f};
        float[] expected = new float[3];
        for (int co = 0; co < 3; co++) {
            double conv = bias[co] + x[0] * kernel[co] + x[1] * kernel[3 + co];
            expected[co] =
                    (float) (gamma[co] * (conv - mean[co]) / Math.sqrt(var[co] + eps) + beta[co]);
        }
        float[] folded = kernel.clone();
        float[] newBias = BatchNorm.fold(folded, bias, gamma, beta, mean, var, eps);
        for (int co = 0; co < 3; co++) {
            float y = newBias[co] + x[0] * folded[co] + x[1] * folded[3 + co];
            assertEquals(expected[co], y, 1e-5);
        }
        assertThrows(IllegalArgumentException.class,
                () -> BatchNorm.fold(new float[5], null, gamma, beta, mean, var, eps));
    }
}
