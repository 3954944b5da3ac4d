package dev.mobilenetsimd;

import static dev.mobilenetsimd.NetworkTestSupport.randomImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.runtime.IntraOpPool;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
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

    /**
     * A session with workers dropped without {@code close()} stops them once it is collected
     * (its cleaner closes the pool): forgotten sessions do not pile up parked threads.
     */
    @Test
    void aDroppedSessionStopsItsWorkersOnceCollected() throws InterruptedException {
        Set<Thread> before = workerThreads();
        runAndDrop(3);
        Set<Thread> mine = workerThreads();
        mine.removeAll(before);
        assertEquals(2, mine.size(), mine.toString());
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (mine.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
        }
        assertTrue(mine.stream().noneMatch(Thread::isAlive),
                "workers of a dropped session still alive after 30 s of collections");
    }

    private static void runAndDrop(int threads) {
        MODEL.newSession(threads).run(randomImage(MODEL.inputLength(), 2));
    }

    private static Set<Thread> workerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(IntraOpPool.WORKER_NAME_PREFIX)
                        && t.isAlive())
                .collect(Collectors.toSet());
    }

    /** The workers are daemon threads: a session left open does not keep the JVM alive. */
    @Test
    void anOpenSessionDoesNotKeepTheJvmAlive() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("--add-modules", "jdk.incubator.vector"),
                SessionLifecycleTest.class);
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("main returns, the session open"), r.output());
    }

    /**
     * For {@link #anOpenSessionDoesNotKeepTheJvmAlive}: returns with a session's workers
     * running; a daemon watchdog ends the JVM with status 3 if they keep it alive.
     */
    public static void main(String[] args) {
        Session s = MODEL.newSession(3);
        s.run(randomImage(MODEL.inputLength(), 3));
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("still running 60 s after main returned");
            Runtime.getRuntime().halt(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        System.out.println("main returns, the session open");
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
