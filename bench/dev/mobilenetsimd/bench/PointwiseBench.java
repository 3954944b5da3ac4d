package dev.mobilenetsimd.bench;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * The pointwise 1x1 GEMM on every distinct MobileNetV2 1.0/224 1x1 layer shape, vector vs scalar.
 *
 * <p>Shapes are {@code pixels x cin x cout} at their real sizes; a trailing {@code +r} marks the
 * projections that add a residual. Activation as in the network: RELU6 when the layer expands
 * ({@code cout > cin}), else linear. Time per call is the score; GFLOP/s is
 * {@code 2 * pixels * cin * cout / time}. Running this class's {@link #main} (same arguments as
 * JMH's) prints that table after the run, e.g.
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... dev.mobilenetsimd.bench.PointwiseBench \
 *     -p backend=vector -p vectorBits=512 -wi 3 -i 5 -f 1
 * </pre>
 * The width is a parameter: JMH forks one JVM per parameter set, and the setup sets
 * {@code -Dmobilenet.vectorBits} before the vector kernels load. Warm-up is long on purpose: the
 * big microkernels are too large for C1 ("out of virtual registers"), so they run interpreted
 * until C2 compiles them, which takes a few seconds on a busy machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
public class PointwiseBench {

    /** pixels x cin x cout (+r: with residual); each distinct 1x1 layer of MobileNetV2 1.0/224. */
    @Param({"12544x32x16", "12544x16x96", "3136x96x24", "3136x24x144", "3136x144x24+r",
            "784x144x32", "784x32x192", "784x192x32+r", "196x192x64", "196x64x384",
            "196x384x64+r", "196x384x96", "196x96x576", "196x576x96+r", "49x576x160",
            "49x160x960", "49x960x160+r", "49x960x320", "49x320x1280"})
    public String shape;

    /** {@code vector} or {@code scalar}. */
    @Param({"vector", "scalar"})
    public String backend;

    /** Vector width: 128, 256, 512 or preferred (ignored by the scalar backend). */
    @Param({"512"})
    public String vectorBits;

    private KernelSet kernels;
    private PackedWeights weights;
    private Activation act;
    private float[] mem;
    private int inOff, outOff, residualOff;
    private boolean residual;
    private int pixels;

    @Setup
    public void setUp() {
        System.setProperty(KernelSets.VECTOR_BITS_PROPERTY, vectorBits);
        kernels = KernelSets.byName(backend);
        if (kernels.vectorBitSize() != 0 && !"preferred".equals(vectorBits)
                && kernels.vectorBitSize() != Integer.parseInt(vectorBits)) {
            throw new IllegalStateException("vector kernels already loaded at "
                    + kernels.vectorBitSize() + " bits; run with forks > 0");
        }
        Shape s = Shape.parse(shape);
        pixels = s.pixels;
        act = s.cout > s.cin ? Activation.RELU6 : Activation.LINEAR;
        Random rnd = new Random(42);
        Aligned a = new Aligned(s.pixels * s.cin, s.pixels * s.cout,
                s.residual ? s.pixels * s.cout : 0);
        mem = a.data;
        inOff = a.put(0, uniform(rnd, s.pixels * s.cin));
        outOff = a.offset(1);
        residual = s.residual;
        residualOff = s.residual ? a.put(2, uniform(rnd, s.pixels * s.cout)) : 0;
        weights = Aligned.weights(kernels.packPointwise(uniform(rnd, s.cin * s.cout),
                uniform(rnd, s.cout), s.cin, s.cout));
    }

    private static float[] uniform(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextFloat() * 2f - 1f;
        }
        return a;
    }

    /** One whole layer. */
    @Benchmark
    public void pointwise() {
        kernels.pointwise(mem, inOff, pixels, weights, act, residual ? mem : null, residualOff,
                mem, outOff);
    }

    /** A parsed {@link #shape}. */
    static final class Shape {
        final int pixels, cin, cout;
        final boolean residual;

        private Shape(int pixels, int cin, int cout, boolean residual) {
            this.pixels = pixels;
            this.cin = cin;
            this.cout = cout;
            this.residual = residual;
        }

        static Shape parse(String s) {
            boolean residual = s.endsWith("+r");
            String[] f = (residual ? s.substring(0, s.length() - 2) : s).split("x");
            return new Shape(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    residual);
        }

        double flops() {
            return 2.0 * pixels * cin * cout;
        }
    }

    /** Runs JMH with the given command line, then prints GFLOP/s per shape and backend. */
    public static void main(String[] args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        if (a.stream().noneMatch(x -> !x.startsWith("-") && x.contains("PointwiseBench"))) {
            a.add(0, PointwiseBench.class.getSimpleName());
        }
        Collection<RunResult> results = new Runner(
                new CommandLineOptions(a.toArray(new String[0]))).run();
        System.out.println();
        System.out.printf(Locale.ROOT, "%-16s %-7s %5s %12s %9s%n",
                "shape", "backend", "bits", "us/op", "GFLOP/s");
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape");
            double us = r.getPrimaryResult().getScore();
            System.out.printf(Locale.ROOT, "%-16s %-7s %5s %12.2f %9.1f%n", shape,
                    r.getParams().getParam("backend"), r.getParams().getParam("vectorBits"), us,
                    Shape.parse(shape).flops() / (us * 1e3));
        }
    }
}
