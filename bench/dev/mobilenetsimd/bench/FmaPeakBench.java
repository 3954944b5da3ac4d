package dev.mobilenetsimd.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's single-core fp32 FMA peak as the Vector API reaches it: {@value #CHAINS}
 * independent {@code FloatVector.fma} chains held in registers (enough to cover FMA latency times
 * the number of FMA pipes), at 128, 256 and 512 bits. One operation is one floating-point
 * operation (an FMA counts 2), and the unit is ops/ns, so <b>the score is GFLOP/s</b>.
 * The report shows every kernel figure as a percentage of this peak at the kernel's width.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
public class FmaPeakBench {
    /** Independent accumulator chains: Zen 5 needs >= 4 cycles x 2 pipes = 8; 12 leaves margin. */
    static final int CHAINS = 12;
    /** Loop trips per invocation (long enough to hide the call and the final reduction). */
    static final int TRIPS = 4096;

    private static final VectorSpecies<Float> S128 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;

    /**
     * Multiplier slightly below 1 and a small addend: the chains converge, no overflow or
     * denormals. Fields, not constants, so C2 cannot fold the chains.
     */
    float mul = 0.999f;
    float add = 0.001f;

    // Three copies of one loop: each species must be a constant in its own method, or C2
    // does not intrinsify the Vector API calls (a shared helper taking the species runs ~100x
    // slower).

    @Benchmark
    @OperationsPerInvocation(TRIPS * CHAINS * 4 * 2)
    public float fma128() {
        FloatVector m = FloatVector.broadcast(S128, mul), c = FloatVector.broadcast(S128, add);
        FloatVector a0 = FloatVector.broadcast(S128, 0.10f),
                a1 = FloatVector.broadcast(S128, 0.11f);
        FloatVector a2 = FloatVector.broadcast(S128, 0.12f),
                a3 = FloatVector.broadcast(S128, 0.13f);
        FloatVector a4 = FloatVector.broadcast(S128, 0.14f),
                a5 = FloatVector.broadcast(S128, 0.15f);
        FloatVector a6 = FloatVector.broadcast(S128, 0.16f),
                a7 = FloatVector.broadcast(S128, 0.17f);
        FloatVector a8 = FloatVector.broadcast(S128, 0.18f),
                a9 = FloatVector.broadcast(S128, 0.19f);
        FloatVector a10 = FloatVector.broadcast(S128, 0.20f),
                a11 = FloatVector.broadcast(S128, 0.21f);
        for (int i = 0; i < TRIPS; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    @OperationsPerInvocation(TRIPS * CHAINS * 8 * 2)
    public float fma256() {
        FloatVector m = FloatVector.broadcast(S256, mul), c = FloatVector.broadcast(S256, add);
        FloatVector a0 = FloatVector.broadcast(S256, 0.10f),
                a1 = FloatVector.broadcast(S256, 0.11f);
        FloatVector a2 = FloatVector.broadcast(S256, 0.12f),
                a3 = FloatVector.broadcast(S256, 0.13f);
        FloatVector a4 = FloatVector.broadcast(S256, 0.14f),
                a5 = FloatVector.broadcast(S256, 0.15f);
        FloatVector a6 = FloatVector.broadcast(S256, 0.16f),
                a7 = FloatVector.broadcast(S256, 0.17f);
        FloatVector a8 = FloatVector.broadcast(S256, 0.18f),
                a9 = FloatVector.broadcast(S256, 0.19f);
        FloatVector a10 = FloatVector.broadcast(S256, 0.20f),
                a11 = FloatVector.broadcast(S256, 0.21f);
        for (int i = 0; i < TRIPS; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    @OperationsPerInvocation(TRIPS * CHAINS * 16 * 2)
    public float fma512() {
        FloatVector m = FloatVector.broadcast(S512, mul), c = FloatVector.broadcast(S512, add);
        FloatVector a0 = FloatVector.broadcast(S512, 0.10f),
                a1 = FloatVector.broadcast(S512, 0.11f);
        FloatVector a2 = FloatVector.broadcast(S512, 0.12f),
                a3 = FloatVector.broadcast(S512, 0.13f);
        FloatVector a4 = FloatVector.broadcast(S512, 0.14f),
                a5 = FloatVector.broadcast(S512, 0.15f);
        FloatVector a6 = FloatVector.broadcast(S512, 0.16f),
                a7 = FloatVector.broadcast(S512, 0.17f);
        FloatVector a8 = FloatVector.broadcast(S512, 0.18f),
                a9 = FloatVector.broadcast(S512, 0.19f);
        FloatVector a10 = FloatVector.broadcast(S512, 0.20f),
                a11 = FloatVector.broadcast(S512, 0.21f);
        for (int i = 0; i < TRIPS; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .add(a10).add(a11).reduceLanes(VectorOperators.ADD);
    }
}
