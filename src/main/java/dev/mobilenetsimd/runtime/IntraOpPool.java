package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.plan.HeapLayout;
import java.security.AccessController;
import java.security.PrivilegedAction;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;

/**
 * A fixed team of threads that splits each step of one inference: the calling thread takes the
 * first share of a step's units (output rows or pixels), {@code threads - 1} workers, started
 * once, take the rest, and the caller waits for all before the next step. Nothing is allocated
 * or started per inference. Workers spin briefly between steps (the next one follows within
 * microseconds) and park when idle, so a pool costs no CPU between inferences.
 *
 * <p>Each worker writes its scratch rows (expanded ring, depthwise band) to its own copy of the
 * plan's scratch regions, a fixed shift away, after the plan's arena; outputs are disjoint rows.
 * Used by one session, hence by one thread at a time.
 *
 * <p>A share that throws fails the step on the calling thread once every share is done. The
 * caller's own failure is thrown as it is, with any worker's failure attached as
 * {@linkplain Throwable#getSuppressed() suppressed}. A worker's failure alone is thrown wrapped in
 * an exception made on the calling thread, so that its stack trace shows the caller's stack and
 * its cause the worker's: an {@link Error} in an {@code Error}, anything else in a
 * {@link RuntimeException}; further workers' failures are suppressed in the wrapper. The worker's
 * own throwable is never modified (it may be a shared instance, as the JIT's preallocated ones):
 * so when the caller threw the very throwable a worker threw and another worker failed otherwise,
 * the caller's comes wrapped in the same way, the other failures suppressed in the wrapper.
 * The team runs the next step as usual. A step failed because another thread closed the pool
 * throws {@link IllegalStateException}, with the shares' failures suppressed in it.
 */
public final class IntraOpPool implements AutoCloseable {
    /**
     * Name prefix of the worker threads: a worker is named this prefix, the pool's number
     * (process-wide, from 1, in order of creation), {@code -worker-} and the worker's index (1 to
     * threads - 1), as {@code mobilenet-simd-pool-3-worker-1}; so the workers of several sessions
     * are told apart in a thread dump.
     */
    public static final String WORKER_NAME_PREFIX = "mobilenet-simd-pool-";
    /** The last pool's number; a long, so that it never wraps however many sessions come. */
    private static final AtomicLong POOLS = new AtomicLong();
    /** Most threads a team may have, the caller included. */
    public static final int MAX_THREADS = 256;
    /** Spins (PAUSE instructions: roughly 10-100 µs in all) before an idle worker parks. */
    private static final int SPINS_BEFORE_PARK = 2_000;

    private final int threads;
    /** The plan's geometry the shifts were made for (see {@link #fits}). */
    private final int planArena, planScratchOffset, planScratch;
    private final int[] shifts;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private Op op;               // published by the volatile write of generation
    private float[] arena;
    private volatile int generation;
    private volatile boolean closed;
    /** Each worker's failure in the current step, by worker index - 1; cleared by the caller. */
    private final Throwable[] failures;
    /** Whether a slot of {@link #failures} is set: the success path reads only this. */
    private volatile boolean workerFailed;

    /**
     * Starts {@code threads - 1} daemon workers, each with its own copy of the scratch regions
     * after the arena. The workers have no context class loader, no inheritable thread-local
     * values and no access control context of the creating code (they use none, and the
     * creator's, inherited, would stay reachable while the session lives), and the creating
     * thread's priority. The three sizes are the plan's ({@code arenaFloats()},
     * {@code workerScratchOffset()}, {@code workerScratchFloats()} of
     * {@link dev.mobilenetsimd.plan.ExecutionPlan}): a {@link CompiledNetwork} refuses a pool
     * made with other ones.
     *
     * @param threads        threads per step, the caller included (2 to {@value #MAX_THREADS})
     * @param arenaFloats    floats of the plan's arena: worker copies of the scratch start here
     * @param scratchOffset  first float of the plan's scratch regions
     * @param scratchFloats  floats of the scratch regions, one worker's copy
     * @throws IllegalArgumentException if a count is out of range, or the arena with every
     *                                  worker's scratch would pass one Java array
     * @throws IllegalStateException    if a worker thread cannot be started (the ones already
     *                                  started are stopped)
     */
    public IntraOpPool(int threads, int arenaFloats, int scratchOffset, int scratchFloats) {
        this(threads, arenaFloats, scratchOffset, scratchFloats, IntraOpPool::newWorker);
    }

    /**
     * A worker thread that keeps nothing of its creator's reachable. Up to JDK 23 a new thread
     * keeps the access control context of its creator's stack, whose protection domains hold
     * their class loaders (a web application's, say, for as long as the session lives); made
     * in a privileged action, it keeps only this class's (as ForkJoinPool's workers do). From
     * JDK 24 on, threads keep no context and the action just runs.
     */
    @SuppressWarnings("removal") // AccessController: deprecated for removal since JDK 17
    private static Thread newWorker(Runnable task, String name) {
        // nor inheriting the creator's inheritable thread-local values, reachable as well
        PrivilegedAction<Thread> make = () -> new Thread(null, task, name, 0, false);
        return AccessController.doPrivileged(make);
    }

    /** As the public constructor, with the workers made by {@code newThread} (tests). */
    IntraOpPool(int threads, int arenaFloats, int scratchOffset, int scratchFloats,
                BiFunction<Runnable, String, Thread> newThread) {
        if (threads < 2 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads = " + threads + ": expected 2 to "
                    + MAX_THREADS);
        }
        if (arenaFloats < 0 || scratchOffset < 0 || scratchFloats < 0) {
            throw new IllegalArgumentException("arenaFloats " + arenaFloats + ", scratchOffset "
                    + scratchOffset + ", scratchFloats " + scratchFloats + ": expected 0 or more");
        }
        long total = arenaFloats(threads, arenaFloats, scratchFloats);
        if (total > Integer.MAX_VALUE - 8) { // the shifts are ints, and the arena one array
            throw new IllegalArgumentException(threads + " threads need an arena of " + total
                    + " floats, more than one Java array holds");
        }
        this.threads = threads;
        this.planArena = arenaFloats;
        this.planScratchOffset = scratchOffset;
        this.planScratch = scratchFloats;
        this.shifts = new int[threads];
        int base = alignedBase(arenaFloats);
        for (int w = 1; w < threads; w++) {
            shifts[w] = base + (w - 1) * scratchFloats - scratchOffset;
        }
        this.workers = new Thread[threads - 1];
        this.failures = new Throwable[threads - 1];
        String names = WORKER_NAME_PREFIX + POOLS.incrementAndGet() + "-worker-";
        for (int w = 1; w < threads; w++) {
            int index = w;
            Thread t = newThread.apply(() -> work(index), names + w);
            t.setDaemon(true);
            // The creator's, inherited, would keep (say) a web application's class loader from
            // being unloaded while the session lives; a share never loads classes by it.
            t.setContextClassLoader(null);
            workers[w - 1] = t;
        }
        int started = 0;
        try {
            for (Thread t : workers) {
                t.start();
                started++;
            }
        } catch (RuntimeException | Error e) {
            // Typically "unable to create native thread": no one would ever close this pool, so
            // stop the workers already started instead of leaving them parked for good.
            close();
            throw new IllegalStateException("could not start worker " + (started + 1) + " of "
                    + workers.length + " for a team of " + threads + " threads: " + e, e);
        }
    }

    /**
     * Floats of a session arena for {@code threads} threads: the plan's, then worker scratch
     * copies.
     *
     * @param threads the thread count
     * @param planArenaFloats {@link dev.mobilenetsimd.plan.ExecutionPlan#arenaFloats()}
     * @param scratchFloats {@link dev.mobilenetsimd.plan.ExecutionPlan#workerScratchFloats()}
     * @return the arena's length in floats
     * @throws IllegalArgumentException if {@code threads} is not 1 to {@value #MAX_THREADS} or a
     *                                  size is negative
     */
    public static long arenaFloats(int threads, int planArenaFloats, int scratchFloats) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads = " + threads + ": expected 1 to "
                    + MAX_THREADS);
        }
        if (planArenaFloats < 0 || scratchFloats < 0) {
            throw new IllegalArgumentException("planArenaFloats " + planArenaFloats
                    + ", scratchFloats " + scratchFloats + ": expected 0 or more");
        }
        return alignedBase(planArenaFloats) + (long) (threads - 1) * scratchFloats;
    }

    /**
     * Worker copies start on a 64-byte boundary after the plan's arena (the plan's regions start
     * on such boundaries and the copies are whole 16-float multiples, so shifts keep them there).
     */
    private static int alignedBase(int planArenaFloats) {
        return (int) HeapLayout.alignUp(planArenaFloats);
    }

    /**
     * Threads per step, the caller included.
     *
     * @return the thread count
     */
    public int threads() {
        return threads;
    }

    /**
     * Whether this pool was made for a plan with this arena and these scratch regions: the
     * workers' scratch copies are placed by them, and a pool made for another plan put them
     * inside that plan's tensors.
     */
    boolean fits(int arenaFloats, int scratchOffset, int scratchFloats) {
        return planArena == arenaFloats && planScratchOffset == scratchOffset
                && planScratch == scratchFloats;
    }

    /** The geometry {@link #fits} compares, for messages. */
    String geometry() {
        return "arena " + planArena + ", scratch " + planScratch + " floats at "
                + planScratchOffset;
    }

    /**
     * Wakes parked workers ahead of an inference, so that their wake-up overlaps the caller's own
     * work until the first step (copying the image in): on a virtual machine an idle core can
     * take tens of microseconds to wake. A woken worker spins as after a step, then parks again
     * if no step comes. Harmless on a closed pool.
     */
    public void wake() {
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Runs {@code op} on {@code a}, split across the team; returns when every share is done. A
     * failed share fails the step as the class comment says.
     */
    void run(Op op, float[] a) {
        if (closed) {
            throw new IllegalStateException("the session's thread pool is closed");
        }
        if (workerFailed) {
            // The last step's report of them failed before clearing them (an OutOfMemoryError
            // while making the wrapper, after a worker's own): this step would have thrown them.
            clearFailures();
        }
        this.op = op;
        this.arena = a;
        pending.set(threads - 1);
        generation = generation + 1; // single writer: publishes op and arena to the workers
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        Throwable mine = null;
        try {
            share(op, a, 0);
        } catch (Throwable t) {
            mine = t;
        }
        while (pending.get() != 0) {
            if (closed && !anyWorkerAlive()) {
                break; // they stopped before taking this step: no one will finish its shares
            }
            Thread.onSpinWait();
        }
        // No worker reads them now: a closed session still referenced (a closed Classifier in a
        // field) kept its arena, megabytes, reachable through this pool.
        this.op = null;
        this.arena = null;
        if (closed) { // by another thread, mid-step: some shares may have been skipped
            IllegalStateException e =
                    new IllegalStateException("the session was closed during the inference");
            if (mine != null) {
                e.addSuppressed(mine); // the workers' go beside it: it may be one of theirs
            }
            throw withWorkerFailures(e, mine);
        }
        if (mine != null) {
            throw unchecked(callersFailure(mine));
        }
        if (workerFailed) {
            throw unchecked(workerFailure());
        }
    }

    /**
     * The first worker's failure of this step wrapped in a throwable made here, on the calling
     * thread (its stack trace the caller's, its cause the worker's), with the other workers'
     * failures suppressed in it.
     */
    private Throwable workerFailure() {
        int w = 0;
        while (failures[w] == null) {
            w++;
        }
        Throwable theirs = failures[w];
        String message = workers[w].getName() + " failed its share of the step: " + theirs;
        return wrapped(theirs, message);
    }

    /**
     * The caller's failure with every worker's failure of this step suppressed in it; or, when a
     * worker threw that very throwable (a shared instance, which is not modified) and another
     * worker failed otherwise, wrapped as {@link #workerFailure()} wraps a worker's.
     */
    private Throwable callersFailure(Throwable mine) {
        boolean shared = false;
        boolean others = false;
        for (Throwable f : failures) { // all null unless a worker failed
            shared |= f == mine;
            others |= f != null && f != mine;
        }
        if (!(shared && others)) {
            return withWorkerFailures(mine, mine.getCause()); // a cause is reported already
        }
        return wrapped(mine, "the calling thread failed its share of the step, as did a worker: "
                + mine);
    }

    /**
     * A throwable made here, on the calling thread, with {@code cause} as its cause and the
     * other workers' failures suppressed in it: an {@link Error} for an {@code Error}.
     */
    private Throwable wrapped(Throwable cause, String message) {
        return withWorkerFailures(cause instanceof Error ? new Error(message, cause)
                : new RuntimeException(message, cause), cause);
    }

    /**
     * Adds to {@code e} as suppressed every worker's failure of this step but {@code attached}
     * (its cause, or a failure already suppressed in it), each distinct throwable once and never
     * {@code e} itself (a shared instance thrown by several shares), and clears them.
     */
    private <T extends Throwable> T withWorkerFailures(T e, Throwable attached) {
        if (!workerFailed) {
            return e;
        }
        for (int w = 0; w < failures.length; w++) {
            Throwable f = failures[w];
            if (f != null && f != e && f != attached && !seenBefore(f, w)) {
                e.addSuppressed(f);
            }
        }
        clearFailures(); // not kept reachable until the next failure
        return e;
    }

    private void clearFailures() {
        Arrays.fill(failures, null);
        workerFailed = false;
    }

    private boolean seenBefore(Throwable f, int w) {
        for (int v = 0; v < w; v++) {
            if (failures[v] == f) {
                return true;
            }
        }
        return false;
    }

    /**
     * Throws {@code t} if it is an {@link Error}, else returns it as a {@link RuntimeException}
     * for the caller to throw: as it is, or a checked one (only a sneaky throw gets one out of
     * {@link Op#run(float[], int, int, int)}) wrapped.
     */
    private static RuntimeException unchecked(Throwable t) {
        if (t instanceof Error) {
            throw (Error) t;
        }
        if (t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        return new IllegalStateException("a share of the step failed", t);
    }

    private void share(Op op, float[] a, int w) {
        int units = op.units();
        int start = (int) ((long) units * w / threads);
        int end = (int) ((long) units * (w + 1) / threads);
        if (start < end) {
            op.run(a, start, end, shifts[w]);
        }
    }

    private void work(int w) {
        int seen = 0;
        while (true) {
            int spins = 0;
            int g;
            while ((g = generation) == seen) {
                if (closed) {
                    return;
                }
                if (++spins < SPINS_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                    // An interrupt (ThreadGroup.interrupt, say) made every later park return at
                    // once and the worker spin for good; workers stop on close() only.
                    Thread.interrupted();
                    spins = 0; // woken (by a step or by wake()): spin again before parking
                }
            }
            seen = g;
            try {
                if (!closed) {
                    share(op, arena, w);
                }
            } catch (Throwable t) {
                failures[w - 1] = t; // published by the decrement below
                workerFailed = true;
            } finally {
                pending.decrementAndGet(); // even when closed: the caller is waiting for it
            }
            if (closed) {
                return;
            }
        }
    }

    private boolean anyWorkerAlive() {
        for (Thread t : workers) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stops the workers (they exit at their next wake-up); idempotent. A step running meanwhile
     * on another thread fails with {@link IllegalStateException}.
     */
    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }
}
