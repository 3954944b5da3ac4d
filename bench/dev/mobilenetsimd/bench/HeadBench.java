package dev.mobilenetsimd.bench;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * MobileNetV2 head: global average pool 7x7x1280 -> 1280, then the classifier 1280 -> 1001,
 * vector vs scalar. The classifier streams 5.1 MB of weights: beyond L2, but run over and over
 * in this loop they stay in L3, so its time here is bound by L3 bandwidth, not by memory's
 * (~30 GB/s on one core would take ~170 us, three times the ~55-60 us measured). Inside an
 * inference, after the rest of the network's weights, the step is slower (PairedSteps: network
 * order against hot). MACs = 1.28 M (the classifier's alone), GFLOP/s = 2563 / (us per op):
 * {@code poolAndClassifier}'s time includes the pool (about 2 us, {@code poolOnly}), its
 * GFLOP/s counts the classifier's multiply-adds only.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
public class HeadBench {
    @Param({"vector", "scalar"})
    public String backend;

    private KernelSet k;
    private PackedWeights w;
    private float[] mem;
    private int featuresOff, pooledOff, logitsOff;

    @Setup
    public void setup() {
        k = KernelSets.byName(backend);
        SplittableRandom r = new SplittableRandom(3);
        Aligned a = new Aligned(49 * 1280, 1280, 1001);
        mem = a.data;
        featuresOff = a.offset(0);
        pooledOff = a.offset(1);
        logitsOff = a.offset(2);
        for (int i = 0; i < 49 * 1280; i++) {
            mem[featuresOff + i] = (float) (r.nextDouble() * 6);
        }
        float[] wt = new float[1280 * 1001], b = new float[1001];
        for (int i = 0; i < wt.length; i++) {
            wt[i] = (float) (r.nextDouble() - 0.5);
        }
        w = Aligned.weights(k.packDense(wt, b, 1280, 1001));
    }

    @Benchmark
    public void poolAndClassifier(Blackhole bh) {
        k.globalAveragePool(mem, featuresOff, 49, 1280, mem, pooledOff);
        k.dense(mem, pooledOff, w, mem, logitsOff);
        bh.consume(mem);
    }

    @Benchmark
    public void poolOnly(Blackhole bh) {
        k.globalAveragePool(mem, featuresOff, 49, 1280, mem, pooledOff);
        bh.consume(mem);
    }
}
