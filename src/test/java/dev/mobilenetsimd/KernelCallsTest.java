package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import org.junit.jupiter.api.Test;

/**
 * The {@code bench/run.sh kernel-calls} probe charges every multiply-add of an inference to some
 * layer, in both modes, and its timing wrapper leaves the logits bitwise alone: a kernel method
 * it failed to wrap would be missing from the sums, and one it wrapped wrongly would change them.
 */
class KernelCallsTest {
    @Test
    void everyMultiplyAddIsChargedAndTheLogitsAreUnchanged() {
        ModelConfig cfg = new ModelConfig(0.35, 96, 1001, Padding.TF_SAME);
        Weights weights = Weights.random(cfg, 7);
        KernelCalls.Timed timed = new KernelCalls.Timed(KernelSets.vector(), 1);
        MobileNetV2 fused = MobileNetV2.create(cfg, weights, timed, ExecutionMode.FUSED);
        MobileNetV2 layerwise = fused.withMode(ExecutionMode.LAYERWISE);
        MobileNetV2 plain = MobileNetV2.create(cfg, weights, KernelSets.vector(),
                ExecutionMode.FUSED);
        float[] image = NetworkTestSupport.randomImage(fused.inputLength(), 11);
        MobileNetV2[] models = {fused, layerwise};
        for (int mode = 0; mode < 2; mode++) {
            float[] expected;
            try (Session s = plain.withMode(models[mode].plan().mode()).newSession()) {
                expected = s.run(image);
            }
            try (Session s = models[mode].newSession()) {
                timed.start(mode, 0);
                float[] logits = s.run(image);
                timed.stop();
                assertEquals(fused.plan().totalMacs(), timed.totalMacs(mode),
                        models[mode].plan().mode() + ": multiply-adds charged");
                assertArrayEquals(expected, logits,
                        models[mode].plan().mode() + ": logits through the wrapper");
            }
        }
    }
}
