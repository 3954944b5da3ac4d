package dev.mobilenetsimd.bench;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
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
 * One whole MobileNetV2 inference, batch 1, one thread: scalar vs vector layer-by-layer vs vector
 * fused. Latency per image; GFLOP/s = 2 · MACs / time (1.0/224: 300.8 M MACs).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g"})
public class NetworkBench {
    /** {@code alpha/resolution}. */
    @Param({"1.0/224"})
    public String variant;

    /** {@code scalar}, {@code vector-layerwise} or {@code vector-fused}. */
    @Param({"vector-fused", "vector-layerwise", "scalar"})
    public String backend;

    private Session session;
    private float[] image;
    private float[] logits;

    @Setup
    public void setup() {
        String[] v = variant.split("/");
        ModelConfig cfg = new ModelConfig(Double.parseDouble(v[0]), Integer.parseInt(v[1]), 1001,
                Padding.TF_SAME);
        boolean scalar = backend.equals("scalar");
        ExecutionMode mode = backend.endsWith("layerwise") ? ExecutionMode.LAYERWISE : ExecutionMode.FUSED;
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 42),
                scalar ? KernelSets.scalar() : KernelSets.vector(), mode);
        session = model.newSession();
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
