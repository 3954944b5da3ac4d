package dev.mobilenetsimd;

import static dev.mobilenetsimd.NetworkTestSupport.randomImage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
}
