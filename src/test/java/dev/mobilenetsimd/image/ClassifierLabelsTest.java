package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.onnx.OnnxExporter;
import dev.mobilenetsimd.onnx.OnnxFormatException;
import dev.mobilenetsimd.onnx.OnnxModel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Labels must name every class or none: a file with another count (ImageNet's 1000 names for
 * 1001 classes, or five lines for 1001) was taken, naming the first classes wrongly and the rest
 * {@code "class <i>"}, while the CLI refused the same file.
 */
class ClassifierLabelsTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 32, 7, Padding.TF_SAME);
    private static final Weights WEIGHTS = Weights.random(CFG, 3);
    private static final InputNormalization NORM = InputNormalization.minusOneToOne();
    private static final Labels FIVE = Labels.parse("a\nb\nc\nd\ne\n");

    @Test
    void labelsOfAnotherCountAreRefusedByEveryConstructor() {
        MobileNetV2 network = MobileNetV2.create(CFG, WEIGHTS);
        refused(() -> new Classifier(network, NORM, FIVE).close(), 5);
        refused(() -> new Classifier(network, NORM, FIVE, 3).close(), 5);
        refused(() -> new Classifier(network, NORM, FIVE, 3, 1).close(), 5);
        Labels eight = Labels.of(List.of("0", "1", "2", "3", "4", "5", "6", "7"));
        refused(() -> new Classifier(network, NORM, eight).close(), 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Classifier(network, NORM, Labels.of(List.of("x"))).close());
        assertEquals("the labels have 1 name, the model 7 classes: expected one name per class"
                + " (name i for class i), or Labels.none()", e.getMessage());
    }

    @Test
    void anOnnxModelsClassifierRefusesLabelsOfAnotherCount() throws OnnxFormatException {
        OnnxModel m = OnnxModel.read(OnnxExporter.toBytes(WEIGHTS));
        refused(() -> m.classifier(KernelSets.scalar(), NORM, FIVE, 5, 1).close(), 5);
    }

    /** One name per class, no names at all, or an empty file (no names either) are taken. */
    @Test
    void labelsForEveryClassOrNoneAreTaken() {
        MobileNetV2 network = MobileNetV2.create(CFG, WEIGHTS);
        Labels seven = Labels.parse("a\nb\nc\nd\ne\nf\ng\n");
        for (Labels labels : List.of(seven, Labels.none(), Labels.parse("\n\n"))) {
            try (Classifier c = new Classifier(network, NORM, labels, 7)) {
                List<Prediction> top = c.classifyPreprocessed(new byte[network.inputLength()])
                        .top();
                for (Prediction p : top) {
                    assertEquals(labels.size() == 0 ? "class " + p.index()
                            : String.valueOf((char) ('a' + p.index())), p.label());
                }
            }
        }
    }

    private static void refused(Executable call, int names) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals("the labels have " + names + " names, the model 7 classes: expected one"
                + " name per class (name i for class i), or Labels.none()", e.getMessage());
    }
}
