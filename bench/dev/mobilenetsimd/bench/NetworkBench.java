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
 * Whole MobileNetV2 inference (on {@code threads} threads, one by default): scalar vs vector
 * layer-by-layer vs vector fused, for several width multipliers and resolutions. The scalar
 * backend runs the fused plan (scalar kernels, {@code ExecutionMode.FUSED}): the report labels
 * it "scalar fused", and its "× scalar" of layer-by-layer rows is against that run. The score
 * is the time of one invocation: one image ({@code batch=1}) or {@code batch} different images
 * through the same session (per image = score / batch), as {@code schedule} says.
 * GFLOP/s = 2 · MACs · batch / time (1.0/224: 300.8 M MACs).
 * The vector width is the JVM's: {@code -jvmArgsAppend -Dmobilenet.vectorBits=128|256|512}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g"})
public class NetworkBench {
    /** {@code alpha/resolution}. */
    @Param({"1.0/224", "0.35/224", "1.0/128", "1.4/224"})
    public String variant;

    /**
     * {@code scalar} (scalar kernels on the fused plan), {@code vector-layerwise} or
     * {@code vector-fused}.
     */
    @Param({"vector-fused", "vector-layerwise", "scalar"})
    public String backend;

    /** Images per invocation. */
    @Param({"1"})
    public int batch;

    /**
     * How a batch runs: {@code grouped}, one {@code Session.runBatch} call (the late steps one
     * step across the batch's images before the next, see {@code ExecutionPlan.batchSplitStep});
     * {@code sequential}, one {@code Session.run} per image. The same at batch 1.
     */
    @Param({"grouped"})
    public String schedule;

    /** Threads per inference (intra-op: the caller plus {@code threads - 1} session workers). */
    @Param({"1"})
    public int threads;

    private Session session;
    private float[] images;
    private float[] logits;
    private int inputLength;
    private int classes;
    private boolean grouped;

    @Setup
    public void setup() {
        String[] v = variant.split("/");
        ModelConfig cfg = new ModelConfig(Double.parseDouble(v[0]), Integer.parseInt(v[1]), 1001,
                Padding.TF_SAME);
        boolean scalar = backend.equals("scalar");
        ExecutionMode mode = backend.endsWith("layerwise") ? ExecutionMode.LAYERWISE
                : ExecutionMode.FUSED;
        MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 42),
                scalar ? KernelSets.scalar() : KernelSets.vector(), mode);
        session = model.newSession(threads);
        inputLength = model.inputLength();
        classes = model.classes();
        images = new float[batch * inputLength];
        Random rnd = new Random(43);
        for (int i = 0; i < images.length; i++) {
            images[i] = rnd.nextFloat() * 2 - 1;
        }
        logits = new float[batch * classes];
        if (!schedule.equals("grouped") && !schedule.equals("sequential")) {
            throw new IllegalArgumentException("schedule must be grouped or sequential, got "
                    + schedule);
        }
        grouped = schedule.equals("grouped");
    }

    @TearDown
    public void tearDown() {
        session.close();
    }

    @Benchmark
    public float[] inference() {
        if (grouped) {
            session.runBatch(images, 0, batch, logits, 0);
            return logits;
        }
        for (int b = 0; b < batch; b++) {
            session.run(images, b * inputLength, logits, b * classes);
        }
        return logits;
    }
}
