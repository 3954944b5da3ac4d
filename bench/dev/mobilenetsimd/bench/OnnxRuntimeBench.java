package dev.mobilenetsimd.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Session;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.onnx.OnnxExporter;
import dev.mobilenetsimd.onnx.OnnxModel;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.nio.FloatBuffer;
import java.util.Map;
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
 * MobileNetV2 1.0/224, batch 1: our fused vector path against ONNX Runtime (CPU execution
 * provider, graph optimisation level ALL, sequential execution, 1 or 2 intra-op threads) on the
 * same random weights (our ONNX export) and the same image (NHWC for us, NCHW for ONNX Runtime).
 * The score is the time of one inference. ONNX Runtime's times include creating its result
 * (a 1000-float copy), which is negligible next to the network.
 *
 * <p>The model here has 1000 classes and symmetric padding (what the ONNX export writes), while
 * {@code NetworkBench} runs 1001 classes with TensorFlow's SAME padding: the {@code ours} times
 * are of a slightly different network and are not to be set beside {@code NetworkBench}'s.
 * Compare ours with ONNX Runtime within one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-Xms1g", "-Xmx1g"})
public class OnnxRuntimeBench {
    /**
     * {@code ours-vector-fused} (one thread), {@code ours-vector-fused-2threads} (a session with
     * intra-op workers), {@code ort-1thread} or {@code ort-2threads}.
     */
    @Param({"ours-vector-fused", "ours-vector-fused-2threads", "ort-1thread", "ort-2threads"})
    public String engine;

    private Session ours;
    private float[] nhwc;
    private float[] logits;

    private OrtSession ort;
    private OnnxTensor ortInput;
    private Map<String, OnnxTensor> ortInputs;

    @Setup
    public void setup() throws OrtException {
        ModelConfig cfg = new ModelConfig(1.0, 224, 1000, Padding.SYMMETRIC);
        Weights weights = Weights.random(cfg, 42);
        nhwc = new float[cfg.resolution() * cfg.resolution() * 3];
        Random rnd = new Random(43);
        for (int i = 0; i < nhwc.length; i++) {
            nhwc[i] = rnd.nextFloat() * 2 - 1;
        }
        logits = new float[cfg.classes()];
        if (engine.startsWith("ours")) {
            ours = MobileNetV2.create(cfg, weights, KernelSets.vector(), ExecutionMode.FUSED)
                    .newSession(engine.endsWith("2threads") ? 2 : 1);
            return;
        }
        int threads = engine.equals("ort-1thread") ? 1 : 2;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            ort = env.createSession(OnnxExporter.toBytes(weights), opts);
        }
        float[] nchw = OnnxModel.nhwcToNchw(nhwc, cfg.resolution(), cfg.resolution(), 3);
        ortInput = OnnxTensor.createTensor(env, FloatBuffer.wrap(nchw),
                new long[] {1, 3, cfg.resolution(), cfg.resolution()});
        ortInputs = Map.of(OnnxExporter.INPUT_NAME, ortInput);
    }

    @TearDown
    public void tearDown() throws OrtException {
        if (ours != null) {
            ours.close();
        }
        if (ort != null) {
            ortInput.close();
            ort.close();
        }
    }

    @Benchmark
    public float[] inference() throws OrtException {
        if (ours != null) {
            ours.run(nhwc, 0, logits, 0);
            return logits;
        }
        try (OrtSession.Result r = ort.run(ortInputs)) {
            return ((float[][]) r.get(0).getValue())[0];
        }
    }
}
