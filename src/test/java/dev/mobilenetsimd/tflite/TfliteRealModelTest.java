package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.image.Classification;
import dev.mobilenetsimd.image.Classifier;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.Labels;
import dev.mobilenetsimd.image.Prediction;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.testdata.RealData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two real ImageNet models: import, photos through
 * our preprocessing, and TensorFlow Lite's outputs.
 */
class TfliteRealModelTest {
    /** Photo file -> expected top-1 index (into imagenet_labels.txt, 0 = background). */
    static final Map<String, Integer> PHOTOS = new LinkedHashMap<>();

    static {
        PHOTOS.put("cat.bmp", 286);
        PHOTOS.put("grace_hopper.bmp", 653);
        PHOTOS.put("bird.bmp", 20);
        PHOTOS.put("parrot.jpg", 89);
    }

    private static final Map<String, TfliteModel> MODELS = new ConcurrentHashMap<>();

    static TfliteModel model(String name) throws IOException {
        Path file = RealData.model(name);
        TfliteModel m = MODELS.get(name);
        if (m == null) {
            m = TfliteModel.load(file);
            MODELS.put(name, m);
        }
        return m;
    }

    private static String stem(String photo) {
        return photo.substring(0, photo.indexOf('.'));
    }

    @ParameterizedTest
    @ValueSource(strings = {RealData.TF1_QUANT, RealData.TF2_PTQ})
    void importsTheStandardConfiguration(String name) throws IOException {
        TfliteModel m = model(name);
        assertEquals(ModelConfig.standard(), m.config(), m.description());
        assertEquals(1001, m.labels().size(), "labels embedded in the file");
        assertEquals("background", m.labels().get(0));
        assertEquals("Egyptian cat", m.labels().get(286));
        InputNormalization n = m.inputNormalization();
        if (name.equals(RealData.TF1_QUANT)) {
            assertEquals(1 / 128.0, n.scale(), 1e-9);
            assertEquals(128, n.offset());
        } else {
            assertEquals(1 / 127.5, n.scale(), 1e-7);
            assertEquals(127, n.offset());
        }
        System.out.println(name + ": " + m.description() + "; input " + n);
    }

    /** Every photo through our decoding and resizing: the expected top-1, with both backends. */
    @ParameterizedTest
    @ValueSource(strings = {RealData.TF1_QUANT, RealData.TF2_PTQ})
    void photosClassifyToTheirExpectedClass(String name) throws IOException {
        TfliteModel m = model(name);
        Labels labels = Labels.read(RealData.file("imagenet_labels.txt"));
        try (Classifier scalar = m.classifier(KernelSets.scalar(), labels, 5);
             Classifier vector = m.classifier(vectorOrScalar(), labels, 5)) {
            for (Map.Entry<String, Integer> e : PHOTOS.entrySet()) {
                Path photo = RealData.file(e.getKey());
                Classification s = scalar.classify(photo);
                Classification v = vector.classify(photo);
                System.out.printf(Locale.ROOT, "%s %-16s top-1 %d %s (%.3f), top-5 %s%n", name,
                        e.getKey(), s.best().index(), s.best().label(), s.best().probability(),
                        indices(s.top()));
                assertEquals(e.getValue(), s.best().index(),
                        name + " " + e.getKey() + ": " + s.top());
                assertEquals(indices(s.top()), indices(v.top()),
                        name + " " + e.getKey() + ": scalar and vector top-5 differ");
            }
        }
    }

    /**
     * On the reference inputs (Pillow-resized bytes): the same top-1 as TensorFlow Lite, top-5 sets
     * sharing at least 4 classes; prints the L1 distance between the probability vectors.
     */
    @ParameterizedTest
    @ValueSource(strings = {RealData.TF1_QUANT, RealData.TF2_PTQ})
    void referenceInputsMatchTensorFlowLite(String name) throws IOException {
        TfliteModel m = model(name);
        try (Classifier c = m.classifier(vectorOrScalar(), Labels.none(), 5)) {
            for (String photo : PHOTOS.keySet()) {
                String img = stem(photo);
                byte[] input = Files.readAllBytes(RealData.file("reference/" + img + ".rgb224.u8"));
                byte[] ref = Files.readAllBytes(RealData.file("reference/" + img + "." + name
                        + ".tflite_wasm.out.u8"));
                assertEquals(1001, ref.length);
                float[] refP = new float[ref.length];
                for (int i = 0; i < ref.length; i++) {
                    refP[i] = (ref[i] & 0xFF) / 256f;
                }
                Classification ours = c.classifyPreprocessed(input);
                double l1 = 0;
                for (int i = 0; i < refP.length; i++) {
                    l1 += Math.abs(refP[i] - ours.probabilities()[i]);
                }
                int[] refTop = Classification.topK(refP, 5);
                // TFLite's uint8 outputs tie (often at 0 or
                // 1/256) from rank 3 or so on, so its top-5
                // "set" counts every class scoring at least its 5th-highest value.
                float fifth = refP[refTop[4]];
                long overlap = ours.top().stream().filter(p -> refP[p.index()] >= fifth).count();
                Set<Integer> strict = new HashSet<>(indices(ours.top()));
                strict.retainAll(Arrays.stream(refTop).boxed().toList());
                System.out.printf(Locale.ROOT,
                        "%s %-13s ours top-5 %s (p1 %.4f), TFLite top-5 %s (p1 %.4f, "
                                + "5th %.4f), overlap %d (ties counted; %d by index), L1 distance"
                                + " %.4f%n",
                        name, img, indices(ours.top()), ours.best().probability(),
                        Arrays.toString(refTop), refP[refTop[0]], fifth, overlap, strict.size(),
                        l1);
                assertEquals(refTop[0], ours.best().index(),
                        name + " " + img + ": top-1 differs from TFLite");
                assertTrue(overlap >= 4, name + " " + img + ": top-5 overlap only " + overlap);
                assertTrue(l1 < 0.5, name + " " + img + ": L1 distance " + l1);
            }
        }
    }

    static List<Integer> indices(List<Prediction> top) {
        return top.stream().map(Prediction::index).toList();
    }

    static KernelSet vectorOrScalar() {
        return KernelSets.vectorAvailable() ? KernelSets.vector() : KernelSets.scalar();
    }

    /**
     * Stem weights and biases straight from the file:
     * OHWI uint8 -> HWIO floats, int32 bias * s_in * s_w.
     */
    @ParameterizedTest
    @ValueSource(strings = {RealData.TF1_QUANT, RealData.TF2_PTQ})
    void stemWeightsAreDequantizedAndTransposed(String name) throws IOException {
        TfliteModel m = model(name);
        TfliteGraph g = TfliteReader.read(
                java.nio.ByteBuffer.wrap(Files.readAllBytes(RealData.model(name))));
        TfliteGraph.Operator conv = g.operators.stream()
                .filter(o -> o.builtinCode() == BuiltinOperators.CONV_2D).findFirst().orElseThrow();
        TfliteGraph.Tensor in = g.tensor(conv.input(0)), filter = g.tensor(conv.input(1)),
                bias = g.tensor(conv.input(2));
        java.nio.ByteBuffer f = g.data(filter), b = g.data(bias);
        float[] kernel = m.weights().kernel(0), biases = m.weights().bias(0);
        TfliteGraph.Quantization q = filter.quantization();
        boolean perChannel = q.scale().length > 1;
        for (int co : new int[] {0, 7, 31}) {
            double s = q.scale()[perChannel ? co : 0];
            long zp = q.zeroPoint()[perChannel ? co : 0];
            for (int k = 0; k < 9; k++) { // all taps: the diagonal alone misses an H/W swap
                for (int ci = 0; ci < 3; ci++) {
                    int raw = f.get((co * 9 + k) * 3 + ci);
                    int qv = filter.type() == TfliteGraph.UINT8 ? raw & 0xFF : raw;
                    assertEquals((float) (s * (qv - zp)), kernel[(k * 3 + ci) * 32 + co], 0f);
                }
            }
            assertEquals((float) ((double) in.quantization().scale()[0]
                    * q.scale()[perChannel ? co : 0]
                    * b.getInt(4 * co)), biases[co], 0f);
        }
    }
}
