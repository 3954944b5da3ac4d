package dev.mobilenetsimd.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.testdata.RealData;
import dev.mobilenetsimd.tflite.TfliteModel;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Real pretrained weights (the TensorFlow Lite MobileNetV2 1.0/224, dequantized, TensorFlow SAME
 * padding) exported to ONNX: ONNX Runtime and our import of that file agree with our network.
 * Skipped when the shared data folder is absent.
 */
class OnnxRealWeightsTest {
    @Test
    void tfliteWeightsThroughOnnxAgreeWithOnnxRuntime() throws Exception {
        TfliteModel tfl = TfliteModel.load(RealData.model(RealData.TF1_QUANT));
        byte[] onnx = OnnxExporter.toBytes(tfl.weights());
        OnnxModel back = OnnxModel.read(onnx);
        assertEquals(tfl.config(), back.config());
        int r = back.config().resolution();
        float[] img = OnnxTestSupport.randomImage(r, 17);
        float[] ours =
                OnnxTestSupport.runOurs(tfl.config(), tfl.weights(), KernelSets.vector(), img);
        float[] reimported =
                OnnxTestSupport.runOurs(back.config(), back.weights(), KernelSets.vector(), img);
        assertArrayEquals(ours, reimported, "round trip must be bitwise identical");
        float[] ort = OnnxTestSupport.runOrt(onnx, OnnxModel.nhwcToNchw(img, r, r, 3), r, 1);
        float diff = OnnxTestSupport.maxAbsDiff(ours, ort);
        float tol = OnnxRuntimeAgreementTest.RELATIVE_TOLERANCE
                * Math.max(1f, OnnxTestSupport.maxAbs(ort));
        System.out.printf(Locale.ROOT,
                "real weights %s: max|logit| %.3f, max|Δ| vs ORT %.3g (tolerance %.3g)%n",
                tfl.config(), OnnxTestSupport.maxAbs(ort), diff, tol);
        assertTrue(diff <= tol, "max |Δlogit| " + diff + " > " + tol);
        assertArrayEquals(OnnxTestSupport.top(ort, 5), OnnxTestSupport.top(ours, 5));
    }
}
