package dev.mobilenetsimd;

import static dev.mobilenetsimd.NetworkTestSupport.randomImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Step;
import dev.mobilenetsimd.runtime.IntraOpPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Intra-op parallelism: any thread count gives bitwise the logits of one thread. */
class ParallelInferenceTest {

    @ParameterizedTest(name = "{0}/{1} {2} {3} {4}")
    @CsvSource({
            "1.0,224,TF_SAME,vector,FUSED", "0.35,96,SYMMETRIC,vector,FUSED",
            "0.5,129,TF_SAME,vector,FUSED",
            "1.4,33,SYMMETRIC,vector,FUSED", "0.75,64,TF_SAME,scalar,FUSED",
            "0.5,96,TF_SAME,vector,LAYERWISE", "1.0,67,SYMMETRIC,vector,LAYERWISE",
            "0.35,45,TF_SAME,scalar,LAYERWISE"})
    void anyThreadCountGivesBitwiseTheSameLogits(double alpha, int res, Padding padding,
                                                 String backend, ExecutionMode mode) {
        ModelConfig cfg = new ModelConfig(alpha, res, 1001, padding);
        MobileNetV2 model =
                MobileNetV2.create(cfg, Weights.random(cfg, 17), KernelSets.byName(backend), mode);
        float[][] images =
                {randomImage(model.inputLength(), 1), randomImage(model.inputLength(), 2)};
        float[][] expected;
        try (Session one = model.newSession()) {
            expected = one.runBatch(images);
        }
        for (int threads : new int[] {2, 3, 5}) {
            try (Session many = model.newSession(threads)) {
                assertEquals(threads, many.threads());
                for (int repeat = 0; repeat < 3; repeat++) {
                    float[][] got = many.runBatch(images);
                    for (int i = 0; i < images.length; i++) {
                        assertArrayEquals(expected[i], got[i], threads + " threads, image " + i);
                    }
                }
            }
        }
    }

    /**
     * The cases above include plans whose threads split the 7x7 (or smaller) blocks and the last
     * 1x1 convolution by channels, fused and layer by layer, for both backends: this keeps them
     * there.
     */
    @Test
    void theCasesAboveSplitSomeStepsByChannels() {
        for (String variant : new String[] {"1.0,224,TF_SAME", "0.75,64,TF_SAME",
            "0.35,96,SYMMETRIC"}) {
            assertSplitsChannels(variant, ExecutionMode.FUSED, Step.Kind.BOTTLENECK);
            assertSplitsChannels(variant, ExecutionMode.FUSED, Step.Kind.CONV1X1);
        }
        for (String variant : new String[] {"0.5,96,TF_SAME", "1.0,67,SYMMETRIC",
            "0.35,45,TF_SAME"}) {
            assertSplitsChannels(variant, ExecutionMode.LAYERWISE, Step.Kind.BOTTLENECK);
        }
    }

    /** {@code variant} is "alpha,resolution,padding", as in the cases above. */
    private static void assertSplitsChannels(String variant, ExecutionMode mode, Step.Kind kind) {
        String[] v = variant.split(",");
        ModelConfig cfg = new ModelConfig(Double.parseDouble(v[0]), Integer.parseInt(v[1]), 1001,
                Padding.valueOf(v[2]));
        ExecutionPlan plan = ExecutionPlan.build(cfg, mode);
        assertTrue(plan.steps().stream().anyMatch(s -> s.splitsChannels() && s.kind() == kind),
                variant + " " + mode + ": no " + kind + " step split by channels");
    }

    @Test
    void sessionsWithTeamsShareOneModel() throws Exception {
        ModelConfig cfg = new ModelConfig(0.35, 96, 10, Padding.TF_SAME);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 3));
        float[] image = randomImage(model.inputLength(), 9);
        float[] expected;
        try (Session s = model.newSession()) {
            expected = s.run(image);
        }
        Thread[] threads = new Thread[3];
        Throwable[] failures = new Throwable[threads.length];
        for (int t = 0; t < threads.length; t++) {
            int index = t;
            threads[t] = new Thread(() -> {
                try (Session s = model.newSession(2)) {
                    for (int n = 0; n < 30; n++) {
                        assertArrayEquals(expected, s.run(image));
                    }
                } catch (Throwable e) {
                    failures[index] = e;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join(120_000);
            // a thread still running has not recorded a failure yet: not a pass
            assertFalse(t.isAlive(), t.getName() + " still running after 120 s");
        }
        for (Throwable f : failures) {
            if (f != null) {
                throw new AssertionError(f);
            }
        }
    }

    @Test
    void badThreadCountsAndClosedSessions() {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 3));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> model.newSession(0));
        assertTrue(e.getMessage().contains("threads = 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.newSession(-2));
        assertThrows(IllegalArgumentException.class,
                () -> model.newSession(MobileNetV2.MAX_THREADS + 1));
        Session s = model.newSession(2);
        s.run(new float[model.inputLength()]);
        s.close();
        s.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> s.run(new float[model.inputLength()]));
    }

    @Test
    void closingASessionStopsItsWorkers() throws InterruptedException {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 3));
        long before = workers();
        Session s = model.newSession(3);
        s.run(new float[model.inputLength()]);
        assertEquals(before + 2, workers());
        s.close();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (workers() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before, workers(), "worker threads still alive after close");
    }

    private static long workers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(IntraOpPool.WORKER_NAME_PREFIX)
                        && t.isAlive())
                .count();
    }
}
