package dev.mobilenetsimd.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The worker team: woken ahead of a step, closed by another thread mid-inference, a share that
 * fails, an interrupted worker.
 */
class IntraOpPoolTest {
    /**
     * A parked worker woken for a step that finds the pool closed used to exit without reporting
     * its share done, and the caller waited for it forever, spinning.
     */
    @Test
    void arenaSizeRefusesCountsOutOfRange() {
        // One thread has no worker copies; a count below it gave an arena smaller than the plan's.
        long one = IntraOpPool.arenaFloats(1, 1024, 64);
        assertTrue(one >= 1024 && one < 1024 + 64, "one thread: " + one);
        for (int threads : new int[] {0, -1, IntraOpPool.MAX_THREADS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IntraOpPool.arenaFloats(threads, 1024, 64), "threads " + threads);
            assertTrue(e.getMessage().contains("expected 1 to " + IntraOpPool.MAX_THREADS),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> IntraOpPool.arenaFloats(2, -1, 64));
        assertThrows(IllegalArgumentException.class, () -> IntraOpPool.arenaFloats(2, 1024, -1));
    }

    @Test
    void closingDuringAStepFailsItInsteadOfHanging() throws InterruptedException {
        for (int trial = 0; trial < 5; trial++) {
            IntraOpPool pool = new IntraOpPool(3, 16, 0, 16);
            Thread.sleep(50); // the workers park
            Op closesMidStep = step(3, (start, end) -> {
                if (start == 0) { // the caller's share, while the workers wake
                    pool.close();
                }
            });
            IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> assertThrows(IllegalStateException.class,
                            () -> pool.run(closesMidStep, new float[64])));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    /**
     * Woken ahead of a step ({@link IntraOpPool#wake}) or not, parked or spinning, the team
     * covers every unit once, with each worker's share run on that worker's thread; waking a
     * closed pool does nothing.
     */
    @Test
    void wokenOrNotTheTeamRunsEveryUnitOnce() throws InterruptedException {
        IntraOpPool pool = new IntraOpPool(3, 16, 0, 16);
        int units = 12;
        long[] runBy = new long[units];
        int[] counts = new int[units];
        Op recordsItsUnits = step(units, (start, end) -> {
            for (int u = start; u < end; u++) {
                runBy[u] = Thread.currentThread().getId();
                counts[u]++;
            }
        });
        long caller = Thread.currentThread().getId();
        for (int trial = 0; trial < 6; trial++) {
            if (trial % 3 == 0) {
                Thread.sleep(30); // the workers park
            }
            if (trial % 2 == 0) {
                pool.wake();
            }
            Arrays.fill(counts, 0);
            pool.run(recordsItsUnits, new float[64]);
            int[] once = new int[units];
            Arrays.fill(once, 1);
            assertArrayEquals(once, counts, "trial " + trial);
            assertEquals(caller, runBy[0], "the caller takes the first share");
            assertNotEquals(caller, runBy[units - 1], "a worker takes the last share");
        }
        pool.close();
        assertDoesNotThrow(pool::wake);
        assertThrows(IllegalStateException.class, () -> pool.run(recordsItsUnits, new float[64]));
    }

    /**
     * A share that throws, on a worker or on the caller, fails the step on the calling thread,
     * but only once every other share is done (none still writes the arena after {@code run}
     * returns); the team then runs the next step as usual. The other workers' shares end well
     * after the failing one has thrown, and the caller's own share at once, so a caller that
     * stopped waiting at the first failure would return before them.
     */
    @Test
    void aFailingShareFailsTheStepOnceTheOthersAreDone() {
        IntraOpPool pool = new IntraOpPool(3, 16, 0, 16);
        try {
            for (int failing = 0; failing < 3; failing++) {
                int f = failing;
                AtomicInteger done = new AtomicInteger();
                CountDownLatch thrown = new CountDownLatch(1);
                Op failsOneShare = step(3, (start, end) -> {
                    if (start == f) {
                        thrown.countDown();
                        throw new IllegalArgumentException("share " + f);
                    }
                    if (start != 0) { // a worker's: still running long after the failure
                        try {
                            thrown.await();
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                    done.incrementAndGet();
                });
                RuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                        () -> assertThrows(RuntimeException.class,
                                () -> pool.run(failsOneShare, new float[64])));
                Throwable failed = f == 0 ? e : e.getCause(); // a worker's comes wrapped
                assertTrue(failed instanceof IllegalArgumentException, String.valueOf(failed));
                assertEquals("share " + f, failed.getMessage());
                assertEquals(2, done.get(), "share " + f + " failed: run returned before the"
                        + " other shares were done");
                AtomicInteger units = new AtomicInteger();
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> pool.run(
                        step(6, (start, end) -> units.addAndGet(end - start)), new float[64]));
                assertEquals(6, units.get(), "the step after share " + f + " failed");
            }
        } finally {
            pool.close();
        }
    }

    /**
     * A worker's failure alone arrives wrapped in a throwable made on the calling thread, so that
     * the trace shows where the caller was as well as where the worker failed (the worker's own
     * throwable, rethrown as it was, showed the worker's stack only): a RuntimeException for a
     * RuntimeException, an Error for an Error, the worker's throwable untouched as the cause.
     */
    @Test
    void aWorkersFailureShowsTheCallersStack() {
        IntraOpPool pool = new IntraOpPool(3, 16, 0, 16);
        try {
            List<Throwable> thrown = List.of(new IllegalArgumentException("worker's"),
                    new AssertionError("worker's"));
            for (Throwable failure : thrown) {
                Op lastShareFails = step(3, (start, end) -> {
                    if (start == 2) {
                        throwUnchecked(failure);
                    }
                });
                Class<? extends Throwable> kind =
                        failure instanceof Error ? Error.class : RuntimeException.class;
                Throwable e = assertThrows(kind, () -> runFromTheCaller(pool, lastShareFails));
                assertSame(failure, e.getCause(), "the worker's failure, as the cause");
                assertTrue(calls(e, "runFromTheCaller"), "the caller's stack is missing");
                assertTrue(e.getMessage().startsWith(IntraOpPool.WORKER_NAME_PREFIX),
                        e.getMessage());
                assertFalse(calls(failure, "runFromTheCaller"));
                assertEquals(0, failure.getSuppressed().length, "the worker's throwable changed");
            }
        } finally {
            pool.close();
        }
    }

    /**
     * The caller's failure is thrown with every worker's attached as suppressed (it used to
     * hide them); with the workers' alone, the first is the cause and the others are
     * suppressed. A throwable thrown by several shares is attached once, never to itself, and
     * the next steps report nothing of these failures.
     */
    @Test
    void noFailureOfAStepIsDropped() {
        IntraOpPool pool = new IntraOpPool(4, 16, 0, 16);
        try {
            Throwable[] byShare = {new IllegalStateException("caller's"),
                    new IllegalArgumentException("worker 1's"), null,
                    new ArithmeticException("worker 3's")};
            Op failing = step(4, (start, end) -> {
                if (byShare[start] != null) {
                    throwUnchecked(byShare[start]);
                }
            });
            Throwable e = assertThrows(IllegalStateException.class,
                    () -> pool.run(failing, new float[64]));
            assertSame(byShare[0], e);
            assertEquals(List.of(byShare[1], byShare[3]), List.of(e.getSuppressed()));

            byShare[0] = null; // the workers' failures alone
            e = assertThrows(RuntimeException.class, () -> pool.run(failing, new float[64]));
            assertSame(byShare[1], e.getCause());
            assertEquals(List.of(byShare[3]), List.of(e.getSuppressed()));
            assertEquals(0, byShare[1].getSuppressed().length, "the worker's throwable changed");

            RuntimeException shared = new IllegalStateException("every share's");
            Op allFailAlike = step(4, (start, end) -> {
                throw shared;
            });
            e = assertThrows(IllegalStateException.class,
                    () -> pool.run(allFailAlike, new float[64]));
            assertSame(shared, e);
            assertEquals(0, shared.getSuppressed().length);

            AtomicInteger units = new AtomicInteger();
            pool.run(step(4, (start, end) -> units.addAndGet(end - start)), new float[64]);
            assertEquals(4, units.get());
            RuntimeException callers = new IllegalStateException("the caller's alone");
            e = assertThrows(IllegalStateException.class, () -> pool.run(step(4, (start, end) -> {
                if (start == 0) {
                    throw callers;
                }
            }), new float[64]));
            assertSame(callers, e);
            assertEquals(0, e.getSuppressed().length, "an earlier step's failures reported");
        } finally {
            pool.close();
        }
    }

    /**
     * A throwable the caller's share throws that a worker's share threw too (a shared instance,
     * as the JIT's preallocated ones) is not modified when another worker fails differently:
     * the other failure was attached to it as suppressed, so the worker's own throwable changed
     * (and a JVM-wide instance collected one more suppressed failure each such step).
     */
    @Test
    void aThrowableTheCallerSharesWithAWorkerIsNotModified() {
        IntraOpPool pool = new IntraOpPool(3, 16, 0, 16);
        try {
            RuntimeException shared = new IllegalStateException("the caller's and worker 1's");
            RuntimeException other = new IllegalArgumentException("worker 2's");
            Op failing = step(3, (start, end) -> {
                throw start == 2 ? other : shared;
            });
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> runFromTheCaller(pool, failing));
            assertEquals(0, shared.getSuppressed().length, "the shared throwable changed");
            assertSame(shared, e.getCause(), "the caller's failure, as the cause");
            assertEquals(List.of(other), List.of(e.getSuppressed()));
            assertTrue(calls(e, "runFromTheCaller"), "the caller's stack is missing");
        } finally {
            pool.close();
        }
        // The same in a step failed by a close: the workers are inside their shares when the
        // caller's closes the pool, then all throw.
        IntraOpPool closing = new IntraOpPool(3, 16, 0, 16);
        RuntimeException shared = new IllegalStateException("the caller's and worker 1's");
        RuntimeException other = new IllegalArgumentException("worker 2's");
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch closed = new CountDownLatch(1);
        Op closesThenFails = step(3, (start, end) -> {
            try {
                if (start == 0) {
                    started.await();
                    closing.close();
                    closed.countDown();
                } else {
                    started.countDown();
                    closed.await();
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            throw start == 2 ? other : shared;
        });
        IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(IllegalStateException.class,
                        () -> closing.run(closesThenFails, new float[64])));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertEquals(0, shared.getSuppressed().length, "the shared throwable changed");
        assertEquals(List.of(shared, other), List.of(e.getSuppressed()));
    }

    /**
     * A step's worker failures are its own even when reporting them fails: an OutOfMemoryError
     * while the caller wraps a worker's one (here, the worker's throwable failing to describe
     * itself) left them set, and the next step, which failed nowhere, threw them.
     */
    @Test
    void aFailedReportOfAFailureDoesNotFailTheNextStep() {
        IntraOpPool pool = new IntraOpPool(2, 16, 0, 16);
        try {
            RuntimeException reporting = new IllegalStateException("reporting failed");
            RuntimeException undescribable = new IllegalArgumentException() {
                @Override
                public String getMessage() {
                    throw reporting;
                }
            };
            Op workerFails = step(2, (start, end) -> {
                if (start == 1) {
                    throw undescribable;
                }
            });
            assertThrows(RuntimeException.class, () -> pool.run(workerFails, new float[64]));
            AtomicInteger units = new AtomicInteger();
            assertDoesNotThrow(() -> pool.run(step(2, (start, end) -> units.addAndGet(end - start)),
                    new float[64]), "a clean step threw the previous step's failure");
            assertEquals(2, units.get());
        } finally {
            pool.close();
        }
    }

    /**
     * A step failed by a close mid-step reports the close, and keeps the share's failure as
     * suppressed instead of dropping it.
     */
    @Test
    void aShareFailingAsThePoolClosesIsNotDropped() {
        IntraOpPool pool = new IntraOpPool(2, 16, 0, 16);
        RuntimeException callers = new IllegalArgumentException("the caller's");
        Op closesThenFails = step(2, (start, end) -> {
            if (start == 0) {
                pool.close();
                throw callers;
            }
        });
        IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(IllegalStateException.class,
                        () -> pool.run(closesThenFails, new float[64])));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertEquals(List.of(callers), List.of(e.getSuppressed()));
    }

    /** Runs the step from a frame of its own, to be found in the trace of what it throws. */
    private static void runFromTheCaller(IntraOpPool pool, Op op) {
        pool.run(op, new float[64]);
    }

    private static boolean calls(Throwable t, String method) {
        return Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().equals(method));
    }

    private static void throwUnchecked(Throwable t) {
        if (t instanceof Error) {
            throw (Error) t;
        }
        throw (RuntimeException) t;
    }

    /**
     * An interrupted worker (by {@code ThreadGroup.interrupt}, say) still takes its shares and
     * parks again when idle: its interrupt status made every later park return at once, and it
     * spun for good, a core busy for the life of the session.
     */
    @Test
    void anInterruptedWorkerParksAgain() throws InterruptedException {
        List<Thread> made = new ArrayList<>();
        IntraOpPool pool = new IntraOpPool(2, 16, 0, 16, (task, name) -> {
            Thread t = new Thread(task, name);
            made.add(t);
            return t;
        });
        try {
            Thread worker = made.get(0);
            assertTrue(staysParked(worker), "the idle worker never parked");
            worker.interrupt();
            int[] counts = new int[4];
            pool.run(step(counts.length, (start, end) -> {
                for (int u = start; u < end; u++) {
                    counts[u]++;
                }
            }), new float[64]);
            assertArrayEquals(new int[] {1, 1, 1, 1}, counts);
            assertTrue(staysParked(worker), "the interrupted worker spins instead of parking");
        } finally {
            pool.close();
        }
    }

    /**
     * Whether {@code t} is seen parked in 20 polls in a row within 10 s. A thread whose park
     * returns at once is in state WAITING for an instant only, never 20 polls running.
     */
    private static boolean staysParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int inARow = 0; inARow < 20; ) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            inARow = t.getState() == Thread.State.WAITING ? inARow + 1 : 0;
            Thread.sleep(5);
        }
        return true;
    }

    /**
     * When the JVM cannot start a worker (out of native threads), the constructor fails and the
     * workers it had already started stop; they used to stay parked for the life of the JVM,
     * since no one holds the pool to close it.
     */
    @Test
    void aWorkerThatCannotStartStopsTheOthers() throws InterruptedException {
        List<Thread> made = new ArrayList<>();
        BiFunction<Runnable, String, Thread> thirdFails = (task, name) -> {
            Thread t = made.size() < 2 ? new Thread(task, name) : new Thread(task, name) {
                @Override
                public void start() {
                    throw new OutOfMemoryError("unable to create native thread (simulated)");
                }
            };
            made.add(t);
            return t;
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new IntraOpPool(4, 16, 0, 16, thirdFails));
        assertTrue(e.getMessage().contains("could not start worker 3 of 3"), e.getMessage());
        assertTrue(e.getCause() instanceof OutOfMemoryError, String.valueOf(e.getCause()));
        assertEquals(3, made.size());
        for (Thread t : made.subList(0, 2)) {
            t.join(10_000);
            assertFalse(t.isAlive(), t.getName() + " still running after the failed start");
        }
    }

    /**
     * Each pool numbers its workers' names: every pool named them {@code mobilenet-simd-worker-1}
     * and on, so a thread dump of several sessions showed the same names over and over.
     */
    @Test
    void workerNamesDifferAcrossPools() {
        List<String> names = new ArrayList<>();
        BiFunction<Runnable, String, Thread> naming = (task, name) -> {
            names.add(name);
            return new Thread(task, name);
        };
        List<IntraOpPool> pools = List.of(new IntraOpPool(3, 16, 0, 16, naming),
                new IntraOpPool(3, 16, 0, 16, naming));
        pools.forEach(IntraOpPool::close);
        assertEquals(4, names.size());
        assertEquals(4, Set.copyOf(names).size(), "names repeat: " + names);
        Pattern named = Pattern.compile(Pattern.quote(IntraOpPool.WORKER_NAME_PREFIX)
                + "([0-9]+)-worker-([0-9]+)");
        List<String> pool = new ArrayList<>();
        List<String> index = new ArrayList<>();
        for (String name : names) {
            Matcher m = named.matcher(name);
            assertTrue(m.matches(), name);
            pool.add(m.group(1));
            index.add(m.group(2));
        }
        assertEquals(List.of("1", "2", "1", "2"), index, names.toString());
        assertEquals(pool.get(0), pool.get(1), names.toString());
        assertEquals(pool.get(2), pool.get(3), names.toString());
        assertTrue(Long.parseLong(pool.get(0)) < Long.parseLong(pool.get(2)),
                "the second pool's number is not after the first's: " + names);
    }

    /**
     * The workers have no context class loader: they inherited the creating thread's, and kept
     * it (a web application's, say) from being unloaded for as long as the session lived.
     */
    @Test
    void workersHoldNoContextClassLoader() throws Exception {
        Thread caller = Thread.currentThread();
        ClassLoader own = caller.getContextClassLoader();
        IntraOpPool pool;
        try (URLClassLoader application = new URLClassLoader(new URL[0], own)) {
            caller.setContextClassLoader(application);
            try {
                pool = new IntraOpPool(3, 16, 0, 16);
            } finally {
                caller.setContextClassLoader(own);
            }
        }
        try {
            Object[] seen = onEachThread(pool,
                    () -> Thread.currentThread().getContextClassLoader());
            assertNull(seen[1], "worker 1's context class loader");
            assertNull(seen[2], "worker 2's context class loader");
        } finally {
            pool.close();
        }
    }

    /**
     * Nor do they keep the creating code's class loader reachable. Up to JDK 23 a new thread
     * keeps the access control context of its creator's stack, and with it the protection
     * domain and class loader of each class there: a pool made by a web application's code kept
     * that application from being unloaded while the session lived. (From JDK 24 on threads
     * keep no context, and this passes either way.)
     */
    @Test
    void workersKeepNoClassLoaderOfTheCreatingCodeReachable() throws Exception {
        IntraOpPool[] pool = new IntraOpPool[1];
        WeakReference<ClassLoader> application = createFromAnApplication(pool);
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (application.get() != null && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(10);
            }
            assertNull(application.get(), "the class loader of the code that made the pool is"
                    + " still reachable after 10 s of collections");
            onEachThread(pool[0], () -> null); // the pool is alive
        } finally {
            pool[0].close();
        }
    }

    /**
     * Makes a pool (into {@code pool[0]}) from {@link Application} loaded by a class loader of
     * its own, as a web application's code is, and drops that loader; its own frame, so that no
     * local of the caller's keeps the loader.
     */
    @SuppressWarnings("unchecked")
    private static WeakReference<ClassLoader> createFromAnApplication(IntraOpPool[] pool)
            throws Exception {
        String name = Application.class.getName();
        URL classes = Application.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes},
                IntraOpPoolTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String className, boolean resolve)
                    throws ClassNotFoundException {
                if (!className.equals(name)) {
                    return super.loadClass(className, resolve);
                }
                synchronized (getClassLoadingLock(className)) { // its own copy, not the parent's
                    Class<?> c = findLoadedClass(className);
                    return c != null ? c : findClass(className);
                }
            }
        }) {
            Class<?> c = loader.loadClass(name);
            assertSame(loader, c.getClassLoader());
            assertSame(loader, c.getProtectionDomain().getClassLoader());
            pool[0] = ((Supplier<IntraOpPool>) c.getConstructor().newInstance()).get();
            return new WeakReference<>(loader);
        }
    }

    /** Makes a pool: the application's code, once loaded by its own class loader. */
    public static final class Application implements Supplier<IntraOpPool> {
        /** For reflection. */
        public Application() {}

        @Override
        public IntraOpPool get() {
            return new IntraOpPool(3, 16, 0, 16);
        }
    }

    /**
     * Nor do they inherit the creating thread's inheritable thread-local values (a request's
     * context, say), which they kept reachable as long as the session lived.
     */
    @Test
    void workersInheritNoThreadLocalValues() {
        InheritableThreadLocal<Object> context = new InheritableThreadLocal<>();
        context.set(new Object());
        IntraOpPool pool;
        try {
            pool = new IntraOpPool(3, 16, 0, 16);
        } finally {
            context.remove();
        }
        try {
            Object[] seen = onEachThread(pool, context::get);
            assertNull(seen[1], "worker 1 inherited the value");
            assertNull(seen[2], "worker 2 inherited the value");
        } finally {
            pool.close();
        }
    }

    /**
     * Sizes the team cannot use are refused before any thread starts: negative sizes made the
     * workers' shifts point elsewhere, and a shift past the int range wrapped around.
     */
    @Test
    void refusesCountsItCannotUse() {
        for (int[] args : new int[][] {{1, 16, 0, 16}, {IntraOpPool.MAX_THREADS + 1, 16, 0, 16},
                {2, -16, 0, 16}, {2, 16, -1, 16}, {2, 16, 0, -16},
                {4, 16, 0, Integer.MAX_VALUE / 2}}) {
            List<Thread> made = new ArrayList<>();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new IntraOpPool(args[0], args[1], args[2], args[3], (task, name) -> {
                        Thread t = new Thread(task, name);
                        made.add(t);
                        return t;
                    }), Arrays.toString(args));
            assertTrue(e.getMessage().contains("expected") || e.getMessage().contains("holds"),
                    e.getMessage());
            assertTrue(made.isEmpty(), "threads made for " + Arrays.toString(args));
        }
        new IntraOpPool(IntraOpPool.MAX_THREADS, 16, 0, 16).close();
    }

    /** What a test step does with units {@code [start, end)} of its share. */
    private interface Share {
        void run(int start, int end);
    }

    /** A step of {@code units} units, each share run by {@code share}. */
    /**
     * What {@code probe} gives on each thread of a three-thread {@code pool} (the caller's share
     * first), once every share has run.
     */
    private static Object[] onEachThread(IntraOpPool pool, Supplier<Object> probe) {
        Object[] seen = new Object[3];
        boolean[] ran = new boolean[3];
        pool.run(step(3, (start, end) -> {
            seen[start] = probe.get();
            ran[start] = true;
        }), new float[64]);
        assertArrayEquals(new boolean[] {true, true, true}, ran, "every share ran");
        return seen;
    }

    private static Op step(int units, Share share) {
        return new Op() {
            @Override
            public void run(float[] arena) {
                share.run(0, units);
            }

            @Override
            public int units() {
                return units;
            }

            @Override
            public void run(float[] arena, int start, int end, int shift) {
                share.run(start, end);
            }
        };
    }
}
