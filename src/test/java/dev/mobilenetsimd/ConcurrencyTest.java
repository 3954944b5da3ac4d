package dev.mobilenetsimd;

import static dev.mobilenetsimd.NetworkTestSupport.randomImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** One model shared by many threads, one session each: every result bitwise equal to the serial one. */
class ConcurrencyTest {
    @Test
    void eightThreadsShareOneModel() throws Exception {
        ModelConfig cfg = new ModelConfig(0.35, 96, 100, Padding.TF_SAME);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 99));
        int images = 4;
        float[][] inputs = new float[images][];
        float[][] expected = new float[images][];
        try (Session s = model.newSession()) {
            for (int i = 0; i < images; i++) {
                inputs[i] = randomImage(model.inputLength(), 1000 + i);
                expected[i] = s.run(inputs[i]);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    try (Session s = model.newSession()) {
                        for (int n = 0; n < 100; n++) {
                            int i = (thread + n) % images;
                            assertArrayEquals(expected[i], s.run(inputs[i]),
                                    "thread " + thread + " inference " + n);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * An inference does not wait on anything a caller's interrupt could break: an interrupted
     * caller, with workers or without, gets its logits and keeps its interrupt status.
     */
    @Test
    void anInterruptedCallerGetsItsLogitsAndKeepsTheInterrupt() {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 6));
        float[] image = randomImage(model.inputLength(), 7);
        float[] expected;
        try (Session s = model.newSession()) {
            expected = s.run(image);
        }
        for (int threads = 1; threads <= 3; threads++) {
            try (Session s = model.newSession(threads)) {
                Thread.currentThread().interrupt();
                float[] logits = s.run(image);
                assertTrue(Thread.interrupted(), threads + " threads: interrupt status lost");
                assertArrayEquals(expected, logits, threads + " threads");
            } finally {
                Thread.interrupted();
            }
        }
    }

    /**
     * A session is one thread's at a time: a call while another thread's inference runs on it
     * fails, and the running inference is unharmed. (The two shared the arena: both got wrong
     * logits without a word.) The first inference is held inside its pool step by a latch.
     */
    @Test
    void aSessionUsedByTwoThreadsAtOnceRefusesTheSecond() throws Exception {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
        Weights w = Weights.random(cfg, 5);
        KernelSet scalar = KernelSets.scalar();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean held = new AtomicBoolean();
        KernelSet holding = (KernelSet) Proxy.newProxyInstance(KernelSet.class.getClassLoader(),
                new Class<?>[] {KernelSet.class}, (proxy, m, args) -> {
                    if (m.getName().equals("globalAveragePool")
                            && held.compareAndSet(false, true)) {
                        inside.countDown();
                        release.await();
                    }
                    try {
                        return m.invoke(scalar, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        float[] image = randomImage(cfg.resolution() * cfg.resolution() * 3, 8);
        float[] expected;
        try (Session s = MobileNetV2.create(cfg, w, scalar, ExecutionMode.FUSED).newSession()) {
            expected = s.run(image);
        }
        MobileNetV2 model = MobileNetV2.create(cfg, w, holding, ExecutionMode.FUSED);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (Session s = model.newSession()) {
            Future<float[]> first = other.submit(() -> s.run(image));
            inside.await();
            for (Runnable call : List.<Runnable>of(() -> s.run(image),
                    () -> s.run(image, 0, new float[10], 0),
                    () -> s.runBatch(new float[][] {image, image}),
                    () -> s.runBatch(image, 0, 1, new float[10], 0))) {
                IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
                assertTrue(e.getMessage().contains("in use by another thread"), e.getMessage());
            }
            release.countDown();
            assertArrayEquals(expected, first.get(5, TimeUnit.MINUTES));
            assertArrayEquals(expected, s.run(image), "usable again once the first call is done");
        } finally {
            release.countDown();
            other.shutdownNow();
        }
    }
}
