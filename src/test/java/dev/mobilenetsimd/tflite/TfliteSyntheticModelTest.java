package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Session;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.Labels;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.Layer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Float32 models written with {@link TfliteWriter}:
 * every variant round-trips, every defect is named.
 */
class TfliteSyntheticModelTest {

    private static Weights weights(double alpha, int resolution, int classes, Padding padding) {
        return Weights.random(new ModelConfig(alpha, resolution, classes, padding), 7);
    }

    @ParameterizedTest(name = "alpha {0}, {1}px, {2} classes, {3}, fc={4}, mean={5}, pad={6}")
    @CsvSource({
            "0.35, 32, 10, TF_SAME, false, false, false",
            "0.5, 64, 1, TF_SAME, true, true, false",
            "1.0, 32, 1001, TF_SAME, false, true, true",
            "0.75, 48, 3, SYMMETRIC, true, false, true",
            "1.4, 33, 7, TF_SAME, false, false, false",
            "0.35, 33, 5, SYMMETRIC, false, false, true"})
    void roundTripsConfigAndWeights(double alpha, int resolution, int classes, Padding padding,
                                    boolean fc, boolean mean, boolean pad)
            throws ModelFormatException {
        Weights w = weights(alpha, resolution, classes, padding);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.fullyConnected = fc;
        v.mean = mean;
        v.explicitPad = pad;
        TfliteModel m = TfliteModel.read(TfliteWriter.mobileNet(w, v));
        // Odd sizes make both conventions pad the same way; TF SAME is then the one reported.
        Padding expected = resolution % 2 == 1 ? Padding.TF_SAME : padding;
        assertEquals(new ModelConfig(alpha, resolution, classes, expected).toString(),
                m.config().toString());
        assertEquals(expected, m.config().padding());
        for (Layer l : w.layers()) {
            assertArrayEquals(w.kernel(l.index()), m.weights().kernel(l.index()), l.name());
            assertArrayEquals(w.bias(l.index()), m.weights().bias(l.index()), l.name());
        }
        assertEquals(InputNormalization.minusOneToOne(), m.inputNormalization());
    }

    /** Labels must name every class or none, as for any {@code Classifier}. */
    @Test
    void classifierRefusesLabelsOfAnotherCount() throws ModelFormatException {
        TfliteModel m = TfliteModel.read(TfliteWriter.mobileNet(
                weights(0.35, 32, 7, Padding.TF_SAME), new TfliteWriter.Variant()));
        Labels five = Labels.parse("a\nb\nc\nd\ne");
        for (Executable call : List.<Executable>of(
                () -> m.classifier(KernelSets.scalar(), five, 5).close(),
                () -> m.classifier(KernelSets.scalar(), five, 5, 1).close())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertEquals("the labels have 5 names, the model 7 classes: expected one name per"
                    + " class (name i for class i), or Labels.none()", e.getMessage());
        }
        m.classifier(KernelSets.scalar(), Labels.none(), 5).close();
    }

    /**
     * A float16 model as the TensorFlow Lite converter writes it: every weight and bias a float16
     * constant behind a DEQUANTIZE to float32. The class comment promised float16 weights; such a
     * model was refused ("DEQUANTIZE ... is not part of the MobileNetV2 chain").
     */
    @ParameterizedTest(name = "alpha {0}, {1}px, fc={2}")
    @CsvSource({"0.35, 32, false", "0.5, 48, true"})
    void float16WeightsBehindDequantizeImport(double alpha, int resolution, boolean fc)
            throws ModelFormatException {
        Weights w = weights(alpha, resolution, 5, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.float16 = true;
        v.fullyConnected = fc;
        TfliteModel m = TfliteModel.read(TfliteWriter.mobileNet(w, v));
        assertEquals(w.config(), m.config());
        assertTrue(m.description().contains("weights float16"), m.description());
        for (Layer l : w.layers()) {
            assertArrayEquals(half(w.kernel(l.index())), m.weights().kernel(l.index()), l.name());
            assertArrayEquals(half(w.bias(l.index())), m.weights().bias(l.index()), l.name());
        }
    }

    private static float[] half(float[] a) {
        float[] h = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            h[i] = Dequantizer.halfToFloat(TfliteWriter.half(a[i]));
        }
        return h;
    }

    private static String failure(Weights w, TfliteWriter.Variant v) {
        return assertThrows(ModelFormatException.class,
                () -> TfliteModel.read(TfliteWriter.mobileNet(w, v))).getMessage();
    }

    @Test
    void projectionWithReluIsRejected() {
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.projectActivation = TfliteGraph.ACT_RELU6;
        String msg = failure(weights(0.35, 32, 10, Padding.TF_SAME), v);
        assertTrue(msg.contains("fused activation RELU6; expected NONE"), msg);
    }

    /**
     * PAD takes its paddings as int32 or int64, as TensorFlow Lite's kernel does: int64 ones
     * (written by converters from PyTorch) were refused as not int32. A value past int range
     * is refused, not cut to its low 32 bits.
     */
    @Test
    void padWithInt64PaddingsImports() throws ModelFormatException {
        Weights w = weights(0.35, 32, 10, Padding.SYMMETRIC);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.explicitPad = true;
        v.int64Paddings = true;
        TfliteModel m = TfliteModel.read(TfliteWriter.mobileNet(w, v));
        assertEquals(w.config(), m.config());
        for (Layer l : w.layers()) {
            assertArrayEquals(w.kernel(l.index()), m.weights().kernel(l.index()), l.name());
        }
        v.int64PaddingsHigh = 1L << 32;
        String msg = failure(w, v);
        assertTrue(msg.contains("(PAD): element 0 of its input tensor #"), msg);
        assertTrue(msg.endsWith("int64 is 4294967296, past int range"), msg);
    }

    @Test
    void padWhoseColumnsDifferFromItsRowsIsRejected() {
        // Rows padded TF SAME (0 before, 1 after at stride 2), columns the other way round: the
        // output width still fits, but the plan pads columns as rows, so the import must refuse.
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.explicitPad = true;
        v.swapWidthPads = true;
        String msg = failure(weights(0.35, 32, 10, Padding.TF_SAME), v);
        assertTrue(msg.contains("neither TensorFlow SAME nor symmetric"), msg);
    }

    @Test
    void missingResidualIsRejected() {
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.dropResidual = true;
        String msg = failure(weights(0.35, 32, 10, Padding.TF_SAME), v);
        assertTrue(msg.contains("lacks a residual connection"), msg);
    }

    @Test
    void mismatchedTensorShapeIsRejected() {
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.wrongChannelsInBlock = 4;   // block 4's output claims 8 channels too many
        String msg = failure(weights(0.35, 32, 10, Padding.TF_SAME), v);
        assertTrue(msg.contains("should have shape") || msg.contains("input channels"), msg);
    }

    /**
     * A PAD's declared output shape is its input's shape plus the paddings, for the stem's PAD
     * (stride 2), the first depthwise PAD (stride 1) and the last one. The importer derives the
     * padded size itself, so a PAD declaring [1, 34, 33, 3], a batch of 2 or 8 more channels
     * loaded with the same logits instead of being refused as malformed.
     */
    @Test
    void padOutputShapeIsItsInputShapePlusThePaddings() throws ModelFormatException {
        for (Padding padding : Padding.values()) {
            Weights w = weights(0.35, 32, 7, padding);
            TfliteWriter.Variant v = new TfliteWriter.Variant();
            v.explicitPad = true;
            TfliteGraph g = TfliteReader.read(ByteBuffer.wrap(TfliteWriter.mobileNet(w, v)));
            List<TfliteGraph.Operator> pads = g.operators.stream()
                    .filter(o -> o.builtinCode() == BuiltinOperators.PAD).toList();
            assertEquals(18, pads.size(), "3x3 layers");
            for (TfliteGraph.Operator pad : List.of(pads.get(0), pads.get(1), pads.get(17))) {
                TfliteGraph.Tensor in = g.tensor(pad.input(0));
                TfliteGraph.Tensor out = g.tensor(pad.outputs()[0]);
                ByteBuffer data = g.data(g.tensor(pad.input(1)));
                int[] p = new int[8];
                for (int i = 0; i < 8; i++) {
                    p[i] = data.getInt(4 * i);
                }
                int[] expected = new int[4];
                for (int i = 0; i < 4; i++) {
                    expected[i] = in.shape()[i] + p[2 * i] + p[2 * i + 1];
                }
                assertArrayEquals(expected, out.shape(), "the writer's " + out.describe());
                for (int[] edit : new int[][] {{1, 1}, {2, -1}, {0, 1}, {3, 8}}) { // {dim, +}
                    int[] shape = expected.clone();
                    shape[edit[0]] += edit[1];
                    v.shapes.clear();
                    v.shapes.put(out.name(), shape);
                    assertEquals(pad.describe() + " pads " + in.describe() + " by "
                            + Arrays.toString(p) + " into tensor #" + out.index() + " '"
                            + out.name() + "' " + Arrays.toString(shape) + " float32; expected "
                            + Arrays.toString(expected) + " (the input's shape plus the paddings)",
                            failure(w, v), padding + ", " + out.name());
                }
            }
        }
    }

    /**
     * Every [1, h, w, c] shape of a model with explicit PADs, emptied or given a height of 0 or
     * -7: the import succeeds (a shape it does not rely on) or fails with a ModelFormatException.
     * A PAD's input read as [1, h, w, c] failed with ArrayIndexOutOfBoundsException (empty shape)
     * or Padding's IllegalArgumentException (height below 1).
     */
    @Test
    void damagedShapesBeforeAPadAreModelFormatErrors() {
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.explicitPad = true;
        byte[] file = TfliteWriter.mobileNet(weights(0.35, 32, 7, Padding.TF_SAME), v);
        ByteBuffer bb = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int shapes = 0;
        for (int i = 0; i + 20 <= file.length; i += 4) {
            if (bb.getInt(i) != 4 || bb.getInt(i + 4) != 1 || bb.getInt(i + 8) < 1
                    || bb.getInt(i + 8) > 32 || bb.getInt(i + 16) < 1) {
                continue;
            }
            shapes++;
            for (int[] edit : new int[][] {{0, 0}, {8, 0}, {8, -7}}) { // {offset, value}
                byte[] bad = file.clone();
                ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(i + edit[0], edit[1]);
                try {
                    TfliteModel.read(bad);
                } catch (ModelFormatException e) {
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                } catch (RuntimeException e) {
                    throw new AssertionError("shape vector at " + i + ", int at +" + edit[0]
                            + " set to " + edit[1] + ": " + e, e);
                }
            }
        }
        assertTrue(shapes > 40, shapes + " shape vectors found");
    }

    /**
     * -1 is TensorFlow Lite's only mark of an omitted optional input (here: no bias, zeros).
     * Any other negative index was taken for "absent" too, so a damaged bias index (-27)
     * loaded a model without that layer's bias; it is refused naming operator and input, as
     * is an index past the last tensor.
     */
    @Test
    void tensorIndicesBelowMinusOneOrPastTheTensorsAreRefused() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.stemBias = -1;
        TfliteModel m = TfliteModel.read(TfliteWriter.mobileNet(w, v));
        assertArrayEquals(new float[w.bias(0).length], m.weights().bias(0));
        assertArrayEquals(w.kernel(0), m.weights().kernel(0));
        int tensors = TfliteReader.read(ByteBuffer.wrap(TfliteWriter.mobileNet(w, v)))
                .tensors.size();
        for (int bad : new int[] {-2, -27, Integer.MIN_VALUE, tensors, Integer.MAX_VALUE}) {
            v.stemBias = bad;
            assertEquals("operator #0 (CONV_2D): input 2 is tensor index " + bad
                    + ", but the graph has " + tensors + " tensors"
                    + (bad < -1 ? " (only -1 marks an omitted optional input)" : ""),
                    failure(w, v));
        }
    }

    /**
     * An operator without an input it needs (cut from its list, or -1, the mark of an omitted
     * optional input) is refused naming the operator and the input: a MEAN without its axes, a
     * PAD without its paddings or a FULLY_CONNECTED without its weights failed as "tensor index
     * -1 out of range", naming neither.
     */
    @Test
    void missingRequiredInputsAreNamed() {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        String stem = w.layers().get(0).name(), depthwise = w.layers().get(1).name();
        record Case(String output, UnaryOperator<int[]> edit, String expected) {}
        List<Case> cases = List.of(
                new Case("pool", in -> new int[] {in[0]}, "(MEAN) lacks input 1 (the axes): it has"
                        + " 1 input; expected 2 inputs (the data, the axes)"),
                new Case("pool", in -> new int[] {in[0], -1}, "(MEAN) lacks input 1 (the axes):"
                        + " its index is -1, the mark of an omitted optional input; expected 2"
                        + " inputs (the data, the axes)"),
                new Case(stem + "/padded", in -> new int[] {in[0]}, "(PAD) lacks input 1 (the"
                        + " paddings): it has 1 input; expected 2 inputs (the data, the paddings)"),
                new Case(stem + "/padded", in -> new int[] {in[0], -1}, "(PAD) lacks input 1"
                        + " (the paddings): its index is -1"),
                new Case(stem, in -> new int[] {in[0], -1, in[2]}, "(CONV_2D) lacks input 1 (the"
                        + " filter): its index is -1, the mark of an omitted optional input;"
                        + " expected 2 or 3 inputs (the data, the filter, an optional bias)"),
                new Case(stem, in -> new int[] {in[0]}, "(CONV_2D) lacks input 1 (the filter):"
                        + " it has 1 input; expected 2 or 3 inputs"),
                new Case(depthwise, in -> new int[] {in[0], -1, in[2]}, "(DEPTHWISE_CONV_2D)"
                        + " lacks input 1 (the filter): its index is -1"),
                new Case("logits", in -> new int[] {in[0]}, "(FULLY_CONNECTED) lacks input 1"
                        + " (the weights): it has 1 input; expected 2 or 3 inputs (the data, the"
                        + " weights, an optional bias)"),
                new Case("logits", in -> new int[] {in[0], -1, in[2]}, "(FULLY_CONNECTED)"
                        + " lacks input 1 (the weights): its index is -1"));
        for (Case c : cases) {
            TfliteWriter.Variant v = new TfliteWriter.Variant();
            v.mean = true;
            v.explicitPad = true;
            v.fullyConnected = true;
            assertEquals(w.config(), assertDoesNotThrow(
                    () -> TfliteModel.read(TfliteWriter.mobileNet(w, v))).config());
            v.inputs.put(c.output(), c.edit());
            String msg = failure(w, v);
            assertTrue(msg.startsWith("operator #") && msg.contains(c.expected()),
                    c.output() + ": " + msg);
        }
    }

    /**
     * TensorFlow Lite's FULLY_CONNECTED takes 2 or 3 inputs (data, weights, optional bias) and
     * refuses more: a fourth input was ignored, and the model loaded. So was a PAD's third
     * input, PADV2's constant value (padding with other than zeros), and an AVERAGE_POOL_2D's
     * second.
     */
    @Test
    void extraInputsAreRefused() {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.fullyConnected = true;
        v.inputs.put("logits", in -> new int[] {in[0], in[1], in[2], in[2]});
        String msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(FULLY_CONNECTED\\) has 4 inputs; expected 2"
                + " or 3 inputs \\(the data, the weights, an optional bias\\)"), msg);
        v.inputs.put("logits", in -> new int[] {in[0], in[1], -1});
        assertEquals(w.config(), assertDoesNotThrow(
                () -> TfliteModel.read(TfliteWriter.mobileNet(w, v))).config());
        v.explicitPad = true;
        v.inputs.put(w.layers().get(0).name() + "/padded", in -> new int[] {in[0], in[1], in[1]});
        msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(PAD\\) has 3 inputs; expected 2 inputs"
                + " \\(the data, the paddings\\)"), msg);
        v.explicitPad = false;
        v.inputs.clear();
        v.inputs.put("pool", in -> new int[] {in[0], -1});
        msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(AVERAGE_POOL_2D\\) has 2 inputs; expected 1"
                + " input \\(the data\\)"), msg);
    }

    /**
     * After the pool, TensorFlow Lite's SOFTMAX, QUANTIZE and DEQUANTIZE take exactly one
     * input and RESHAPE one or two (the data, an optional shape): more were ignored, and the
     * model loaded. An omitted input (-1) still counts, as in TensorFlow Lite.
     */
    @Test
    void extraInputsAfterThePoolAreRefused() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        record Case(boolean fc, String output, UnaryOperator<int[]> edit, String expected) {}
        String reshape = " \\(RESHAPE\\) has 3 inputs; expected 1 or 2 inputs \\(the data, an"
                + " optional shape\\)";
        List<Case> cases = List.of(
                new Case(false, "logits", in -> new int[] {in[0], in[1], in[1]}, reshape),
                new Case(true, "flat", in -> new int[] {in[0], in[1], -1}, reshape),
                // tensor 1, the stem's weights: the data twice would feed the operator twice
                new Case(false, "probabilities", in -> new int[] {in[0], 1},
                        " \\(SOFTMAX\\) has 2 inputs; expected 1 input \\(the data\\)"),
                new Case(true, "probabilities", in -> new int[] {in[0], -1},
                        " \\(SOFTMAX\\) has 2 inputs; expected 1 input \\(the data\\)"),
                new Case(false, "output", in -> new int[] {in[0], 1},
                        " \\(QUANTIZE\\) has 2 inputs; expected 1 input \\(the data\\)"));
        for (Case c : cases) {
            TfliteWriter.Variant v = new TfliteWriter.Variant();
            v.fullyConnected = c.fc();
            v.quantizeOutput = true;
            assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config());
            v.inputs.put(c.output(), c.edit());
            String msg = failure(w, v);
            assertTrue(msg.matches("operator #\\d+" + c.expected()), c.output() + ": " + msg);
        }
        // a float16 weight's DEQUANTIZE: refused as an operator off the chain, not named
        TfliteWriter.Variant v16 = new TfliteWriter.Variant();
        v16.float16 = true;
        v16.inputs.put(w.layers().get(0).name() + "/weights", in -> new int[] {in[0], in[0]});
        String msg = failure(w, v16);
        assertTrue(msg.matches("operator #\\d+ \\(DEQUANTIZE\\) has 2 inputs; expected 1 input"
                + " \\(the constant\\)"), msg);
        // RESHAPE's shape is optional: the options' new_shape then gives it
        for (boolean fc : new boolean[] {false, true}) {
            for (UnaryOperator<int[]> edit : List.<UnaryOperator<int[]>>of(
                    in -> new int[] {in[0]}, in -> new int[] {in[0], -1})) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.fullyConnected = fc;
                v.reshapeNewShape = new int[] {1, -1};
                v.inputs.put(fc ? "flat" : "logits", edit);
                assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config());
            }
        }
    }

    /**
     * A RESHAPE's shape input, when TensorFlow Lite takes it (an int32 vector), must give as
     * many elements as the data has, with at most one -1 (the dimension inferred): TensorFlow
     * Lite refuses the model otherwise, and it loaded.
     */
    @Test
    void reshapeShapeInputMustKeepTheElementCount() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        int features = w.layers().get(w.layers().size() - 1).inChannels();
        for (boolean fc : new boolean[] {false, true}) {
            int n = fc ? features : 7;
            for (int[] ok : new int[][] {{1, n}, {-1, n}, {1, -1}}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.fullyConnected = fc;
                v.reshapeTo = ok;
                assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config(),
                        Arrays.toString(ok));
            }
            String name = fc ? "'flat_shape'" : "'logits_shape'";
            for (int[] bad : new int[][] {{1, n + 1}, {-1, -1}, {0, n}, {-1, 0}, {3, -1},
                    {-2, -n}, {65536, 65536, n}}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.fullyConnected = fc;
                v.reshapeTo = bad;
                String msg = failure(w, v);
                assertTrue(msg.matches("operator #\\d+ \\(RESHAPE\\): its shape input tensor #\\d+ "
                        + name + " \\[" + bad.length + "\\] int32 holds "
                        + Arrays.toString(bad).replace("[", "\\[").replace("]", "\\]")
                        + ", which does not give the " + n + " elements of its data tensor .*;"
                        + " expected sizes whose product is " + n
                        + ", one of them -1 at most \\(inferred\\)"), msg);
            }
        }
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.reshapeToNoData = true;
        String msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(RESHAPE\\): its shape input tensor #\\d+"
                + " 'logits_shape' \\[2\\] int32 is not a constant; expected a constant int32"
                + " shape"), msg);
    }

    /**
     * TensorFlow Lite resizes a RESHAPE's output to the shape it resolves, whatever the file
     * declares, and the operators after it see that shape: a declared shape that differs
     * (with as many elements) loaded, and the import went on with the declared one.
     */
    @Test
    void reshapeOutputMustBeDeclaredAsResolved() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        int features = w.layers().get(w.layers().size() - 1).inChannels();
        for (boolean fc : new boolean[] {false, true}) {
            int n = fc ? features : 7;
            String out = fc ? "flat" : "logits";
            // declared as resolved, [n] rather than the writer's [1, n]: loads
            for (int[] to : new int[][] {{n}, {-1}}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.fullyConnected = fc;
                v.reshapeTo = to;
                v.shapes.put(out, new int[] {n});
                if (!fc) {
                    v.shapes.put("probabilities", new int[] {n});
                }
                assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config(),
                        Arrays.toString(to));
            }
            // declared [1, n]: refused naming both shapes
            for (int[] to : new int[][] {{n}, {-1}, {n, 1}, {-1, 1, 1}, {1, 1, n}}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.fullyConnected = fc;
                v.reshapeTo = to;
                String resolved = Arrays.toString(to).replace("-1", String.valueOf(n));
                String msg = failure(w, v);
                String q = Pattern.quote(resolved);
                assertTrue(msg.matches("operator #\\d+ \\(RESHAPE\\): its shape input tensor #\\d+"
                        + " '" + out + "_shape' \\[" + to.length + "\\] int32 holds "
                        + Pattern.quote(Arrays.toString(to))
                        + ", which TensorFlow Lite resolves to " + q + ", but it declares its"
                        + " output tensor #\\d+ '" + out + "' \\[1, " + n + "\\] float32;"
                        + " expected the output declared " + q + ", as TensorFlow Lite resizes"
                        + " it to that shape \\(the one the next operators see\\)"), msg);
            }
        }
    }

    /**
     * TensorFlow Lite takes a RESHAPE's shape from its shape input only when that is an int32
     * vector; otherwise (none, int64, a scalar or a matrix: not an error) from the options'
     * new_shape, a scalar [] when they have none. Without the options such a model loaded,
     * its shape input ignored, where TensorFlow Lite refuses it (the counts differ).
     */
    @Test
    void reshapeTakesTheOptionsUnlessTheShapeInputIsAnInt32Vector()
            throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        String data = ", which does not give the 7 elements of its data tensor #\\d+"
                + " 'classifier' \\[1, 1, 1, 7\\] float32; expected sizes whose product is 7,"
                + " one of them -1 at most \\(inferred\\)";
        String input = "operator #\\d+ \\(RESHAPE\\): its shape input tensor #\\d+ 'logits_shape' ";
        record Case(int type, int[] dims, int[] newShape, String refused) {}
        int int64 = TfliteGraph.INT64, int32 = TfliteGraph.INT32;
        List<Case> cases = List.of(
                new Case(int64, null, new int[] {1, 7}, null),
                new Case(int64, null, new int[] {-1, 7}, null),
                new Case(int32, new int[] {1, 2}, new int[] {1, -1}, null),
                new Case(int32, new int[] {}, new int[] {1, 7}, null),
                new Case(int64, null, null, input + "\\[2\\] int64 is not an int32 vector, so"
                        + " TensorFlow Lite takes a scalar \\[\\] \\(its options have no"
                        + " new_shape\\)" + data),
                new Case(int32, new int[] {1, 2}, null, input + "\\[1, 2\\] int32 is not an"
                        + " int32 vector, so TensorFlow Lite takes a scalar \\[\\] \\(its"
                        + " options have no new_shape\\)" + data),
                new Case(int64, null, new int[] {0}, input + "\\[2\\] int64 is not an int32"
                        + " vector, so TensorFlow Lite takes a scalar \\[\\] \\(its options'"
                        + " new_shape \\[0\\], by legacy convention\\)" + data),
                new Case(int64, null, new int[] {1, 8}, input + "\\[2\\] int64 is not an int32"
                        + " vector, so TensorFlow Lite takes its options' new_shape \\[1, 8\\]"
                        + data),
                new Case(int64, null, new int[] {-1}, input + "\\[2\\] int64 is not an int32"
                        + " vector, so TensorFlow Lite takes its options' new_shape \\[-1\\],"
                        + " which TensorFlow Lite resolves to \\[7\\], but it declares its"
                        + " output tensor #\\d+ 'logits' \\[1, 7\\] float32; expected the output"
                        + " declared \\[7\\], .*"));
        for (Case c : cases) {
            TfliteWriter.Variant v = new TfliteWriter.Variant();
            v.reshapeToType = c.type();
            v.reshapeToDims = c.dims();
            if (c.dims() != null && c.dims().length == 0) {
                v.reshapeTo = new int[] {7}; // a scalar holds one value
            }
            v.reshapeNewShape = c.newShape();
            String what = TfliteGraph.typeName(c.type()) + " " + Arrays.toString(c.dims()) + " "
                    + Arrays.toString(c.newShape());
            if (c.refused() == null) {
                assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config(),
                        what);
            } else {
                String msg = failure(w, v);
                assertTrue(msg.matches(c.refused()), what + ": " + msg);
            }
        }
        // no shape input: the options alone
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.inputs.put("logits", in -> new int[] {in[0]});
        String msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(RESHAPE\\): it has no shape input, so"
                + " TensorFlow Lite takes a scalar \\[\\] \\(its options have no new_shape\\)"
                + data), msg);
        v.reshapeNewShape = new int[] {7, 1};
        msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(RESHAPE\\): it has no shape input, so"
                + " TensorFlow Lite takes its options' new_shape \\[7, 1\\], which TensorFlow"
                + " Lite resolves to \\[7, 1\\], but it declares its output .*"), msg);
        // an int32 vector wins over the options, which are then not looked at
        v = new TfliteWriter.Variant();
        v.reshapeNewShape = new int[] {7, 1};
        assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config());
        v.reshapeOptionsType = 9; // options of another table: read as none, as TensorFlow Lite does
        assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config());
        v.reshapeToType = int64;
        msg = failure(w, v);
        assertTrue(msg.matches(input + "\\[2\\] int64 is not an int32 vector, so TensorFlow"
                + " Lite takes a scalar \\[\\] \\(its options have no new_shape\\)" + data),
                msg);
        // an empty int32 vector is a scalar [], with no data to hold
        v = new TfliteWriter.Variant();
        v.reshapeTo = new int[0];
        msg = failure(w, v);
        assertTrue(msg.matches(input + "\\[0\\] int32 holds \\[\\]" + data), msg);
        // TensorFlow Lite reads 8 sizes of new_shape at most, and refuses more even when the
        // shape input is taken
        v = new TfliteWriter.Variant();
        v.reshapeNewShape = new int[] {1, 1, 1, 1, 1, 1, 1, 1, 7};
        msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(RESHAPE\\): its options' new_shape has 9"
                + " sizes; TensorFlow Lite takes 8 at most"), msg);
        v.reshapeNewShape = new int[] {1, 1, 1, 1, 1, 1, 1, 7};
        assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config());
    }

    /**
     * The graph's input or output index past the tensors, or negative, is refused naming it:
     * it failed as "tensor index 300 out of range", naming no role.
     */
    @Test
    void graphInputOrOutputIndexOutOfRangeIsNamed() throws ModelFormatException {
        TfliteGraph g = TfliteReader.read(ByteBuffer.wrap(TfliteWriter.mobileNet(
                weights(0.35, 32, 7, Padding.TF_SAME), new TfliteWriter.Variant())));
        int n = g.tensors.size();
        for (int bad : new int[] {-1, -2, n, Integer.MAX_VALUE}) {
            for (boolean input : new boolean[] {true, false}) {
                TfliteGraph damaged = new TfliteGraph(g.tensors, g.operators,
                        input ? new int[] {bad} : g.inputs, input ? g.outputs : new int[] {bad},
                        g.buffers, g.dataEnd, g.description);
                ModelFormatException e = assertThrows(ModelFormatException.class,
                        () -> GraphImporter.importGraph(damaged));
                assertEquals("the graph's " + (input ? "input" : "output") + " is tensor index "
                        + bad + ", but the graph has " + n + " tensors", e.getMessage());
            }
        }
    }

    /**
     * Each operator of the chain reads the tensor before it as its input 0, the data: a stem
     * that convolved a constant image, the graph input given as a fourth input (which
     * TensorFlow Lite refuses), loaded as a stem on the graph input.
     */
    @Test
    void chainTensorMustBeTheOperatorsFirstInput() {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.stemReadsConstant = true;
        String msg = failure(w, v);
        assertTrue(msg.startsWith("not a MobileNetV2 graph: operator #"), msg);
        assertTrue(msg.endsWith("(CONV_2D) reads tensor #0 'input' [1, 32, 32, 3] float32 as"
                + " input 3; expected it as input 0, the data"), msg);
    }

    /**
     * Sparse weights (a tensor with sparsity parameters) are refused by name: their data is
     * in the order of their traversal and blocks, and when it had the dense size it was read
     * as dense, row-major weights.
     */
    @Test
    void sparseTensorsAreRefused() {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.sparse = "stem/weights";
        String msg = failure(w, v);
        assertTrue(msg.matches("tensor #\\d+ 'stem/weights' \\[16, 3, 3, 3\\] float32 is sparse"
                + " \\(it has sparsity parameters\\); only dense tensors are supported"), msg);
    }

    /**
     * The global AVERAGE_POOL_2D must be one window over the 2x2 map: VALID padding with any
     * positive stride, or SAME with strides of at least 2. Strides of 0 or -7, SAME padding with
     * stride 1 (TensorFlow Lite pools to a 2x2 map) and padding 5 loaded as a global pool.
     */
    @Test
    void globalPoolStridesAndPaddingAreChecked() throws ModelFormatException {
        Weights w = weights(0.35, 64, 7, Padding.TF_SAME); // the last map is 2x2
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        int valid = TfliteGraph.PAD_VALID, same = TfliteGraph.PAD_SAME;
        for (int[] ok : new int[][] {{1, valid}, {2, valid}, {2, same}, {3, same}}) {
            v.poolStride = ok[0];
            v.poolPadding = ok[1];
            assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config());
        }
        for (int[] bad : new int[][] {{0, valid}, {-7, valid}, {0, same}, {1, same}, {1, 5}}) {
            v.poolStride = bad[0];
            v.poolPadding = bad[1];
            String msg = failure(w, v);
            String padding = bad[1] == same ? "SAME" : bad[1] == valid ? "VALID" : "5";
            assertTrue(msg.contains("(AVERAGE_POOL_2D) has strides " + bad[0] + "x" + bad[0]
                    + " and padding " + padding + "; a global pool needs VALID padding"), msg);
        }
        // SAME padding needs both strides of at least the map's size: TensorFlow Lite pools
        // to a map of ceil(2 / 1) = 2 rows with stride_h 1
        v.poolStride = 2;
        v.poolStrideHeight = 1;
        v.poolPadding = same;
        String msg = failure(w, v);
        assertTrue(msg.contains("(AVERAGE_POOL_2D) has strides 1x2 and padding SAME; a global"
                + " pool needs"), msg);
    }

    /**
     * A SOFTMAX of beta other than 1 (TensorFlow Lite's softmax of beta x logits) is refused:
     * our network gives the logits, whose plain softmax would not be that model's output.
     */
    @Test
    void softmaxOfAnotherBetaIsRefused() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config());
        v.softmaxBeta = 2f;
        String msg = failure(w, v);
        assertTrue(msg.endsWith("(SOFTMAX) has beta 2.0; only beta = 1 is supported"), msg);
    }

    /**
     * MEAN's axes may count from the end, as TensorFlow Lite reads them (reduce.cc adds the
     * rank to a negative axis): [-3, -2] are height and width, and so is [2, 1].
     */
    @Test
    void meanAxesFromTheEndOrInAnyOrderImport() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.mean = true;
        for (int[] axes : new int[][] {{-3, -2}, {2, 1}, {-2, 1}}) {
            v.meanAxes = axes;
            assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config(),
                    Arrays.toString(axes));
        }
        v.meanAxes = new int[] {-4, -3};
        assertTrue(failure(w, v).contains("averages over axes [-4, -3]; expected height and"
                + " width [1, 2]"));
    }

    /**
     * The pool's window must be the whole map along both axes: a 2x1 window with stride 2
     * (VALID) gives TensorFlow Lite's 1x1 output too, but averages only the first column.
     */
    @Test
    void globalPoolWindowMustCoverTheMapsWidthToo() {
        Weights w = weights(0.35, 64, 7, Padding.TF_SAME); // the last map is 2x2
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.poolStride = 2;
        v.poolFilterWidth = 1;
        String msg = failure(w, v);
        assertTrue(msg.contains("(AVERAGE_POOL_2D) pools 2x1 windows, not the whole 2x2 map"),
                msg);
    }

    /**
     * Options of another union type read as no options, as TensorFlow Lite reads them (its
     * Parse functions take builtin_options_as_X(), null for another type, and leave the
     * parameters zeroed): they were refused as "carries builtin options of union type 9,
     * expected 1", while absent ones read as SAME padding with strides 0. Where TensorFlow Lite
     * gives no classification with the zeroed parameters (zero strides) or one we do not
     * compute (beta 0), both are refused saying why.
     */
    @Test
    void optionsAbsentOrOfAnotherUnionTypeAreRefusedWhereTensorFlowLiteCannotClassify() {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        record Case(int code, int expected, String name, int other, String takes) {}
        String zeroStrides = "strides 0 and no padding, and computes an empty output map";
        for (Case c : List.of(
                new Case(BuiltinOperators.CONV_2D, 1, "Conv2DOptions", 2, zeroStrides),
                new Case(BuiltinOperators.DEPTHWISE_CONV_2D, 2, "DepthwiseConv2DOptions", 1,
                        zeroStrides),
                new Case(BuiltinOperators.AVERAGE_POOL_2D, 5, "Pool2DOptions", 27,
                        "strides 0 and a 0x0 window, and refuses the operator (its strides must"
                                + " be positive)"),
                new Case(BuiltinOperators.SOFTMAX, 9, "SoftmaxOptions", 8,
                        "beta 0, giving every class the same probability; only beta = 1 is"
                                + " supported"))) {
            for (int type : new int[] {0, c.other(), 250}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.optionsTypes.put(c.code(), type);
                String want = "expected " + c.name() + " (union type " + c.expected() + ")";
                String why = type == 0 ? "it has no builtin options (" + want + ")"
                        : "its builtin options are of union type " + type + ", " + want;
                String msg = failure(w, v);
                assertTrue(msg.matches("operator #\\d+ \\(" + BuiltinOperators.name(c.code())
                        + "\\): " + Pattern.quote(why + "; without them TensorFlow Lite takes "
                        + c.takes())), msg);
            }
        }
    }

    /**
     * A FULLY_CONNECTED or ADD whose options are absent or of another union type imports as
     * TensorFlow Lite runs it, with its zeroed parameters: no fused activation. Options of
     * another type were refused.
     */
    @ParameterizedTest(name = "{0} options of union type {1}")
    @CsvSource({
            "FULLY_CONNECTED, 0", "FULLY_CONNECTED, 11", "FULLY_CONNECTED, 250",
            "ADD, 0", "ADD, 21", "ADD, 8"})
    void optionsAbsentOrOfAnotherUnionTypeImportWithTensorFlowLitesDefaults(String op, int type)
            throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.fullyConnected = op.equals("FULLY_CONNECTED");
        int code = op.equals("ADD") ? BuiltinOperators.ADD : BuiltinOperators.FULLY_CONNECTED;
        v.optionsTypes.put(code, type);
        byte[] file = TfliteWriter.mobileNet(w, v);
        TfliteGraph g = TfliteReader.read(ByteBuffer.wrap(file));
        TfliteGraph.Operator read = g.operators.stream()
                .filter(o -> o.builtinCode() == code).findFirst().orElseThrow();
        assertTrue(read.options().missing() != null, read.options().toString());
        assertModel(w, TfliteModel.read(file));
    }

    /**
     * A MEAN's output is declared as TensorFlow Lite sizes it: [1, 1, 1, channels] with
     * keep_dims, else [1, channels], and without options (none, or of another union type) keep_dims
     * is false. Any 4-element shape loaded, while TensorFlow Lite hands the next operators its
     * own: a CONV_2D classifier after a MEAN without options ran here, and fails there.
     */
    @Test
    void meanOutputIsDeclaredAsKeepDimsSizesIt() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        int c = w.layers().get(w.layers().size() - 1).inChannels(); // pooled channels
        for (boolean fc : new boolean[] {false, true}) {
            for (int type : new int[] {0, 5, 250}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.mean = true;
                v.fullyConnected = fc;
                v.optionsTypes.put(BuiltinOperators.MEAN, type);
                String why = type == 0
                        ? "it has no builtin options (expected ReducerOptions (union type 27))"
                        : "its builtin options are of union type " + type + ", expected"
                                + " ReducerOptions (union type 27)";
                String msg = failure(w, v);
                assertTrue(msg.matches("operator #\\d+ \\(MEAN\\): " + Pattern.quote(why
                        + ", so TensorFlow Lite takes keep_dims false and averages ")
                        + "tensor #\\d+ .* into \\[1, " + c + "\\], but it declares its output"
                        + " tensor #\\d+ 'pool' \\[1, 1, 1, " + c + "\\] float32; expected the"
                        + " output declared \\[1, " + c + "\\], as TensorFlow Lite resizes it .*"),
                        msg);
                // declared [1, channels]: a FULLY_CONNECTED classifier runs, as in TensorFlow
                // Lite; a CONV_2D one is refused, as there
                v.meanKeepDims = false;
                if (fc) {
                    assertModel(w, TfliteModel.read(TfliteWriter.mobileNet(w, v)));
                } else {
                    msg = failure(w, v);
                    assertTrue(msg.contains("expected a 1x1 filter on a 4-D input"), msg);
                }
            }
        }
        // with options: keep_dims decides
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.mean = true;
        v.fullyConnected = true;
        v.meanKeepDims = false;
        assertModel(w, TfliteModel.read(TfliteWriter.mobileNet(w, v)));
        v.shapes.put("pool", new int[] {1, 1, 1, c});
        String msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(MEAN\\) with keep_dims false averages"
                + " tensor #\\d+ .* into \\[1, " + c + "\\], but it declares its output .*"), msg);
        v.meanKeepDims = true;
        v.shapes.put("pool", new int[] {1, c});
        msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(MEAN\\) with keep_dims true averages"
                + " tensor #\\d+ .* into \\[1, 1, 1, " + c + "\\], but it declares its"
                + " output .*"), msg);
    }

    /**
     * A FULLY_CONNECTED's output is declared as TensorFlow Lite sizes it from keep_num_dims:
     * the data's shape with the classes last ([1, 1, 1, classes] from the pool's [1, 1, 1,
     * features]), else [batch, classes], batch the data's elements over the features (also
     * without options, keep_num_dims then false). keep_num_dims was not read: any declared
     * shape of as many elements loaded, while TensorFlow Lite hands the next operators its own.
     */
    @Test
    void fullyConnectedOutputIsDeclaredAsKeepNumDimsSizesIt() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        int c = w.layers().get(w.layers().size() - 1).inChannels(); // the classifier's features
        float[] image = new float[32 * 32 * 3];
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) rnd.nextDouble(-1, 1);
        }
        float[] expected = logits(MobileNetV2.create(w.config(), w), image);
        // keep_num_dims true or false, on the pool's [1, 1, 1, c] or its flattened [1, c]:
        // each declared as TensorFlow Lite sizes it, each the logits of the weights
        for (boolean keep : new boolean[] {false, true}) {
            for (boolean flatten : new boolean[] {false, true}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.fullyConnected = true;
                v.fcKeepNumDims = keep;
                v.fcFlatten = flatten;
                byte[] file = TfliteWriter.mobileNet(w, v);
                TfliteGraph g = TfliteReader.read(ByteBuffer.wrap(file));
                TfliteGraph.Operator fc = g.operators.stream()
                        .filter(o -> o.builtinCode() == BuiltinOperators.FULLY_CONNECTED)
                        .findFirst().orElseThrow();
                assertEquals(keep, fc.options().keepDims());
                assertArrayEquals(keep && !flatten ? new int[] {1, 1, 1, 7} : new int[] {1, 7},
                        g.tensor(fc.outputs()[0]).shape());
                TfliteModel m = TfliteModel.read(file);
                assertModel(w, m);
                assertArrayEquals(expected, logits(m.network(), image),
                        "keep_num_dims " + keep + ", flattened " + flatten);
            }
        }
        String pool = "tensor #\\d+ 'pool' \\[1, 1, 1, " + c + "\\] float32";
        String weights = " by its weights tensor #\\d+ 'fc' \\[7, " + c + "\\] float32";
        String declares = ", but it declares its output tensor #\\d+ 'logits' ";
        // declared [1, 7] with keep_num_dims, [1, 1, 1, 7] without (the SOFTMAX's too, as
        // it was passed on): refused naming both
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.fullyConnected = true;
        v.fcFlatten = false;
        v.fcKeepNumDims = true;
        v.shapes.put("logits", new int[] {1, 7});
        v.shapes.put("probabilities", new int[] {1, 7});
        String msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(FULLY_CONNECTED\\) with keep_num_dims true"
                + " multiplies " + pool + weights + " into \\[1, 1, 1, 7\\]" + declares
                + "\\[1, 7\\] float32; expected the output declared \\[1, 1, 1, 7\\], as"
                + " TensorFlow Lite resizes it to that shape \\(the one the next operators"
                + " see\\)"), msg);
        v.fcKeepNumDims = false;
        v.shapes.put("logits", new int[] {1, 1, 1, 7});
        v.shapes.put("probabilities", new int[] {1, 1, 1, 7});
        msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(FULLY_CONNECTED\\) with keep_num_dims false"
                + " multiplies " + pool + weights + " into \\[1, 7\\]" + declares
                + "\\[1, 1, 1, 7\\] float32; expected the output declared \\[1, 7\\], .*"),
                msg);
        // without options (none, or of another union type) keep_num_dims is false
        for (int type : new int[] {0, 11}) {
            v = new TfliteWriter.Variant();
            v.fullyConnected = true;
            v.fcFlatten = false;
            v.fcKeepNumDims = true; // declared [1, 1, 1, 7], as with the options
            v.optionsTypes.put(BuiltinOperators.FULLY_CONNECTED, type);
            String why = type == 0 ? "it has no builtin options (" : "its builtin options are"
                    + " of union type 11, ";
            msg = failure(w, v);
            assertTrue(msg.matches("operator #\\d+ \\(FULLY_CONNECTED\\): " + Pattern.quote(why
                    + "expected FullyConnectedOptions (union type 8)"
                    + (type == 0 ? ")" : "") + ", so TensorFlow Lite takes keep_num_dims false"
                    + " and multiplies ") + pool + weights + " into \\[1, 7\\]" + declares
                    + "\\[1, 1, 1, 7\\] float32; .*"), msg);
        }
        // data [c / 2, 2]: one row of c features without keep_num_dims, as TensorFlow Lite
        // takes it; with keep_num_dims TensorFlow Lite refuses rows of 2 for c features
        v = new TfliteWriter.Variant();
        v.fullyConnected = true;
        v.reshapeTo = new int[] {c / 2, 2};
        v.shapes.put("flat", v.reshapeTo);
        TfliteModel m = TfliteModel.read(TfliteWriter.mobileNet(w, v));
        assertModel(w, m);
        assertArrayEquals(expected, logits(m.network(), image));
        v.fcKeepNumDims = true;
        msg = failure(w, v);
        assertTrue(msg.matches("operator #\\d+ \\(FULLY_CONNECTED\\) with keep_num_dims true"
                + " multiplies tensor #\\d+ 'flat' \\[" + c / 2 + ", 2\\] float32" + weights
                + "; with keep_num_dims TensorFlow Lite requires the data's last size to be the"
                + " weights' " + c + " features \\(their second size\\)"), msg);
    }

    /**
     * A CONV_2D classifier's output is declared as TensorFlow Lite sizes it (conv.cc): the
     * data's batch, its map as the 1x1 filter, stride 1 and the padding leave it, the filters
     * last: [1, 1, 1, classes] on the pool's [1, 1, 1, features], with SAME or VALID padding.
     * The plan checks only its weights: [1, classes], [1, 1, classes, 1] and [classes, 1, 1, 1]
     * loaded before the RESHAPE to [1, classes].
     */
    @Test
    void convClassifierOutputIsDeclaredAsTensorFlowLiteSizesIt() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        int c = w.layers().get(w.layers().size() - 1).inChannels(); // the classifier's features
        float[] image = randomImage(32, 5);
        float[] expected = logits(MobileNetV2.create(w.config(), w), image);
        int same = TfliteGraph.PAD_SAME, valid = TfliteGraph.PAD_VALID;
        for (boolean mean : new boolean[] {false, true}) { // keep_dims: [1, 1, 1, features]
            for (int padding : new int[] {same, valid}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.mean = mean;
                v.classifierPadding = padding;
                TfliteModel m = TfliteModel.read(TfliteWriter.mobileNet(w, v));
                assertModel(w, m);
                assertArrayEquals(expected, logits(m.network(), image),
                        "mean " + mean + ", padding " + padding);
            }
        }
        String convolves = " convolves tensor #\\d+ 'pool' \\[1, 1, 1, " + c + "\\] float32 by"
                + " its filter tensor #\\d+ 'classifier/weights' \\[7, 1, 1, " + c + "\\] float32"
                + " into ";
        String declares = ", but it declares its output tensor #\\d+ 'classifier' ";
        for (int[] declared : new int[][] {{1, 7}, {1, 1, 7, 1}, {7, 1, 1, 1}}) {
            for (int padding : new int[] {same, valid}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.classifierPadding = padding;
                v.shapes.put("classifier", declared);
                String msg = failure(w, v);
                assertTrue(msg.matches("operator #\\d+ \\(CONV_2D\\) with strides 1x1 and padding "
                        + (padding == same ? "SAME" : "VALID") + convolves + "\\[1, 1, 1, 7\\]"
                        + declares + Pattern.quote(Arrays.toString(declared)) + " float32;"
                        + " expected the output declared \\[1, 1, 1, 7\\], as TensorFlow Lite"
                        + " resizes it to that shape \\(the one the next operators see\\)"), msg);
            }
        }
    }

    /**
     * A 1x1 CONV_2D pads SAME or VALID, which both leave its map as it is. Any other padding
     * loaded as if it were one of them, where TensorFlow Lite takes it as unknown, sizes the
     * output map 0x0 (ComputeOutSize) and computes nothing: for the expansions, projections
     * and last 1x1 convolution, whose outputs the plan sizes, and for the classifier.
     */
    @Test
    void oneByOneConvolutionsPadSameOrValid() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        float[] image = randomImage(32, 3);
        float[] expected = logits(MobileNetV2.create(w.config(), w), image);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.pointwisePadding = TfliteGraph.PAD_VALID;
        v.classifierPadding = TfliteGraph.PAD_VALID;
        TfliteModel m = TfliteModel.read(TfliteWriter.mobileNet(w, v));
        assertModel(w, m);
        assertArrayEquals(expected, logits(m.network(), image));
        for (boolean classifier : new boolean[] {false, true}) {
            for (int padding : new int[] {2, 5, -1}) {
                v = new TfliteWriter.Variant();
                if (classifier) {
                    v.classifierPadding = padding;
                } else {
                    v.pointwisePadding = padding;
                }
                String msg = failure(w, v);
                assertTrue(msg.matches("operator #\\d+ \\(CONV_2D\\) has padding " + padding
                        + ", neither SAME nor VALID, and TensorFlow Lite sizes its output map"
                        + " 0x0; expected SAME or VALID"), msg);
            }
        }
    }

    /**
     * An AVERAGE_POOL_2D's output is declared as TensorFlow Lite sizes it (pooling.cc): the
     * data's batch and channels, its map as the windows, strides and padding leave it: [1, 1,
     * 1, channels] for a global pool, whichever strides and padding make one. Only the element
     * count was checked: [1, channels], [1, 1, channels, 1] or [channels] loaded before a
     * FULLY_CONNECTED classifier's RESHAPE.
     */
    @Test
    void averagePoolOutputIsDeclaredAsItsWindowsSizeIt() throws ModelFormatException {
        Weights w = weights(0.35, 64, 7, Padding.TF_SAME); // the last map is 2x2
        int c = w.layers().get(w.layers().size() - 1).inChannels(); // pooled channels
        float[] image = randomImage(64, 9);
        float[] expected = logits(MobileNetV2.create(w.config(), w), image);
        int same = TfliteGraph.PAD_SAME, valid = TfliteGraph.PAD_VALID;
        for (boolean fc : new boolean[] {false, true}) {
            for (int[] form : new int[][] {{1, valid}, {2, valid}, {2, same}, {3, same}}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.fullyConnected = fc;
                v.poolStride = form[0];
                v.poolPadding = form[1];
                TfliteModel m = TfliteModel.read(TfliteWriter.mobileNet(w, v));
                assertModel(w, m);
                assertArrayEquals(expected, logits(m.network(), image),
                        "fc " + fc + ", " + Arrays.toString(form));
            }
        }
        for (int[] declared : new int[][] {{1, c}, {1, 1, c, 1}, {c}}) {
            for (int[] form : new int[][] {{1, valid}, {3, same}}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.fullyConnected = true; // its RESHAPE takes any shape of c elements
                v.poolStride = form[0];
                v.poolPadding = form[1];
                v.shapes.put("pool", declared);
                String msg = failure(w, v);
                int s = form[0];
                assertTrue(msg.matches("operator #\\d+ \\(AVERAGE_POOL_2D\\) with 2x2 windows,"
                        + " strides " + s + "x" + s + " and padding "
                        + (form[1] == same ? "SAME" : "VALID") + " pools tensor #\\d+ '[^']+'"
                        + " \\[1, 2, 2, " + c + "\\] float32 into \\[1, 1, 1, " + c + "\\], but it"
                        + " declares its output tensor #\\d+ 'pool' "
                        + Pattern.quote(Arrays.toString(declared)) + " float32; expected the"
                        + " output declared \\[1, 1, 1, " + c + "\\], as TensorFlow Lite resizes"
                        + " it to that shape \\(the one the next operators see\\)"), msg);
            }
        }
    }

    /** {@code r} x {@code r} RGB values in [-1, 1), NHWC, from {@code seed}. */
    private static float[] randomImage(int r, long seed) {
        float[] image = new float[r * r * 3];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) rnd.nextDouble(-1, 1);
        }
        return image;
    }

    /**
     * Options of the expected union type without a table, and a table whose union type is
     * NONE (0), read as absent too, as TensorFlow Lite reads them (builtin_options_as_X() is
     * null for both, and its Parse functions leave the parameters zeroed): refused where
     * TensorFlow Lite cannot classify with those, imported with them elsewhere.
     */
    @Test
    void optionsWithoutTheirTableOrUnionTypeReadAsAbsent() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        record Case(int code, int expected, String name, String takes) {}
        String zeroStrides = "strides 0 and no padding, and computes an empty output map";
        for (Case c : List.of(
                new Case(BuiltinOperators.CONV_2D, 1, "Conv2DOptions", zeroStrides),
                new Case(BuiltinOperators.DEPTHWISE_CONV_2D, 2, "DepthwiseConv2DOptions",
                        zeroStrides),
                new Case(BuiltinOperators.AVERAGE_POOL_2D, 5, "Pool2DOptions",
                        "strides 0 and a 0x0 window, and refuses the operator (its strides must"
                                + " be positive)"),
                new Case(BuiltinOperators.SOFTMAX, 9, "SoftmaxOptions",
                        "beta 0, giving every class the same probability; only beta = 1 is"
                                + " supported"))) {
            // {union type, whether the table is written}
            for (int[] form : new int[][] {{c.expected(), 0}, {0, 1}, {250, 0}}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.optionsTypes.put(c.code(), form[0]);
                v.optionsTables.put(c.code(), form[1] == 1);
                String msg = failure(w, v);
                assertTrue(msg.matches("operator #\\d+ \\(" + BuiltinOperators.name(c.code())
                        + "\\): " + Pattern.quote(absent(form[0], c.expected(), c.name())
                        + "; without them TensorFlow Lite takes " + c.takes())),
                        Arrays.toString(form) + ": " + msg);
            }
        }
        // Imported with TensorFlow Lite's zeroed parameters: keep_num_dims and keep_dims
        // false, no fused activation. The FULLY_CONNECTED's and the MEAN's tables say true,
        // and their outputs are declared as false sizes them: read, the tables are refused.
        int features = w.layers().get(w.layers().size() - 1).inChannels();
        for (Case c : List.of(
                new Case(BuiltinOperators.FULLY_CONNECTED, 8, "FullyConnectedOptions", null),
                new Case(BuiltinOperators.MEAN, 27, "ReducerOptions", null),
                new Case(BuiltinOperators.ADD, 11, "AddOptions", null))) {
            for (int[] form : new int[][] {{c.expected(), 0}, {0, 1}, {250, 0}}) {
                TfliteWriter.Variant v = new TfliteWriter.Variant();
                v.fullyConnected = true;
                if (c.code() == BuiltinOperators.FULLY_CONNECTED) {
                    v.fcFlatten = false; // on the pool's [1, 1, 1, features]
                    v.fcKeepNumDims = true;
                    v.shapes.put("logits", new int[] {1, 7});
                    v.shapes.put("probabilities", new int[] {1, 7});
                } else if (c.code() == BuiltinOperators.MEAN) {
                    v.mean = true; // keep_dims true
                    v.shapes.put("pool", new int[] {1, features});
                }
                if (c.code() != BuiltinOperators.ADD) {
                    assertThrows(ModelFormatException.class,
                            () -> TfliteModel.read(TfliteWriter.mobileNet(w, v)));
                }
                v.optionsTypes.put(c.code(), form[0]);
                v.optionsTables.put(c.code(), form[1] == 1);
                byte[] file = TfliteWriter.mobileNet(w, v);
                TfliteGraph g = TfliteReader.read(ByteBuffer.wrap(file));
                TfliteGraph.Operator read = g.operators.stream()
                        .filter(o -> o.builtinCode() == c.code()).findFirst().orElseThrow();
                assertEquals(absent(form[0], c.expected(), c.name()), read.options().missing());
                assertModel(w, TfliteModel.read(file));
            }
        }
    }

    /** The reader's reason for options of union type {@code type} read as absent. */
    private static String absent(int type, int expected, String name) {
        String want = "expected " + name + " (union type " + expected + ")";
        return type == expected ? "its builtin options of union type " + type
                + " have no table (" + want + ")"
                : "its builtin options are of union type " + type + ", " + want;
    }

    /** The logits of {@code model} for {@code image}, on one session. */
    private static float[] logits(MobileNetV2 model, float[] image) {
        try (Session s = model.newSession()) {
            return s.run(image);
        }
    }

    /** {@code m} holds {@code w}'s configuration and weights. */
    private static void assertModel(Weights w, TfliteModel m) {
        assertEquals(w.config(), m.config());
        for (Layer l : w.layers()) {
            assertArrayEquals(w.kernel(l.index()), m.weights().kernel(l.index()), l.name());
            assertArrayEquals(w.bias(l.index()), m.weights().bias(l.index()), l.name());
        }
    }

    /**
     * A depthwise convolution's depth multiplier is 1, or 0 (the schema's default for a field
     * left out; TensorFlow Lite ignores the field since 2.1). A negative one loaded.
     */
    @Test
    void negativeDepthMultiplierIsRefused() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.depthMultiplier = 0;
        assertEquals(w.config(), TfliteModel.read(TfliteWriter.mobileNet(w, v)).config());
        for (int bad : new int[] {-1, Integer.MIN_VALUE, 2}) {
            v.depthMultiplier = bad;
            String msg = failure(w, v);
            assertTrue(msg.contains("(DEPTHWISE_CONV_2D)) has depth multiplier " + bad
                    + "; expected 1 (or 0, unset)"), msg);
        }
    }

    /**
     * A shape with negative dimensions, or whose element count overflows a long, counts no
     * elements: [16, -1, -1] and [80, 5581, 49477, 8681, 384773] (16 + 2^66, wrapped to 16)
     * passed for the stem's 16 biases. Constant data is checked against its shape without
     * wrapping either: 2^62 + 8 ints (4 * 2^62 + 32 bytes, wrapped to 32) passed for the 32
     * bytes of a PAD's paddings, of which 8 were read.
     */
    @Test
    void shapesWhoseElementCountIsNegativeOrWrapsAreRefused() {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        assertEquals(16, w.bias(0).length);
        String bias = w.layers().get(0).name() + "/bias";
        for (int[] shape : new int[][] {{16, -1, -1}, {-16, -1}, {80, 5581, 49477, 8681, 384773}}) {
            TfliteWriter.Variant v = new TfliteWriter.Variant();
            v.shapes.put(bias, shape);
            String msg = failure(w, v);
            assertTrue(msg.contains("(CONV_2D): bias tensor #") && msg.contains(
                    Arrays.toString(shape) + " float32 should hold 16 values"), msg);
        }
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.explicitPad = true;
        int[] shape = {24, 2833, 37171, 1824726041};
        v.shapes.put(w.layers().get(0).name() + "/paddings", shape);
        String msg = failure(w, v);
        assertTrue(msg.contains(Arrays.toString(shape) + " int32 has 32 bytes of data,"
                + " but its shape needs 4611686018427387912 elements of 4 bytes"), msg);
    }

    /**
     * The projection feeding a residual ADD has the block's output shape: only the sum's shape
     * was checked, so a projection output claiming 0 channels loaded.
     */
    @Test
    void residualProjectionOutputShapeIsChecked() throws ModelFormatException {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        TfliteGraph g = TfliteReader.read(ByteBuffer.wrap(TfliteWriter.mobileNet(w, v)));
        TfliteGraph.Operator add = g.operators.stream()
                .filter(o -> o.builtinCode() == BuiltinOperators.ADD).findFirst().orElseThrow();
        TfliteGraph.Tensor project = g.tensor(add.input(0));
        int[] shape = project.shape().clone();
        shape[3] = 0;
        v.shapes.put(project.name(), shape);
        String msg = failure(w, v);
        assertTrue(msg.contains(" project output tensor #" + project.index() + " '"
                + project.name() + "' " + Arrays.toString(shape) + " float32 should have shape "
                + Arrays.toString(project.shape())), msg);
    }

    /**
     * A filter whose channels imply a width multiplier out of range (2048 or 0 projection
     * channels: alpha 6.4 or 0) is named, as one implying a valid width is: the import reported
     * "width multiplier alpha = 6.4 is not allowed", naming no tensor.
     */
    @Test
    void filterImplyingAnInvalidWidthIsNamed() {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        Layer project = w.layers().stream().filter(l -> l.name().equals("block17.project"))
                .findFirst().orElseThrow();
        for (int channels : new int[] {2048, 224, 0}) {
            TfliteWriter.Variant v = new TfliteWriter.Variant();
            int[] shape = {channels, 1, 1, project.inChannels()};
            v.shapes.put(project.name() + "/weights", shape);
            String msg = failure(w, v);
            assertTrue(msg.matches("not a MobileNetV2 graph: block 17 project filter tensor #\\d+"
                    + " 'block17.project/weights' \\" + Arrays.toString(shape).replace("]", "\\]")
                    + " float32 should have shape \\[112, 1, 1, 336\\] \\(for alpha 0.35\\)"),
                    channels + ": " + msg);
        }
    }

    /**
     * A resolution (or a class count) out of range names the tensors it comes from:
     * "resolution = 4096 is not allowed" left the user to find which shape said so.
     */
    @Test
    void resolutionOutOfRangeNamesItsTensor() {
        Weights w = weights(0.35, 32, 7, Padding.TF_SAME);
        String classifier = w.layers().get(w.layers().size() - 1).name() + "/weights";
        TfliteWriter.Variant v = new TfliteWriter.Variant();
        v.shapes.put("input", new int[] {1, 4096, 4096, 3});
        String msg = failure(w, v);
        assertTrue(msg.matches("not a MobileNetV2 graph: resolution = 4096 is not allowed:"
                + " expected 32 to 2048 pixels \\(the input tensor #0 'input' \\[1, 4096, 4096,"
                + " 3\\] float32, the classifier weights tensor #\\d+ '" + classifier
                + "' \\[7, 1, 1, 1280\\] float32\\)"), msg);
    }

    @Test
    void unsupportedOperatorIsNamed() {
        TfliteWriter w = new TfliteWriter();
        int in = w.tensor("input", TfliteGraph.FLOAT32, 1, 32, 32, 3);
        int out = w.tensor("out", TfliteGraph.FLOAT32, 1, 32, 32, 3);
        w.op(117, new int[] {in}, out);   // HARD_SWISH
        ModelFormatException e =
                assertThrows(ModelFormatException.class, () -> TfliteModel.read(w.finish(in, out)));
        assertTrue(e.getMessage().contains("unsupported operator HARD_SWISH"), e.getMessage());
    }

    @Test
    void customOperatorIsNamed() {
        TfliteWriter w = new TfliteWriter();
        int in = w.tensor("input", TfliteGraph.FLOAT32, 1, 32, 32, 3);
        int out = w.tensor("out", TfliteGraph.FLOAT32, 1, 32, 32, 3);
        w.custom("TFLite_Detection_PostProcess", new int[] {in}, out);
        ModelFormatException e =
                assertThrows(ModelFormatException.class, () -> TfliteModel.read(w.finish(in, out)));
        assertTrue(e.getMessage().contains("custom operator 'TFLite_Detection_PostProcess'"),
                e.getMessage());
    }

    @Test
    void graphThatIsNotMobileNetIsRejected() {
        // input -> 3x3 conv -> softmax: supported operators, wrong structure.
        TfliteWriter w = new TfliteWriter();
        int in = w.tensor("input", TfliteGraph.FLOAT32, 1, 32, 32, 3);
        int filter = w.floats("f", new float[32 * 27], 32, 3, 3, 3);
        int conv = w.tensor("conv", TfliteGraph.FLOAT32, 1, 16, 16, 32);
        w.op(BuiltinOperators.CONV_2D, new int[] {in, filter, -1}, conv, 1,
                TfliteWriter.convOptions(TfliteGraph.PAD_SAME, 2, TfliteGraph.ACT_RELU6));
        int out = w.tensor("softmax", TfliteGraph.FLOAT32, 1, 16, 16, 32);
        w.op(BuiltinOperators.SOFTMAX, new int[] {conv}, out, 9, TfliteWriter.softmaxOptions(1f));
        ModelFormatException e =
                assertThrows(ModelFormatException.class, () -> TfliteModel.read(w.finish(in, out)));
        assertTrue(e.getMessage().startsWith("not a MobileNetV2 graph"), e.getMessage());
    }

    @Test
    void nonSquareInputIsRejected() {
        TfliteWriter w = new TfliteWriter();
        int in = w.tensor("input", TfliteGraph.FLOAT32, 1, 32, 48, 3);
        int out = w.tensor("out", TfliteGraph.FLOAT32, 1, 32, 48, 3);
        w.op(BuiltinOperators.QUANTIZE, new int[] {in}, out);
        ModelFormatException e =
                assertThrows(ModelFormatException.class, () -> TfliteModel.read(w.finish(in, out)));
        assertTrue(e.getMessage().contains("not one square RGB image"), e.getMessage());
    }

    @Test
    void halfPrecisionDecodes() {
        assertEquals(1f, Dequantizer.halfToFloat((short) 0x3C00));
        assertEquals(-2f, Dequantizer.halfToFloat((short) 0xC000));
        assertEquals(0x1p-24f, Dequantizer.halfToFloat((short) 0x0001));
        assertEquals(65504f, Dequantizer.halfToFloat((short) 0x7BFF));
        assertEquals(Float.POSITIVE_INFINITY, Dequantizer.halfToFloat((short) 0x7C00));
    }
}
