package dev.mobilenetsimd;

import static dev.mobilenetsimd.NetworkTestSupport.randomImage;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;

/** What a session holds once it is closed or dropped, as a library user meets it. */
class SessionLifecycleTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
    private static final MobileNetV2 MODEL = MobileNetV2.create(CFG, Weights.random(CFG, 3));

    /**
     * A closed session releases its arena even while the session object is still referenced
     * (a closed {@code Classifier} kept in a field, say): with workers, their pool kept the last
     * step's arena reachable.
     */
    @Test
    void aClosedSessionStillReferencedReleasesItsArena() throws InterruptedException {
        for (int threads : new int[] {1, 2, 3}) {
            Session s = MODEL.newSession(threads);
            s.run(randomImage(MODEL.inputLength(), 1));
            WeakReference<float[]> arena = new WeakReference<>(s.arena());
            s.close();
            awaitCollected(arena);
            assertTrue(arena.get() == null, threads + " threads: the closed session's arena is"
                    + " still reachable");
            Reference.reachabilityFence(s);
        }
    }

    /** Collects garbage until {@code ref} is cleared, for up to 10 s. */
    private static void awaitCollected(WeakReference<?> ref) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ref.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
        }
    }
}
