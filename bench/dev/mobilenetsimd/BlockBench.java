package dev.mobilenetsimd;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every step of MobileNetV2 1.0/224 on its own (vector kernels): fused vs layer-by-layer blocks.
 * In package {@code dev.mobilenetsimd} to reach a session's arena and run single steps.
 * GFLOP/s = 2 · step MACs / time (the plan printed by {@code plan} lists the MACs per step).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g"})
public class BlockBench {
    /**
     * Step index in the plan: 0 stem, 1..17 blocks, 18 last 1x1, 19 pool, 20 classifier. Fused,
     * steps 0 and 1 do nothing: block 2 computes block 1's rows, and block 1 the stem's
     * ({@code Step.fusedIntoNext}).
     */
    @Param({"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
            "16", "17", "18", "19", "20"})
    public int step;

    /**
     * Fused or layer-by-layer. JMH runs parameter combinations in the order of the parameter
     * names, the last name varying fastest; this name sorts after {@code step}, so each step's two
     * strategies run back to back and a change in host load between them stays small (with
     * {@code mode} every fused fork ran first, minutes before its layer-by-layer twin). A
     * parameter's values run in the order given: {@code bench/run.sh} gives
     * {@code -p strategy=LAYERWISE,FUSED} for the odd steps, so that neither mode always goes
     * first.
     */
    @Param({"FUSED", "LAYERWISE"})
    public ExecutionMode strategy;

    private MobileNetV2 model;
    private float[] arena;

    @Setup
    public void setup() {
        ModelConfig cfg = ModelConfig.standard();
        model = MobileNetV2.create(cfg, Weights.random(cfg, 42), KernelSets.vector(), strategy);
        Session session = model.newSession();
        arena = session.arena();
        float[] image = new float[model.inputLength()];
        Random rnd = new Random(43);
        for (int i = 0; i < image.length; i++) {
            image[i] = rnd.nextFloat() * 2 - 1;
        }
        // One inference, so that every buffer holds finite network activations rather than
        // zeros, though mostly not each step's own input: it leaves the two alternating
        // activation buffers with the outputs of block 17 and conv_last. The stem (and block 2,
        // fused, which computes the stem's and block 1's rows) reads the image, and steps 18-20
        // their true inputs (block 17's output, conv_last's, the pool's); every other step reads
        // what its input buffer was left with, block 17's or conv_last's output (and older
        // tensors past its end): layer by layer from step 1 on, fused from step 3 on, in half
        // the steps with 42-51% zeros (after ReLU6).
        // The timing does not depend on the values: the kernels have no value-dependent
        // branches, and these activations and random weights give no denormals.
        session.run(image);
    }

    @Benchmark
    public float[] runStep() {
        model.network().runStep(step, arena);
        return arena;
    }
}
