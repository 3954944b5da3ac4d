package dev.mobilenetsimd.runtime;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fixed cost of splitting one step across two threads: the caller publishes an empty step,
 * the worker (on the other core) picks it up, and the caller waits for it. A MobileNetV2
 * inference pays this about 19 times (every fused block, the stem, the last 1x1), so
 * {@code 19 * score} is the synchronisation overhead per image; the cross-core cache-line round
 * trip dominates it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector"})
public class IntraOpPoolBench {
    private IntraOpPool pool;
    private final float[] arena = new float[64];

    /** Two units that do nothing: one for the caller, one for the worker. */
    private static final Op EMPTY = new Op() {
        @Override
        public void run(float[] arena) {}

        @Override
        public int units() {
            return 2;
        }

        @Override
        public void run(float[] arena, int start, int end, int scratchShift) {}
    };

    @Setup
    public void setup() {
        pool = new IntraOpPool(2, 64, 0, 0);
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public void emptyStepOnTwoThreads() {
        pool.run(EMPTY, arena);
    }
}
