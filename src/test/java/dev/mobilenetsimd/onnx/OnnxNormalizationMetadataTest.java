package dev.mobilenetsimd.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.Classification;
import dev.mobilenetsimd.image.Classifier;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.Labels;
import dev.mobilenetsimd.kernels.KernelSets;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The input normalisation in an ONNX file's metadata: written by {@link OnnxExporter}, read back
 * exactly by {@link OnnxModel}, and a malformed entry refused with what is wrong.
 */
class OnnxNormalizationMetadataTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
    private static final Weights WEIGHTS = Weights.random(CFG, 8);

    @Test
    void recordedNormalisationReadsBackExactly(@TempDir Path dir) throws Exception {
        InputNormalization quant = new InputNormalization(1 / 128.0, 128);
        InputNormalization odd = InputNormalization.perChannel(new double[] {0.1, 1 / 3.0, 7e-5},
                new double[] {0.5, -3, 255});
        for (InputNormalization n : new InputNormalization[] {InputNormalization.IMAGENET,
                InputNormalization.minusOneToOne(), quant, odd}) {
            OnnxModel m = OnnxModel.read(OnnxExporter.toBytes(WEIGHTS, n));
            assertEquals(Optional.of(n), m.inputNormalization());
            for (int c = 0; c < 3; c++) { // bit for bit
                assertEquals(n.scale(c), m.inputNormalization().get().scale(c));
                assertEquals(n.offset(c), m.inputNormalization().get().offset(c));
            }
            assertArrayEquals(OnnxExporter.toBytes(WEIGHTS, n), m.toBytes(),
                    "re-export keeps it");
        }
        assertEquals("scale=0.0078125,0.0078125,0.0078125;offset=128.0,128.0,128.0",
                OnnxExporter.model(WEIGHTS, quant).metadata()
                        .get(OnnxExporter.NORMALIZATION_METADATA_KEY));
        Path file = dir.resolve("m.onnx");
        OnnxExporter.write(WEIGHTS, InputNormalization.IMAGENET, file);
        assertEquals(Optional.of(InputNormalization.IMAGENET),
                OnnxModel.load(file).inputNormalization());
    }

    @Test
    void withoutNormalisationNothingIsRecorded() throws Exception {
        OnnxModel m = OnnxModel.read(OnnxExporter.toBytes(WEIGHTS));
        assertEquals(Optional.empty(), m.inputNormalization());
        assertFalse(OnnxExporter.model(WEIGHTS).metadata()
                .containsKey(OnnxExporter.NORMALIZATION_METADATA_KEY));
        IllegalStateException e = assertThrows(IllegalStateException.class, m::classifier);
        assertTrue(e.getMessage().contains("records no input normalisation")
                && e.getMessage().contains("InputNormalization.IMAGENET"), e.getMessage());
        assertThrows(NullPointerException.class, () -> m.classifier(null));
    }

    /** The factories use the recorded normalisation, or the one given, on the right channels. */
    @Test
    void classifiersNormaliseAsRecordedOrAsTold() throws Exception {
        OnnxModel recorded = OnnxModel.read(OnnxExporter.toBytes(WEIGHTS,
                InputNormalization.IMAGENET));
        byte[] rgb = new byte[32 * 32 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 37);
        }
        float[] expected;
        try (var s = recorded.network(KernelSets.scalar()).newSession()) {
            float[] in = new float[rgb.length];
            double[] mean = {0.485, 0.456, 0.406}, std = {0.229, 0.224, 0.225};
            for (int i = 0; i < rgb.length; i++) {
                in[i] = (float) (((rgb[i] & 0xFF) / 255.0 - mean[i % 3]) / std[i % 3]);
            }
            expected = Classification.softmax(s.run(in));
        }
        try (Classifier c = recorded.classifier(KernelSets.scalar(), recorded.inputNormalization()
                .orElseThrow(), Labels.none(), 3, 1)) {
            assertArrayEquals(expected, c.classifyPreprocessed(rgb).probabilities(), 1e-5f);
            assertEquals("class 0", c.labels().get(0));
        }
        try (Classifier c = recorded.classifier()) {
            assertEquals(InputNormalization.IMAGENET, c.normalization());
        }
        try (Classifier c = OnnxModel.read(OnnxExporter.toBytes(WEIGHTS))
                .classifier(InputNormalization.minusOneToOne())) {
            assertEquals(InputNormalization.minusOneToOne(), c.normalization());
        }
    }

    @Test
    void malformedMetadataIsRefusedWithTheExpectedForm() {
        String[][] cases = {
                {"", "expected two parts separated by ';', found 1"},
                {"scale=1,1,1", "found 1"},
                {"scale=1,1,1;offset=0,0,0;x=1", "found 3"},
                {"scale=1,1;offset=0,0,0", "scale has 2 values; expected 3"},
                {"scale=1,1,1;offset=0,0,0,0", "offset has 4 values"},
                {"scale=1,1,1;offset=0,0,x", "offset value 'x' is not a decimal number"},
                {"scale=1,1,NaN;offset=0,0,0", "scale value 'NaN' is not a decimal number"},
                {"scale=1,1,1e999;offset=0,0,0", "scale Infinity"},
                {"scale=1,0,1;offset=0,0,0", "scale 0.0, offset 0.0 of the green channel"},
                {"scale=1,1,1e-300;offset=0,0,0", "of the blue channel: the scale is 0 as a"
                        + " float"},
                {"scale=1,1,1;scale=1,1,1", "scale given twice"},
                {"mean=1,1,1;offset=0,0,0", "'mean=1,1,1' is not scale=... or offset=..."},
                {"scale=1,1,1;offset", "'offset' is not scale=..."},
        };
        for (String[] c : cases) {
            Map<String, String> meta = new LinkedHashMap<>(OnnxExporter.model(WEIGHTS).metadata());
            meta.put(OnnxExporter.NORMALIZATION_METADATA_KEY, c[0]);
            byte[] bytes = OnnxProto.write(withMetadata(OnnxExporter.model(WEIGHTS), meta));
            OnnxFormatException e = assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(bytes), c[0]);
            String msg = e.getMessage();
            assertTrue(msg.startsWith("malformed metadata mobilenet-simd.input_normalization = '"
                    + c[0] + "': "), msg);
            assertTrue(msg.contains(c[1]), "'" + c[1] + "' in: " + msg);
            assertTrue(msg.endsWith("; expected 'scale=SR,SG,SB;offset=OR,OG,OB' (real = scale[c]"
                    + " * (p - offset[c]) for 8-bit red, green, blue values p)"), msg);
            // InputNormalization's refusal is kept as the cause, not only as words
            if (c[1].contains("channel")) {
                assertTrue(e.getCause() instanceof IllegalArgumentException, c[0]);
                assertTrue(msg.contains(e.getCause().getMessage()), msg);
            }
        }
        // white space around the parts and numbers is fine
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(OnnxExporter.NORMALIZATION_METADATA_KEY,
                " offset = 1, 2 ,3 ; scale=0.5,.25,2E-1 ");
        OnnxModel m = assertDoesNotThrow(withMetadata(OnnxExporter.model(WEIGHTS), meta));
        assertEquals(InputNormalization.perChannel(new double[] {0.5, 0.25, 0.2},
                new double[] {1, 2, 3}), m.inputNormalization().orElseThrow());
    }

    /**
     * A long number is checked in time linear in its length: 100,000 digits before a stray
     * letter took 39 s to refuse, the regular expression retrying every split of the digits.
     * The message shows the start of the value, not all of it.
     */
    @Test
    void longNumbersAreCheckedInLinearTime() {
        String digits = "1".repeat(100_000);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(OnnxExporter.NORMALIZATION_METADATA_KEY,
                "scale=" + digits + "x,1,1;offset=1,1,1");
        byte[] bad = OnnxProto.write(withMetadata(OnnxExporter.model(WEIGHTS), meta));
        // a valid number as long: an offset of 0.000...01, which is 0 as a double
        meta.put(OnnxExporter.NORMALIZATION_METADATA_KEY,
                "scale=1,1,1;offset=0." + "0".repeat(100_000) + "1,0,0");
        OnnxProto.Model good = withMetadata(OnnxExporter.model(WEIGHTS), meta);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            OnnxFormatException e = assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(bad));
            assertTrue(e.getMessage().contains("scale value '" + digits.substring(0, 200)
                    + "...' is not a decimal number"), e.getMessage());
            assertTrue(e.getMessage().length() < 1000, "message of " + e.getMessage().length()
                    + " characters");
            assertEquals(0.0, assertDoesNotThrow(good).inputNormalization().orElseThrow()
                    .offset(0));
        });
    }

    private static OnnxModel assertDoesNotThrow(OnnxProto.Model model) {
        try {
            return OnnxModel.read(OnnxProto.write(model));
        } catch (OnnxFormatException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A metadata key given twice is refused, as the ONNX checker refuses it: the last of two
     * normalisations was taken without a word, and ONNX Runtime reports the last too.
     */
    @Test
    void metadataKeyGivenTwiceIsRefused() throws Exception {
        byte[] model = OnnxExporter.toBytes(WEIGHTS, InputNormalization.IMAGENET);
        // one more ModelProto.metadata_props (field 14) entry, appended: protobuf adds it to
        // those already read
        byte[] key = OnnxExporter.NORMALIZATION_METADATA_KEY.getBytes(StandardCharsets.UTF_8);
        byte[] value = NormalizationMetadata.format(InputNormalization.minusOneToOne())
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream entry = new ByteArrayOutputStream();
        entry.write(1 << 3 | 2);
        writeVarint(entry, key.length);
        entry.write(key);
        entry.write(2 << 3 | 2);
        writeVarint(entry, value.length);
        entry.write(value);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(model);
        file.write(14 << 3 | 2);
        writeVarint(file, entry.size());
        entry.writeTo(file);
        OnnxFormatException e = assertThrows(OnnxFormatException.class,
                () -> OnnxModel.read(file.toByteArray()));
        assertEquals("metadata key '" + OnnxExporter.NORMALIZATION_METADATA_KEY + "' is given"
                + " twice; expected each key once", e.getMessage());
    }

    private static void writeVarint(ByteArrayOutputStream out, int v) {
        for (; v >= 0x80; v >>>= 7) {
            out.write(v & 0x7f | 0x80);
        }
        out.write(v);
    }

    static OnnxProto.Model withMetadata(OnnxProto.Model m, Map<String, String> metadata) {
        return new OnnxProto.Model(m.irVersion(), m.opsets(), m.producerName(),
                m.producerVersion(), m.graph(), metadata);
    }
}
