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
 * 1.0/224 inference on two threads pays this once per split part with more than one unit
 * ({@code CompiledNetwork.runSteps}): 22 times fused (blocks 2-13 once each, block 2 with the
 * stem and block 1 inside it; blocks 14-17 twice each, in two phases; the last 1x1 and the
 * classifier once; the pool not at all) and 53 times layer by layer (each block's expand,
 * depthwise and project phases: 3 per block, 2 for block 1; the stem, the last 1x1 and the
 * classifier once).
 * So {@code 22 * score} (fused) or {@code 53 * score} (layer by layer) is the synchronisation
 * overhead per image; the cross-core cache-line round trip dominates it.
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
