package dev.mobilenetsimd.onnx;

import static dev.mobilenetsimd.onnx.OnnxTestSupport.withBatch;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.Classification;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.onnx.OnnxProto.Attribute;
import dev.mobilenetsimd.onnx.OnnxProto.Graph;
import dev.mobilenetsimd.onnx.OnnxProto.Model;
import dev.mobilenetsimd.onnx.OnnxProto.Node;
import dev.mobilenetsimd.onnx.OnnxProto.Tensor;
import dev.mobilenetsimd.onnx.OnnxProto.ValueInfo;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reshapes of the pooled features (before the classifier) and of the logits (after it) of an
 * input with a fixed batch N, against ONNX Runtime run at that batch. A shape that gives N rows
 * of C, one per image ([N, C], [N, -1], [-1, C], [0, -1], and with a 0 copying C), ONNX Runtime
 * runs: it imports and gives ONNX Runtime's logits image by image. One that does not hold the
 * N images' values ONNX Runtime fails, and so do we, naming the shape, the batch and the forms
 * expected. Both were decided as for one image: [N, C] was refused for N of 2 or more, and after
 * the classifier [1, C] and [C] were taken, which ONNX Runtime fails at every run.
 */
class OnnxFixedBatchReshapeTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 96, 1000, Padding.SYMMETRIC);
    private static final Model BASE = OnnxExporter.model(Weights.random(CFG, 21));
    private static final long FEATURES = 1280;
    private static final long CLASSES = 1000;

    /** The shapes that give a batch of {@code n} a row of {@code width} values per image. */
    private static long[][] rowsPerImage(long n, long width) {
        return new long[][] {{n, width}, {n, -1}, {-1, width}, {0, -1}, {0, width}, {n, 0},
                {-1, 0}, {0, 0}};
    }

    /** The shapes that do not hold a batch of {@code n} rows of {@code width} values. */
    private static long[][] notHoldingTheBatch(long n, long width) {
        return new long[][] {{1, width}, {n + 1, width}, {1, 0}, {width}};
    }

    /** The shapes that hold the batch's values but not as a row per image. */
    private static long[][] otherRows(long n, long width) {
        return new long[][] {{1, -1}, {-1}, {n * width}, {2 * n, -1}, {-1, width / 2}};
    }

    @Test
    void reshapeOfThePooledFeaturesOfAFixedBatch() throws Exception {
        for (long n : new long[] {2, 3}) {
            for (long[] shape : rowsPerImage(n, FEATURES)) {
                assertImportsAsOrtRuns(withBatch(flattenAsReshape(shape), n), (int) n);
            }
            List<long[]> refused = new ArrayList<>(List.of(notHoldingTheBatch(n, FEATURES)));
            // the classifier (Gemm) fails these in ONNX Runtime: not [N, C]
            refused.addAll(List.of(otherRows(n, FEATURES)));
            for (long[] shape : refused) {
                byte[] bytes = OnnxProto.write(withBatch(flattenAsReshape(shape), n));
                assertThrows(OrtException.class, () -> runOrt(bytes, images((int) n)),
                        Arrays.toString(shape));
                String message = assertThrows(OnnxFormatException.class,
                        () -> OnnxModel.read(bytes)).getMessage();
                assertTrue(message.startsWith("not a MobileNetV2 graph: Reshape 'flatten'"
                        + " reshapes the pooled features to " + Arrays.toString(shape)
                        + ", but the input 'input' has a fixed batch of " + n + ": "), message);
                assertTrue(message.endsWith(", and ONNX Runtime fails that graph; expected ["
                        + n + ", 1280], [" + n + ", -1], [0, -1] or [-1, 1280]"), message);
            }
        }
        Model oneRow = withBatch(flattenAsReshape(new long[] {1, 1280}), 2L);
        assertEquals("not a MobileNetV2 graph: Reshape 'flatten' reshapes the pooled features"
                + " to [1, 1280], but the input 'input' has a fixed batch of 2: that shape does"
                + " not hold their 2 x 1280 values, and ONNX Runtime fails that graph; expected"
                + " [2, 1280], [2, -1], [0, -1] or [-1, 1280]", refusal(oneRow));
        Model twoImagesInOneRow = withBatch(flattenAsReshape(new long[] {1, -1}), 2L);
        assertEquals("not a MobileNetV2 graph: Reshape 'flatten' reshapes the pooled features"
                + " to [1, -1], but the input 'input' has a fixed batch of 2: that makes their"
                + " 2 x 1280 values [1, 2560], not a row of 1280 for each image, and ONNX Runtime"
                + " fails that graph; expected [2, 1280], [2, -1], [0, -1] or [-1, 1280]",
                refusal(twoImagesInOneRow));
    }

    /**
     * After the classifier likewise, the classes kept last: [1, -1] and [-1] ONNX Runtime runs,
     * but as one row of every image's logits, which a Softmax would normalise together, and so
     * they are refused as [1000, 1] is.
     */
    @Test
    void reshapeOfTheLogitsOfAFixedBatch() throws Exception {
        for (long n : new long[] {2, 3}) {
            for (long[] shape : rowsPerImage(n, CLASSES)) {
                assertImportsAsOrtRuns(withBatch(withTail(shape), n), (int) n);
            }
            for (long[] shape : notHoldingTheBatch(n, CLASSES)) {
                byte[] bytes = OnnxProto.write(withBatch(withTail(shape), n));
                assertThrows(OrtException.class, () -> runOrt(bytes, images((int) n)),
                        Arrays.toString(shape));
                String message = refusal(withBatch(withTail(shape), n));
                assertTrue(message.contains(", and ONNX Runtime fails that graph; expected"),
                        message);
                assertTail(message, shape, n);
            }
            for (long[] shape : otherRows(n, CLASSES)) {
                long[] ortShape = runOrt(OnnxProto.write(withBatch(withTail(shape), n)),
                        images((int) n)).shape();
                assertFalse(Arrays.equals(new long[] {n, CLASSES}, ortShape),
                        Arrays.toString(ortShape));
                String message = refusal(withBatch(withTail(shape), n));
                assertTrue(message.contains(", not a row of 1000 for each image; expected"),
                        message);
                assertTail(message, shape, n);
            }
        }
        assertEquals("not a MobileNetV2 graph: Reshape 'tail' reshapes the logits [N, 1000] to"
                + " [1, 1000], but the input 'input' has a fixed batch of 2: that shape does not"
                + " hold their 2 x 1000 values, and ONNX Runtime fails that graph; expected"
                + " [2, 1000], [2, -1], [0, -1] or [-1, 1000], which keep the classes last",
                refusal(withBatch(withTail(new long[] {1, 1000}), 2L)));
        assertEquals("not a MobileNetV2 graph: Reshape 'tail' reshapes the logits [N, 1000] to"
                + " [-1], but the input 'input' has a fixed batch of 2: that makes their"
                + " 2 x 1000 values [2000], not a row of 1000 for each image; expected"
                + " [2, 1000], [2, -1], [0, -1] or [-1, 1000], which keep the classes last",
                refusal(withBatch(withTail(new long[] {-1}), 2L)));
    }

    /**
     * After the classifier, [N, 1, classes], which ONNX Runtime runs, holds a row of the classes
     * for each image as [N, classes] does: at a fixed batch, and of a batch not fixed or of 1 as
     * one image's, as there. A Flatten after it from axis 1 or 2 (-2 or -1) gives [N, classes];
     * from axis 0 it gives one row of every image's logits, refused as [1, -1] is. It was
     * refused, naming the shapes of rank 2.
     */
    @Test
    void reshapeOfTheLogitsToNByOneByClasses() throws Exception {
        for (long n : new long[] {1, 2, 3}) {
            for (long[] shape : new long[][] {{n, 1, CLASSES}, {n, 1, -1}, {-1, 1, CLASSES},
                    {0, 1, -1}}) {
                assertImportsAsOrtRuns(withBatch(withTail(shape), n), (int) n);
            }
            for (long axis : new long[] {1, 2, -1, -2}) {
                assertImportsAsOrtRuns(withBatch(withTailThenFlatten(new long[] {n, 1, -1},
                        axis), n), (int) n);
            }
        }
        for (Object batch : new Object[] {"N", null}) {
            for (long[] shape : new long[][] {{1, 1, CLASSES}, {-1, 1, CLASSES}, {0, 1, -1}}) {
                assertImportsAsOrtRuns(withBatch(withTail(shape), batch), 1);
            }
        }
        Model flattenAll = withBatch(withTailThenFlatten(new long[] {2, 1, -1}, 0), 2L);
        assertArrayEquals(new long[] {1, 2 * CLASSES},
                runOrt(OnnxProto.write(flattenAll), images(2)).shape());
        assertEquals("not a MobileNetV2 graph: Flatten 'tail.flatten' flattens [N, 1, 1000] from"
                + " axis 0; expected axis 1 or 2 (-2 or -1), which keep the classes last",
                refusal(flattenAll));
    }

    /**
     * A Softmax after the logits reshaped to [N, 1, classes] normalises each image's classes
     * when it takes the last axis (2 or -1, or by default from opset 13): ONNX Runtime's
     * probabilities are the softmax of our logits, image by image, at a fixed batch and of a
     * batch not fixed. From opset 13 a Softmax of axis 1 (or -2) normalises the axis of size 1,
     * every value 1 in ONNX Runtime, and is refused naming the axis.
     */
    @Test
    void softmaxAfterTheLogitsReshapedToNByOneByClasses() throws Exception {
        for (long n : new long[] {1, 2}) {
            for (Long axis : new Long[] {2L, -1L, null}) {
                assertSoftmaxAsOrtRuns(withBatch(withTailThenSoftmax(new long[] {n, 1, -1}, 13,
                        axis), n), (int) n);
            }
            for (long axis : new long[] {1, -2}) {
                Model m = withBatch(withTailThenSoftmax(new long[] {n, 1, -1}, 13, axis), n);
                Output ort = runOrt(OnnxProto.write(m), images((int) n));
                assertArrayEquals(new long[] {n, 1, CLASSES}, ort.shape());
                for (float p : ort.values()) {
                    assertEquals(1f, p, "a softmax over one value");
                }
                assertEquals("not a MobileNetV2 graph: Softmax 'tail.softmax' normalises axis "
                        + axis + " of [N, 1, 1000]; expected the classes (axis 2 or -1)",
                        refusal(m));
            }
        }
        assertSoftmaxAsOrtRuns(withBatch(withTailThenSoftmax(new long[] {1, 1, -1}, 13, 2L),
                "N"), 1);
    }

    /**
     * Before opset 13 a Softmax takes its input from the axis as a matrix: of [N, 1, classes]
     * from axis 1 (its default, or -2) it normalises each image's classes, as from axis 2, and
     * ONNX Runtime runs it so; it was refused as normalising the axis of size 1. From axis 0 it
     * normalises every image's classes together, and is refused.
     */
    @Test
    void softmaxBeforeOpset13AfterTheLogitsReshapedToNByOneByClasses() throws Exception {
        for (long opset : new long[] {11, 12}) {
            for (Long axis : new Long[] {null, 1L, -2L, 2L, -1L}) {
                assertSoftmaxAsOrtRuns(withBatch(withTailThenSoftmax(new long[] {2, 1, -1},
                        opset, axis), 2L), 2);
            }
            Model together = withBatch(withTailThenSoftmax(new long[] {2, 1, -1}, opset, 0L),
                    2L);
            float[] p = runOrt(OnnxProto.write(together), images(2)).values();
            double sum = 0;
            for (int k = 0; k < CLASSES; k++) {
                sum += p[k];
            }
            assertTrue(sum < 0.999, "the first image's probabilities sum to " + sum);
            assertEquals("not a MobileNetV2 graph: Softmax 'tail.softmax' normalises axis 0 of"
                    + " [N, 1, 1000]; expected the classes (axis 1, 2, -2 or -1, which before"
                    + " opset 13 each take the classes of each image)", refusal(together));
        }
    }

    /**
     * A target shape ONNX does not allow, with two -1s or a size below -1, ONNX Runtime fails
     * at any batch; the message names the Reshape, the shape and what is wrong, where at a
     * fixed batch of 2 or more it said that the shape did not hold the images' values.
     */
    @Test
    void aReshapeToAShapeOnnxDoesNotAllowIsNamed() throws Exception {
        String expected = "; expected at most one -1 (the size the others leave) and no other"
                + " negative size";
        for (Object batch : new Object[] {2L, 3L, 1L, "N"}) {
            int n = batch instanceof Long b ? b.intValue() : 1;
            Model twice = withBatch(flattenAsReshape(new long[] {-1, -1}), batch);
            assertThrows(OrtException.class, () -> runOrt(OnnxProto.write(twice), images(n)));
            assertEquals("Reshape 'flatten' reshapes to [-1, -1], with 2 sizes of -1, which ONNX"
                    + " does not allow" + expected, refusal(twice));
            Model negative = withBatch(withTail(new long[] {2, -2}), batch);
            assertThrows(OrtException.class,
                    () -> runOrt(OnnxProto.write(negative), images(n)));
            assertEquals("Reshape 'tail' reshapes to [2, -2], with the size -2, which ONNX does"
                    + " not allow" + expected, refusal(negative));
        }
    }

    /**
     * Of a batch not fixed, or fixed at 1, one image's row: a 0 copying C, which ONNX Runtime
     * runs, imports as [1, C] and [1, -1] do (it was refused), and [2, C] stays refused.
     */
    @Test
    void reshapeOfOneImage() throws Exception {
        for (Object batch : new Object[] {"N", null, 1L}) {
            for (long[] shape : new long[][] {{1, 0}, {-1, 0}, {0, 0}, {1, -1}, {0, -1}}) {
                assertImportsAsOrtRuns(withBatch(flattenAsReshape(shape), batch), 1);
                assertImportsAsOrtRuns(withBatch(withTail(shape), batch), 1);
            }
            Model two = withBatch(flattenAsReshape(new long[] {2, 1280}), batch);
            assertThrows(OrtException.class, () -> runOrt(OnnxProto.write(two), images(1)));
            assertEquals("not a MobileNetV2 graph: Reshape 'flatten' reshapes the pooled"
                    + " features to [2, 1280]; expected [1, 1280] or [1, -1]", refusal(two));
        }
    }

    private static void assertTail(String message, long[] shape, long n) {
        assertTrue(message.startsWith("not a MobileNetV2 graph: Reshape 'tail' reshapes the"
                + " logits [N, 1000] to " + Arrays.toString(shape) + ", but the input 'input'"
                + " has a fixed batch of " + n + ": "), message);
        assertTrue(message.endsWith("; expected [" + n + ", 1000], [" + n + ", -1], [0, -1]"
                + " or [-1, 1000], which keep the classes last"), message);
    }

    /**
     * ONNX Runtime runs {@code m} on {@code n} different images, and we import it: our logits
     * of each image are its output's row for that image.
     */
    private static void assertImportsAsOrtRuns(Model m, int n) throws Exception {
        byte[] bytes = OnnxProto.write(m);
        float[][] nhwc = images(n);
        Output ort = runOrt(bytes, nhwc);
        long[] rows = ort.shape().length == 1 ? new long[] {CLASSES}
                : ort.shape().length == 3 ? new long[] {n, 1, CLASSES} : new long[] {n, CLASSES};
        assertArrayEquals(rows, ort.shape());
        OnnxModel imported = OnnxModel.read(bytes);
        assertEquals(CFG, imported.config());
        for (int i = 0; i < n; i++) {
            float[] expected = Arrays.copyOfRange(ort.values(), i * (int) CLASSES,
                    (i + 1) * (int) CLASSES);
            float[] ours = OnnxTestSupport.runOurs(imported.config(), imported.weights(),
                    KernelSets.vector(), nhwc[i]);
            float tol = OnnxRuntimeAgreementTest.RELATIVE_TOLERANCE
                    * Math.max(1f, OnnxTestSupport.maxAbs(expected));
            float diff = OnnxTestSupport.maxAbsDiff(expected, ours);
            assertTrue(diff <= tol, "image " + i + ": max |Δlogit| " + diff + " > " + tol);
        }
    }

    /**
     * ONNX Runtime runs {@code m}, whose output is a Softmax of the logits as [n, 1, classes],
     * on {@code n} different images, and we import it: the softmax of our logits of each image
     * is its output's row for that image (we give the logits it normalises).
     */
    private static void assertSoftmaxAsOrtRuns(Model m, int n) throws Exception {
        byte[] bytes = OnnxProto.write(m);
        float[][] nhwc = images(n);
        Output ort = runOrt(bytes, nhwc);
        assertArrayEquals(new long[] {n, 1, CLASSES}, ort.shape());
        OnnxModel imported = OnnxModel.read(bytes);
        assertEquals(CFG, imported.config());
        for (int i = 0; i < n; i++) {
            float[] expected = Arrays.copyOfRange(ort.values(), i * (int) CLASSES,
                    (i + 1) * (int) CLASSES);
            float[] ours = Classification.softmax(OnnxTestSupport.runOurs(imported.config(),
                    imported.weights(), KernelSets.vector(), nhwc[i]));
            float diff = OnnxTestSupport.maxAbsDiff(expected, ours);
            assertTrue(diff <= OnnxRuntimeAgreementTest.RELATIVE_TOLERANCE,
                    "image " + i + ": max |Δp| " + diff);
        }
    }

    /** The message of our refusal of {@code m}. */
    private static String refusal(Model m) {
        byte[] bytes = OnnxProto.write(m);
        return assertThrows(OnnxFormatException.class, () -> OnnxModel.read(bytes)).getMessage();
    }

    /** {@code n} different NHWC images. */
    private static float[][] images(int n) {
        float[][] images = new float[n][];
        for (int i = 0; i < n; i++) {
            images[i] = OnnxTestSupport.randomImage(96, 40 + i);
        }
        return images;
    }

    private record Output(long[] shape, float[] values) {}

    /** ONNX Runtime's output for the batch of {@code nhwc} images (it fails at load or run). */
    private static Output runOrt(byte[] bytes, float[][] nhwc) throws OrtException {
        FloatBuffer batch = FloatBuffer.allocate(nhwc.length * 3 * 96 * 96);
        for (float[] image : nhwc) {
            batch.put(OnnxModel.nhwcToNchw(image, 96, 96, 3));
        }
        batch.flip();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            try (OrtSession s = env.createSession(bytes, opts);
                 OnnxTensor x = OnnxTensor.createTensor(env, batch,
                         new long[] {nhwc.length, 3, 96, 96});
                 OrtSession.Result r = s.run(Map.of(s.getInputNames().iterator().next(), x))) {
                OnnxTensor out = (OnnxTensor) r.get(0);
                FloatBuffer values = out.getFloatBuffer();
                float[] all = new float[values.remaining()];
                values.get(all);
                return new Output(out.getInfo().getShape(), all);
            }
        }
    }

    /** The export at opset 13 with its Flatten replaced by a Reshape to {@code shape}. */
    private static Model flattenAsReshape(long[] shape) {
        Model m = OnnxTestSupport.withOpset(BASE, 13);
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        inits.add(Tensor.ofLongs("flat.shape", shape, shape.length));
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            nodes.add(n.opType().equals("Flatten") ? new Node(n.name(), "Reshape", "",
                    List.of(n.input(0), "flat.shape"), n.outputs(), List.of()) : n);
        }
        return OnnxTestSupport.withGraph(m, nodes, inits);
    }

    /** {@link #withTail} with a Flatten from {@code axis} after the Reshape, giving the output. */
    private static Model withTailThenFlatten(long[] shape, long axis) {
        Model m = withTail(shape);
        Graph g = m.graph();
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            nodes.add(n.name().equals("tail") ? new Node("tail", "Reshape", "", n.inputs(),
                    List.of("tail.out"), List.of()) : n);
        }
        nodes.add(new Node("tail.flatten", "Flatten", "", List.of("tail.out"),
                List.of(g.outputs().get(0).name()), List.of(Attribute.ofInt("axis", axis))));
        return OnnxTestSupport.withGraph(m, nodes, g.initializers());
    }

    /**
     * {@link #withTail} at {@code opset} with a Softmax of {@code axis} (null: its default)
     * after the Reshape, giving the output.
     */
    private static Model withTailThenSoftmax(long[] shape, long opset, Long axis) {
        Model m = OnnxTestSupport.withOpset(withTail(shape), opset);
        Graph g = m.graph();
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            nodes.add(n.name().equals("tail") ? new Node("tail", "Reshape", "", n.inputs(),
                    List.of("tail.out"), List.of()) : n);
        }
        nodes.add(new Node("tail.softmax", "Softmax", "", List.of("tail.out"),
                List.of(g.outputs().get(0).name()),
                axis == null ? List.of() : List.of(Attribute.ofInt("axis", axis))));
        return OnnxTestSupport.withGraph(m, nodes, g.initializers());
    }

    /**
     * The export at opset 13 with a Reshape to {@code shape} after its classifier giving the
     * output, which has no shape: the Reshape's is what is checked.
     */
    private static Model withTail(long[] shape) {
        Model m = OnnxTestSupport.withOpset(BASE, 13);
        String out = m.graph().outputs().get(0).name();
        List<Tensor> inits = new ArrayList<>(m.graph().initializers());
        inits.add(Tensor.ofLongs("tail.shape", shape, shape.length));
        List<Node> nodes = new ArrayList<>();
        for (Node n : m.graph().nodes()) {
            nodes.add(n.opType().equals("Gemm") ? new Node(n.name(), "Gemm", "", n.inputs(),
                    List.of("gemm.out"), n.attributes()) : n);
        }
        nodes.add(new Node("tail", "Reshape", "", List.of("gemm.out", "tail.shape"),
                List.of(out), List.of()));
        Graph g = m.graph();
        return new Model(m.irVersion(), m.opsets(), "", "", new Graph(g.name(), nodes, inits,
                g.inputs(), List.of(new ValueInfo(out, OnnxProto.FLOAT, null))), Map.of());
    }
}
