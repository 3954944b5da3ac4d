package dev.mobilenetsimd.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * import(export(model)) is the same model: same configuration, bit-identical weights and logits.
 */
class OnnxRoundTripTest {

    @ParameterizedTest(name = "{0}/{1} {2} classes {3}")
    @CsvSource({
            "0.35, 96, SYMMETRIC, 1000",
            "0.5, 128, TF_SAME, 1001",
            // odd sizes: both conventions coincide; the metadata keeps TF
            "0.75, 97, TF_SAME, 10",
            "1.4, 64, SYMMETRIC, 1",
    })
    void exportThenImportIsIdentical(double alpha, int resolution, Padding padding, int classes)
            throws Exception {
        ModelConfig cfg = new ModelConfig(alpha, resolution, classes, padding);
        Weights w = Weights.random(cfg, 3);
        OnnxModel back = OnnxModel.read(OnnxExporter.toBytes(w));
        assertEquals(cfg, back.config());
        for (int i = 0; i < w.layers().size(); i++) {
            assertArrayEquals(w.kernel(i), back.weights().kernel(i),
                    "kernel of " + w.layers().get(i));
            assertArrayEquals(w.bias(i), back.weights().bias(i), "bias of " + w.layers().get(i));
        }
        float[] img = OnnxTestSupport.randomImage(resolution, 5);
        float[] a = OnnxTestSupport.runOurs(cfg, w, KernelSets.vector(), img);
        float[] b = OnnxTestSupport.runOurs(back.config(), back.weights(),
                KernelSets.vector(), img);
        assertArrayEquals(a, b, "logits must be bitwise identical");
        assertEquals(OnnxExporter.INPUT_NAME, back.inputName());
        assertEquals(OnnxExporter.OUTPUT_NAME, back.outputName());
    }

    @Test
    void saveAndLoadThroughAFile(@TempDir Path dir) throws Exception {
        ModelConfig cfg = new ModelConfig(0.35, 96, 1000, Padding.SYMMETRIC);
        Weights w = Weights.random(cfg, 1);
        Path file = dir.resolve("m.onnx");
        OnnxExporter.write(w, file);
        OnnxModel m = OnnxModel.load(file);
        assertEquals(cfg, m.config());
        // the producer is this build, not a version written into the exporter by hand
        String version = OnnxProto.readModel(Files.readAllBytes(file)).producerVersion();
        assertEquals(java.util.Objects.requireNonNullElse(
                OnnxExporter.class.getPackage().getImplementationVersion(), "development build"),
                version);
        assertTrue(m.description().contains("mobilenet-simd " + version), m.description());
        assertArrayEquals(OnnxExporter.toBytes(w), m.toBytes(), "re-export is byte-identical");
        float[] img = OnnxTestSupport.randomImage(96, 2);
        try (var s = m.network(KernelSets.scalar()).newSession()) {
            assertArrayEquals(OnnxTestSupport.runOurs(cfg, w, KernelSets.scalar(), img),
                    s.run(img));
        }
    }

    /**
     * An input with a fixed batch ({@code torch.onnx.export} with an 8-image dummy and no dynamic
     * axes) is the same network: it was refused as "not [N, 3, size, size]".
     */
    /**
     * A graph given in two parts (two ModelProto.graph fields, as concatenating two messages
     * writes) is their merge, as protobuf reads it: the nodes of the first were dropped, the
     * last graph taken alone.
     */
    @Test
    void graphInTwoPartsIsMerged() throws Exception {
        ModelConfig cfg = new ModelConfig(0.35, 32, 10, Padding.TF_SAME);
        Weights w = Weights.random(cfg, 4);
        OnnxProto.Model m = OnnxExporter.model(w);
        OnnxProto.Graph g = m.graph();
        OnnxProto.Model nodes = new OnnxProto.Model(m.irVersion(), m.opsets(), m.producerName(),
                m.producerVersion(), new OnnxProto.Graph(g.name(), g.nodes(), List.of(),
                        List.of(), List.of()), m.metadata());
        OnnxProto.Model rest = new OnnxProto.Model(m.irVersion(), List.of(), "", "",
                new OnnxProto.Graph(g.name(), List.of(), g.initializers(), g.inputs(),
                        g.outputs()), java.util.Map.of());
        byte[] a = OnnxProto.write(nodes), b = OnnxProto.write(rest);
        byte[] file = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, file, a.length, b.length);
        OnnxModel back = OnnxModel.read(file);
        assertEquals(cfg, back.config());
        for (int i = 0; i < w.layers().size(); i++) {
            assertArrayEquals(w.kernel(i), back.weights().kernel(i), "kernel of " + i);
            assertArrayEquals(w.bias(i), back.weights().bias(i), "bias of " + i);
        }
    }

    @Test
    void fixedBatchInputImports() throws Exception {
        ModelConfig cfg = new ModelConfig(0.35, 64, 10, Padding.SYMMETRIC);
        Weights w = Weights.random(cfg, 4);
        OnnxProto.Model m = OnnxExporter.model(w);
        OnnxProto.Graph g = m.graph();
        OnnxProto.Model fixed = new OnnxProto.Model(m.irVersion(), m.opsets(), m.producerName(),
                m.producerVersion(), new OnnxProto.Graph(g.name(), g.nodes(), g.initializers(),
                List.of(new OnnxProto.ValueInfo(OnnxExporter.INPUT_NAME, OnnxProto.FLOAT,
                        List.of(8L, 3L, 64L, 64L))),
                List.of(new OnnxProto.ValueInfo(OnnxExporter.OUTPUT_NAME, OnnxProto.FLOAT,
                        List.of(8L, 10L)))), m.metadata());
        OnnxModel back = OnnxModel.read(OnnxProto.write(fixed));
        assertEquals(cfg, back.config());
        float[] img = OnnxTestSupport.randomImage(64, 6);
        assertArrayEquals(OnnxTestSupport.runOurs(cfg, w, KernelSets.scalar(), img),
                OnnxTestSupport.runOurs(back.config(), back.weights(), KernelSets.scalar(), img));
    }

    @Test
    void layoutConversionsAreInverse() {
        float[] nhwc = OnnxTestSupport.randomImage(5, 9);
        float[] nchw = OnnxModel.nhwcToNchw(nhwc, 5, 5, 3);
        assertEquals(nhwc[3 * (2 * 5 + 4) + 1], nchw[25 + 2 * 5 + 4]);
        assertArrayEquals(nhwc, OnnxModel.nchwToNhwc(nchw, 3, 5, 5));
    }
}
