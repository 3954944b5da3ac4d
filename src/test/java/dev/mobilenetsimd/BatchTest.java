package dev.mobilenetsimd;

import static dev.mobilenetsimd.NetworkTestSupport.randomImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Step;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Batches run in groups, late steps across the group: each image's logits as if run alone. */
class BatchTest {
    private static final ModelConfig SMALL = new ModelConfig(0.35, 96, 10, Padding.TF_SAME);

    @ParameterizedTest(name = "{0} {1}, {2} threads")
    @CsvSource({"vector,FUSED,1", "vector,LAYERWISE,1", "scalar,FUSED,1", "vector,FUSED,2"})
    void aBatchGivesEachImageItsOwnLogitsBitForBit(String backend, ExecutionMode mode,
                                                    int threads) {
        MobileNetV2 model = MobileNetV2.create(SMALL, Weights.random(SMALL, 9),
                KernelSets.byName(backend), mode);
        ExecutionPlan plan = model.plan();
        int split = plan.batchSplitStep();
        assertTrue(split > 0 && split < plan.steps().size(),
                "both phases run: image by image before step " + split);
        int n = model.inputLength(), k = model.classes();
        int count = 11; // a group of 8, then a partial one
        assertEquals(8, plan.batchGroup());
        float[][] images = new float[count][];
        float[][] expected = new float[count][];
        try (Session alone = model.newSession()) {
            for (int i = 0; i < count; i++) {
                images[i] = randomImage(n, 100 + i);
                expected[i] = alone.run(images[i]);
            }
        }
        try (Session s = model.newSession(threads)) {
            float[] flat = new float[5 + count * n];
            for (int i = 0; i < count; i++) {
                System.arraycopy(images[i], 0, flat, 5 + i * n, n);
            }
            float[] logits = new float[3 + count * k + 2];
            Arrays.fill(logits, Float.NaN);
            s.runBatch(flat, 5, count, logits, 3);
            for (int i = 0; i < count; i++) {
                assertArrayEquals(expected[i], Arrays.copyOfRange(logits, 3 + i * k, 3 + i * k + k),
                        "image " + i);
            }
            assertTrue(Float.isNaN(logits[2]) && Float.isNaN(logits[3 + count * k]),
                    "nothing written outside the logits asked for");

            float[][] batch = s.runBatch(new float[][] {images[4], images[0], images[7]});
            assertArrayEquals(expected[4], batch[0], "a smaller batch in the kept arenas");
            assertArrayEquals(expected[0], batch[1]);
            assertArrayEquals(expected[7], batch[2]);
            assertArrayEquals(expected[2], s.run(images[2]), "run after runBatch");

            float[] untouched = logits.clone();
            s.runBatch(flat, 0, 0, logits, logits.length);
            assertArrayEquals(untouched, logits, "an empty batch writes nothing");
        }
    }

    @Test
    void theSplitIsTheFirstStepWhoseWeightsOutweighItsActivations() {
        ExecutionPlan plan = ExecutionPlan.build(ModelConfig.standard());
        // step 7 (28x28x32 -> 14x14x64): 20,608 parameters against 25,088 + 12,544 floats;
        // step 8 (14x14x64 -> 14x14x64): 53,440 against 12,544 + 12,544
        assertEquals(8, plan.batchSplitStep());
        for (Step s : plan.steps()) {
            long activations = (long) s.inHeight() * s.inWidth() * s.inChannels()
                    + (long) s.outHeight() * s.outWidth() * s.outChannels();
            if (s.index() < plan.batchSplitStep()) {
                assertTrue(s.params() <= activations, s.toString());
            }
        }
        assertTrue(plan.toString().contains("steps 0-7 image by image"), plan.toString());
    }

    @Test
    void aGroupSetsAsideTheLargestLateTensorPerImage() {
        ExecutionPlan plan = ExecutionPlan.build(ModelConfig.standard());
        // from step 8 on, the largest tensor is the last 1x1 convolution's output, 7x7x1280
        assertEquals(7 * 7 * 1280, plan.batchCarryFloats());
        assertEquals(8, plan.batchGroup());
        // at 2048 pixels only the classifier's weights outweigh its activations
        ExecutionPlan big = ExecutionPlan.build(new ModelConfig(1.0, 2048, 1001, Padding.TF_SAME));
        assertEquals(big.steps().size() - 1, big.batchSplitStep());
        assertEquals(1280, big.batchCarryFloats());
    }

    @Test
    void badBatchArgumentsAreRejectedClearly() {
        MobileNetV2 model = MobileNetV2.create(SMALL, Weights.random(SMALL, 9));
        int n = model.inputLength(), k = model.classes();
        Session s = model.newSession();
        float[] images = new float[2 * n];
        float[] logits = new float[2 * k];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.runBatch(images, 0, -1, logits, 0));
        assertTrue(e.getMessage().contains("count"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.runBatch(images, 1, 2, logits, 0));
        assertTrue(e.getMessage().contains("96x96x3 each"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> s.runBatch(images, 0, 2, logits, 1));
        assertTrue(e.getMessage().contains("logits need " + 2 * k), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> s.runBatch(images, 0, Integer.MAX_VALUE, logits, 0));
        // Images and logits overlapping in one array: logits overwrote images not yet read.
        float[] shared = new float[3 * n + 2 * k];
        e = assertThrows(IllegalArgumentException.class,
                () -> s.runBatch(shared, 0, 2, shared, 2 * n - 1));
        assertTrue(e.getMessage().contains("overlap the images [0, " + 2 * n + ")"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.runBatch(shared, k, 2, shared, 0));
        s.runBatch(shared, 0, 2, shared, 2 * n); // side by side in one array is fine
        s.runBatch(shared, 0, 0, shared, 0); // as is no image at all
        assertThrows(NullPointerException.class, () -> s.runBatch(null, 0, 1, logits, 0));
        assertThrows(NullPointerException.class, () -> s.runBatch(images, 0, 1, null, 0));
        s.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> s.runBatch(images, 0, 1, logits, 0));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }
}
