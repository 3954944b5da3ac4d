package dev.mobilenetsimd.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Session;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.onnx.OnnxProto.Attribute;
import dev.mobilenetsimd.onnx.OnnxProto.Graph;
import dev.mobilenetsimd.onnx.OnnxProto.Model;
import dev.mobilenetsimd.onnx.OnnxProto.Node;
import dev.mobilenetsimd.onnx.OnnxProto.Tensor;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/** ONNX Runtime as the oracle, and small graph-editing helpers for synthesised ONNX files. */
final class OnnxTestSupport {
    private OnnxTestSupport() {}

    /**
     * Logits of ONNX Runtime (graph optimisation ALL,
     * sequential, {@code threads} intra-op threads).
     */
    static float[] runOrt(byte[] onnx, float[] nchw, int resolution, int threads)
            throws OrtException {
        return runOrt(onnx, nchw, new long[] {1, 3, resolution, resolution}, threads);
    }

    /** {@link #runOrt(byte[], float[], int, int)} on an input of {@code shape} (NHWC too). */
    static float[] runOrt(byte[] onnx, float[] image, long[] shape, int threads)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setIntraOpNumThreads(threads);
            opts.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            try (OrtSession session = env.createSession(onnx, opts);
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(image), shape);
                 OrtSession.Result r =
                         session.run(Map.of(session.getInputNames().iterator().next(), in))) {
                Object v = r.get(0).getValue();
                if (v instanceof float[][][][] map) {
                    // [1, classes, 1, 1], a 1x1 Conv classifier's map as the output
                    float[] logits = new float[map[0].length];
                    for (int k = 0; k < logits.length; k++) {
                        logits[k] = map[0][k][0][0];
                    }
                    return logits;
                }
                return v instanceof float[][] ? ((float[][]) v)[0] : (float[]) v;
            }
        }
    }

    /** Logits of our fused network on {@code kernels}. */
    static float[] runOurs(ModelConfig cfg, Weights w, KernelSet kernels, float[] nhwc) {
        MobileNetV2 model = MobileNetV2.create(cfg, w, kernels, ExecutionMode.FUSED);
        try (Session s = model.newSession()) {
            return s.run(nhwc);
        }
    }

    /** A deterministic NHWC image with values in [-1, 1]. */
    static float[] randomImage(int resolution, long seed) {
        Random rnd = new Random(seed);
        float[] img = new float[resolution * resolution * 3];
        for (int i = 0; i < img.length; i++) {
            img[i] = rnd.nextFloat() * 2 - 1;
        }
        return img;
    }

    static int[] top(float[] logits, int k) {
        return IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -logits[i]))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    static float maxAbsDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    // ---- graph editing --------------------------------------------------------------------------

    static Model withGraph(Model m, List<Node> nodes, List<Tensor> inits) {
        Graph g = m.graph();
        return new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                new Graph(g.name(), nodes, inits, g.inputs(), g.outputs()), m.metadata());
    }

    static Model withOpset(Model m, long opset) {
        return new Model(m.irVersion(), List.of(new OnnxProto.OpsetId("", opset)), m.producerName(),
                m.producerVersion(), m.graph(), Map.of());
    }

    /**
     * {@code m} with its input's and output's batch set to {@code batch}: a {@link Long}
     * dim_value, a {@link String} dim_param, or null for neither. An output without a shape
     * keeps none.
     */
    static Model withBatch(Model m, Object batch) {
        Graph g = m.graph();
        List<OnnxProto.ValueInfo> ends = new ArrayList<>();
        for (OnnxProto.ValueInfo v : List.of(g.inputs().get(0), g.outputs().get(0))) {
            List<Object> dims = v.dims() == null ? null : new ArrayList<>(v.dims());
            if (dims != null) {
                dims.set(0, batch);
            }
            ends.add(new OnnxProto.ValueInfo(v.name(), v.elemType(), dims));
        }
        return new Model(m.irVersion(), m.opsets(), m.producerName(), m.producerVersion(),
                new Graph(g.name(), g.nodes(), g.initializers(), List.of(ends.get(0)),
                        List.of(ends.get(1))), m.metadata());
    }

    static Model mapNodes(Model m, UnaryOperator<Node> f) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            Node r = f.apply(n);
            if (r != null) {
                nodes.add(r);
            }
        }
        return withGraph(m, nodes, m.graph().initializers());
    }

    static Node withOp(Node n, String op) {
        return new Node(n.name(), op, n.domain(), n.inputs(), n.outputs(), n.attributes());
    }

    static Node withInputs(Node n, String... inputs) {
        return new Node(n.name(), n.opType(), n.domain(), List.of(inputs), n.outputs(),
                n.attributes());
    }

    static Node withAttributes(Node n, Attribute... attrs) {
        return new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), List.of(attrs));
    }

    /**
     * {@code n}'s attributes with {@code replacement}
     * replacing the one of the same name (or added).
     */
    static Node withAttribute(Node n, Attribute replacement) {
        List<Attribute> attrs = new ArrayList<>();
        for (Attribute a : n.attributes()) {
            if (!a.name().equals(replacement.name())) {
                attrs.add(a);
            }
        }
        attrs.add(replacement);
        return new Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), attrs);
    }

    static Node node(String name, String op, List<String> inputs, String output,
            Attribute... attrs) {
        return new Node(name, op, "", inputs, List.of(output), Arrays.asList(attrs));
    }

    static Tensor initializer(Model m, String name) {
        return m.graph().initializers().stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow();
    }
}
