package dev.mobilenetsimd.bench;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Session;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Bytes allocated per MobileNetV2 1.0/224 inference once the JIT has compiled it, for the
 * report's allocation table: run with {@code -prof gc} and read {@code gc.alloc.rate.norm}
 * (B/op). Not a timing benchmark (the network tables come from {@link NetworkBench}); it is a
 * separate class so that its average-time results never mix with those.
 *
 * <p>JMH's GC profiler counts every thread of the fork, so its own bookkeeping (a few kilobytes
 * per iteration, spread over the few hundred inferences of a one-second iteration) shows as
 * tens of bytes per operation. {@code SteadyStateAllocationTest} reads the inference threads
 * alone and asserts exactly 0 bytes, on JDK 17 and 25.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g"})
public class AllocationBench {
    /** {@code vector-fused} or {@code vector-layerwise}. */
    @Param({"vector-fused", "vector-layerwise"})
    public String backend;

    /** Threads per inference (the caller plus {@code threads - 1} session workers). */
    @Param({"1", "2"})
    public int threads;

    private Session session;
    private float[] image;
    private float[] logits;

    @Setup
    public void setup() {
        ModelConfig cfg = ModelConfig.standard();
        ExecutionMode mode = backend.endsWith("layerwise") ? ExecutionMode.LAYERWISE
                : ExecutionMode.FUSED;
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 42), KernelSets.vector(),
                mode);
        session = model.newSession(threads);
        image = new float[model.inputLength()];
        Random rnd = new Random(43);
        for (int i = 0; i < image.length; i++) {
            image[i] = rnd.nextFloat() * 2 - 1;
        }
        logits = new float[model.classes()];
    }

    @TearDown
    public void tearDown() {
        session.close();
    }

    @Benchmark
    public float[] inference() {
        session.run(image, 0, logits, 0);
        return logits;
    }
}
