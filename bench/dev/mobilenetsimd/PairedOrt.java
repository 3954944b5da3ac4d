package dev.mobilenetsimd;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.onnx.OnnxExporter;
import dev.mobilenetsimd.onnx.OnnxModel;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.Map;

/**
 * Our fused vector network against ONNX Runtime in one JVM: whole inferences of the two in turn,
 * a few of each per round (each first in every other round), on the same random weights (our
 * ONNX export: 1000 classes, symmetric padding) and the same image, as {@code OnnxRuntimeBench}
 * runs them. JMH runs the two in separate forks a minute or more apart, and a change of the
 * host's state between them moved their ratio from 0.93 to 1.02 within five minutes (session
 * 39); in turn, it hits both alike. Prints the medians, their ratio, the per-round ratios'
 * spread, the ratio by the host's state, and how far the two engines' logits are apart (the
 * same network, so a large gap would mean the comparison is not of like with like). Run it
 * through {@code bench/run.sh paired-ort}.
 *
 * <p>One thread each only: two threads each cannot be timed in turn on this machine's two cores.
 * ONNX Runtime's intra-op workers spin on after an inference and took a core from ours (ours
 * 5.6 ms, against 2.5 with them not spinning; per round 0.65-1.70 of ONNX Runtime's time), and
 * told not to ({@code session.intra_op.allow_spinning} 0) they gain nothing from the second
 * thread (4.9 ms against 5.1 on one): session 39, {@code reports/adhoc/README.md}.
 * {@code OnnxRuntimeBench} times two threads in separate forks.
 *
 * <pre>PairedOrt [--warmup SECONDS] [--rounds N] [--per N]</pre>
 */
public final class PairedOrt {
    private PairedOrt() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("PairedOrt: " + e.getMessage());
            System.err.println("usage: PairedOrt [--warmup SECONDS] [--rounds N] [--per N]");
            System.exit(2);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(String[] args) throws Exception {
        int warmupSeconds = 20; // twice PairedModes': ONNX Runtime's turns take half of it
        int rounds = 100;
        int per = 5;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--warmup": warmupSeconds = StepProfile.positive("--warmup", value); i++;
                    break;
                case "--rounds": rounds = StepProfile.positive("--rounds", value); i++; break;
                case "--per": per = StepProfile.positive("--per", value); i++; break;
                default: throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        ModelConfig cfg = new ModelConfig(1.0, 224, 1000, Padding.SYMMETRIC);
        Weights weights = Weights.random(cfg, 42);
        MobileNetV2 net = MobileNetV2.create(cfg, weights, KernelSets.vector(),
                ExecutionMode.FUSED);
        int size = cfg.resolution();
        float[] nhwc = StepProfile.randomImage(net.inputLength());
        float[] nchw = OnnxModel.nhwcToNchw(nhwc, size, size, 3);
        float[] ours = new float[cfg.classes()];
        float[][] theirs = new float[1][];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (Session session = net.newSession(1);
             OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            // as OnnxRuntimeBench sets it up: all graph optimisations, sequential, one thread
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setIntraOpNumThreads(1);
            opts.setInterOpNumThreads(1);
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            try (OrtSession ort = env.createSession(OnnxExporter.toBytes(weights), opts);
                 OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(nchw),
                         new long[] {1, 3, size, size})) {
                Map<String, OnnxTensor> inputs = Map.of(OnnxExporter.INPUT_NAME, input);
                InTurn.Timed oursRun = () -> session.run(nhwc, 0, ours, 0);
                InTurn.Timed ortRun = () -> {
                    try (OrtSession.Result r = ort.run(inputs)) {
                        theirs[0] = ((float[][]) r.get(0).getValue())[0];
                    }
                };
                System.err.printf(Locale.ROOT, "MobileNetV2 1.0/224 (1000 classes, symmetric"
                        + " padding), ours (%s kernels, fused) and ONNX Runtime %s, one thread"
                        + " each: warming up for %d s ...%n", net.kernels().name(),
                        ortVersion(env), warmupSeconds);
                InTurn.warmUp(oursRun, ortRun, warmupSeconds);
                System.err.printf(Locale.ROOT, "%d rounds of %d inferences each ...%n", rounds,
                        per);
                InTurn.Result r = InTurn.measure(ortRun, oursRun, rounds, per, true);
                double o = r.medianB, t = r.medianA;
                System.out.println("| | median µs per inference | ours ÷ ONNX Runtime |");
                System.out.println("|---|---:|---:|");
                System.out.printf(Locale.ROOT, "| ONNX Runtime | %.1f | |%n", t);
                System.out.printf(Locale.ROOT, "| ours, fused | %.1f | **%.3f** |%n", o, o / t);
                System.out.printf(Locale.ROOT, "%nPer-round ratios (%d rounds of %d inferences"
                        + " each way): 10th percentile %.3f, median %.3f, 90th percentile %.3f."
                        + "%n", rounds, per, r.roundRatio(10), r.roundRatio(50),
                        r.roundRatio(90));
                System.out.printf(Locale.ROOT, "%nLogits: largest difference %.2g, largest"
                        + " logit %.3g.%n", maxAbsDiff(ours, theirs[0]), maxAbs(theirs[0]));
                PairedModes.printByHostState(r, "ONNX Runtime", "ours");
            }
        }
    }

    private static String ortVersion(OrtEnvironment env) {
        try {
            return env.getVersion();
        } catch (RuntimeException | LinkageError e) {
            return "(version unknown)"; // only a label: older packages lack the call
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalStateException("ours gave " + a.length + " logits, ONNX Runtime "
                    + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
