package dev.mobilenetsimd.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our vector and scalar backends against ONNX Runtime on the ONNX export of the same random
 * weights, same input (NHWC for us, NCHW for ONNX Runtime): logits agree within
 * {@value #RELATIVE_TOLERANCE} of the largest logit's magnitude (at least 1) and the top 5 match.
 * Float32 everywhere; the differences are summation order only.
 */
class OnnxRuntimeAgreementTest {
    /** Allowed max |Δlogit| relative to max(1, max |logit|). */
    static final float RELATIVE_TOLERANCE = 2e-5f;

    @ParameterizedTest(name = "{0}/{1} {2}")
    @CsvSource({
            "0.35, 96, SYMMETRIC",
            "0.5, 128, TF_SAME",
            "1.0, 96, SYMMETRIC",
            "1.0, 224, SYMMETRIC",
    })
    void logitsAgreeWithOnnxRuntime(double alpha, int resolution, Padding padding)
            throws Exception {
        ModelConfig cfg = new ModelConfig(alpha, resolution, 1000, padding);
        Weights w = Weights.random(cfg, 7);
        byte[] onnx = OnnxExporter.toBytes(w);
        float[] nhwc = OnnxTestSupport.randomImage(resolution, 11);
        float[] ort = OnnxTestSupport.runOrt(onnx,
                OnnxModel.nhwcToNchw(nhwc, resolution, resolution, 3), resolution, 1);
        float tol = RELATIVE_TOLERANCE * Math.max(1f, OnnxTestSupport.maxAbs(ort));
        for (KernelSet k : new KernelSet[] {KernelSets.vector(), KernelSets.scalar()}) {
            float[] ours = OnnxTestSupport.runOurs(cfg, w, k, nhwc);
            float diff = OnnxTestSupport.maxAbsDiff(ours, ort);
            int[] topOrt = OnnxTestSupport.top(ort, 5);
            int[] topOurs = OnnxTestSupport.top(ours, 5);
            System.out.printf(Locale.ROOT,
                    "ORT vs %s %s: max|logit| %.4f, max|Δ| %.3g (tolerance %.3g), "
                            + "top-5 ORT %s ours %s%n",
                    k.name(), cfg, OnnxTestSupport.maxAbs(ort), diff, tol,
                    Arrays.toString(topOrt), Arrays.toString(topOurs));
            assertEquals(ort.length, ours.length);
            assertTrue(diff <= tol, k.name() + ": max |Δlogit| " + diff + " > " + tol);
            assertArrayEquals(topOrt, topOurs, k.name() + ": top-5 differ");
        }
    }
}
