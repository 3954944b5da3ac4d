package dev.mobilenetsimd.bench;

import dev.mobilenetsimd.kernels.Activation;
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
 * The MobileNetV2 1.0/224 stem: 3x3 stride-2 convolution 224x224x3 -> 112x112x32, TF-SAME
 * padding (0 top/left), ReLU6, vector vs scalar. MACs = 112 * 112 * 32 * 27 = 10.84 M, so
 * GFLOP/s = 21.68 / (ms per op) ... i.e. 21677 / (us per op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
public class StemBench {
    @Param({"vector", "scalar"})
    public String backend;

    private KernelSet k;
    private PackedWeights w;
    private float[] mem;
    private int inOff, outOff;

    @Setup
    public void setup() {
        k = KernelSets.byName(backend);
        SplittableRandom r = new SplittableRandom(2);
        Aligned a = new Aligned(224 * 224 * 3, 112 * 112 * 32);
        mem = a.data;
        inOff = a.offset(0);
        outOff = a.offset(1);
        for (int i = 0; i < 224 * 224 * 3; i++) {
            mem[inOff + i] = (float) (r.nextDouble() * 2 - 1);
        }
        float[] wt = new float[27 * 32], b = new float[32];
        for (int i = 0; i < wt.length; i++) {
            wt[i] = (float) (r.nextDouble() - 0.5);
        }
        w = Aligned.weights(k.packConv3x3(wt, b, 3, 32));
    }

    @Benchmark
    public void stem(Blackhole bh) {
        k.conv3x3(mem, inOff, 224, 224, 2, 0, 0, w, Activation.RELU6, mem, outOff, 112, 112, 0,
                112);
        bh.consume(mem);
    }
}
