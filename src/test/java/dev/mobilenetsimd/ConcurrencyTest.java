package dev.mobilenetsimd;

import static dev.mobilenetsimd.NetworkTestSupport.randomImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.image.Classifier;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.Labels;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.runtime.IntraOpPool;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * One model shared by many threads, one session each: every result bitwise equal to the serial one.
 */
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
     * fails, with workers or without, and the running inference is unharmed. (The two shared the
     * arena: both got wrong logits without a word.) The first inference is held inside its pool
     * step, which runs on the calling thread, by a latch.
     */
    @Test
    void aSessionUsedByTwoThreadsAtOnceRefusesTheSecond() throws Exception {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
        Weights w = Weights.random(cfg, 5);
        KernelSet scalar = KernelSets.scalar();
        AtomicReference<CountDownLatch> inside = new AtomicReference<>();
        AtomicReference<CountDownLatch> release = new AtomicReference<>();
        KernelSet holding = before(scalar, m -> {
            CountDownLatch in = inside.get();
            if (m.getName().equals("globalAveragePool") && in != null
                    && inside.compareAndSet(in, null)) {
                in.countDown();
                release.get().await();
            }
        });
        float[] image = randomImage(cfg.resolution() * cfg.resolution() * 3, 8);
        float[] expected;
        try (Session s = MobileNetV2.create(cfg, w, scalar, ExecutionMode.FUSED).newSession()) {
            expected = s.run(image);
        }
        MobileNetV2 model = MobileNetV2.create(cfg, w, holding, ExecutionMode.FUSED);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            for (int threads = 1; threads <= 2; threads++) {
                try (Session s = model.newSession(threads)) {
                    CountDownLatch in = new CountDownLatch(1);
                    release.set(new CountDownLatch(1));
                    inside.set(in);
                    Future<float[]> first = other.submit(() -> s.run(image));
                    in.await();
                    int f = model.featureLength();
                    for (Runnable call : List.<Runnable>of(() -> s.run(image),
                            () -> s.run(image, 0, new float[10], 0),
                            () -> s.features(image), () -> s.features(image, 0, new float[f], 0),
                            () -> s.runBatch(new float[][] {image, image}),
                            () -> s.runBatch(image, 0, 1, new float[10], 0))) {
                        IllegalStateException e = assertThrows(IllegalStateException.class,
                                call::run, threads + " threads");
                        assertTrue(e.getMessage().contains("in use by another thread"),
                                e.getMessage());
                    }
                    release.get().countDown();
                    assertArrayEquals(expected, first.get(5, TimeUnit.MINUTES),
                            threads + " threads");
                    assertArrayEquals(expected, s.run(image),
                            threads + " threads: usable again once the first call is done");
                }
            }
        } finally {
            if (release.get() != null) {
                release.get().countDown();
            }
            other.shutdownNow();
        }
    }

    /**
     * A kernel that fails on a worker fails the inference on the calling thread, the worker's
     * throwable as the cause, and leaves the session usable: the next inference and batch give
     * the logits of a session that never failed.
     */
    @Test
    void aWorkersFailureReachesTheCallerAndTheSessionStaysUsable() {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
        Weights w = Weights.random(cfg, 13);
        KernelSet scalar = KernelSets.scalar();
        RuntimeException planted = new IllegalStateException("planted in a worker's kernel");
        AtomicBoolean armed = new AtomicBoolean();
        KernelSet failing = before(scalar, m -> {
            if (Thread.currentThread().getName().startsWith(IntraOpPool.WORKER_NAME_PREFIX)
                    && armed.compareAndSet(true, false)) {
                throw planted;
            }
        });
        float[] image = randomImage(cfg.resolution() * cfg.resolution() * 3, 14);
        float[] expected;
        try (Session s = MobileNetV2.create(cfg, w, scalar, ExecutionMode.FUSED).newSession()) {
            expected = s.run(image);
        }
        for (ExecutionMode mode : ExecutionMode.values()) {
            try (Session s = MobileNetV2.create(cfg, w, failing, mode).newSession(2)) {
                armed.set(true);
                RuntimeException e = assertThrows(RuntimeException.class, () -> s.run(image));
                assertSame(planted, e.getCause(), mode + ": " + e);
                assertFalse(armed.get(), mode + ": no worker ran a kernel");
                assertArrayEquals(expected, s.run(image), mode + ": the run after the failure");
                float[][] batch = s.runBatch(new float[][] {image, image, image});
                for (float[] logits : batch) {
                    assertArrayEquals(expected, logits, mode + ": the batch after the failure");
                }
            }
        }
    }

    /**
     * A {@link Classifier} is thread-safe, as its Javadoc says: threads sharing one (with
     * workers) each get the probabilities and features of a call alone, and none is refused
     * as "in use"; once closed, it fails with {@link IllegalStateException}.
     */
    @Test
    void aClassifierSharedByThreadsServesThemAll() throws Exception {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 11));
        byte[] rgb = new byte[model.inputLength()];
        new Random(12).nextBytes(rgb);
        Classifier c = new Classifier(model, InputNormalization.IMAGENET, Labels.none(), 3, 2);
        float[] probabilities = c.classifyPreprocessed(rgb).probabilities();
        float[] features = c.featuresPreprocessed(rgb);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    for (int n = 0; n < 20; n++) {
                        assertArrayEquals(probabilities,
                                c.classifyPreprocessed(rgb).probabilities());
                        assertArrayEquals(features, c.featuresPreprocessed(rgb));
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
        c.close();
        c.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> c.classifyPreprocessed(rgb));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    /**
     * A session closed while a batch runs on it (here from inside the first group's classifier,
     * standing for another thread's {@code close()}) fails the batch at the next group, as a
     * session with workers does. Without workers the batch went on to the end, and its next
     * group allocated the carry buffers again and left them in the closed session (up to
     * 64 MB, reachable for as long as the session is).
     */
    @Test
    void aSessionClosedDuringABatchFailsAtTheNextGroup() {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
        Weights w = Weights.random(cfg, 17);
        AtomicReference<Session> closeOnDense = new AtomicReference<>();
        KernelSet closing = before(KernelSets.scalar(), m -> {
            Session s = m.getName().equals("dense") ? closeOnDense.getAndSet(null) : null;
            if (s != null) {
                s.close();
            }
        });
        MobileNetV2 model = MobileNetV2.create(cfg, w, closing, ExecutionMode.FUSED);
        int group = model.plan().batchGroup();
        float[][] images = new float[2 * group][];
        for (int i = 0; i < images.length; i++) {
            images[i] = randomImage(model.inputLength(), 20 + i);
        }
        for (int threads = 1; threads <= 2; threads++) {
            Session s = model.newSession(threads);
            closeOnDense.set(s);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> s.runBatch(images), threads + " threads");
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            float[] flat = new float[images.length * model.inputLength()];
            assertThrows(IllegalStateException.class,
                    () -> s.runBatch(flat, 0, images.length, new float[images.length * 10], 0));
        }
    }

    /** What {@link #before} does first on each kernel call. */
    private interface BeforeCall {
        void call(Method kernel) throws Throwable;
    }

    /** {@code target}'s kernels, each call preceded by {@code first} (which may block or throw). */
    private static KernelSet before(KernelSet target, BeforeCall first) {
        return (KernelSet) Proxy.newProxyInstance(KernelSet.class.getClassLoader(),
                new Class<?>[] {KernelSet.class}, (proxy, m, args) -> {
                    first.call(m);
                    try {
                        return m.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
