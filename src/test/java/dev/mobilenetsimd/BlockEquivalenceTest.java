package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.Step;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every step, in isolation, against the scalar layer-by-layer reference: the same input is placed
 * in both arenas, one step runs, the outputs are compared. Resolutions are chosen so the blocks
 * see widths 1, 2, 3, 7 and 15, and every block kind (t = 1, stride 1 with and without residual,
 * stride 2) occurs.
 */
class BlockEquivalenceTest {
    private static final KernelSet SCALAR = KernelSets.scalar();

    @ParameterizedTest(name = "{0}/{1} {2} {3} {4}")
    @CsvSource({
            // res 32: widths 16, 8, 4, 2, 1   res 33: 17, 9, 5, 3, 2   res 96: 48, 24, 12, 6, 3
            // res 224: ..., 14, 7            res 240: 120, 60, 30, 15, 8
            "1.0,32,TF_SAME,vector,FUSED", "1.0,33,SYMMETRIC,vector,FUSED",
            "0.5,96,TF_SAME,vector,FUSED", "0.35,224,SYMMETRIC,vector,FUSED",
            "0.35,240,TF_SAME,vector,FUSED", "1.0,32,SYMMETRIC,vector,LAYERWISE",
            "0.5,240,TF_SAME,vector,LAYERWISE", "0.75,33,TF_SAME,scalar,FUSED",
            "0.35,240,SYMMETRIC,scalar,FUSED"})
    void everyStepMatchesTheScalarReference(double alpha, int res, Padding padding, String backend,
                                            ExecutionMode mode) {
        ModelConfig cfg = new ModelConfig(alpha, res, 13, padding);
        Weights weights = Weights.random(cfg, 21);
        MobileNetV2 reference = MobileNetV2.create(cfg, weights, SCALAR, ExecutionMode.LAYERWISE);
        MobileNetV2 tested = MobileNetV2.create(cfg, weights, KernelSets.byName(backend), mode);
        Session refSession = reference.newSession();
        Session testSession = tested.newSession();
        float[] ra = refSession.arena();
        float[] ta = testSession.arena();
        List<Step> refSteps = reference.plan().steps();
        List<Step> testSteps = tested.plan().steps();
        Random rnd = new Random(res * 31L + (long) (alpha * 100));
        for (int i = 0; i < refSteps.size(); i++) {
            Step rs = refSteps.get(i);
            Step ts = testSteps.get(i);
            int inLen = rs.inHeight() * rs.inWidth() * rs.inChannels();
            // Inputs like a real activation: mostly in [-3, 8], so ReLU6 clamps on both sides.
            // A block that computes its input (from the image, through the stem, and for block 2
            // through block 1) reads the image the stem step got: the reference's input is then
            // its own previous step's output, and the steps fused together are compared as one.
            for (int j = 0; j < inLen && !ts.computesInput(); j++) {
                float v = (float) (rnd.nextGaussian() * 3 + 1);
                ra[rs.inOffset() + j] = v;
                ta[ts.inOffset() + j] = v;
            }
            reference.network().runStep(i, ra);
            tested.network().runStep(i, ta);
            if (ts.fusedIntoNext()) {
                continue; // no output of its own: the next step's is compared
            }
            int outLen = rs.outHeight() * rs.outWidth() * rs.outChannels();
            float scale = 0;
            for (int j = 0; j < outLen; j++) {
                scale = Math.max(scale, Math.abs(ra[rs.outOffset() + j]));
            }
            float tol = 1e-4f * (1 + scale);
            for (int j = 0; j < outLen; j++) {
                float e = ra[rs.outOffset() + j];
                float a = ta[ts.outOffset() + j];
                int fj = j;
                assertTrue(Math.abs(e - a) <= tol, () -> rs + " (" + rs.kind() + (rs.hasResidual()
                        ? ", residual" : "") + ") element " + fj + ": expected " + e + " got " + a
                        + " tolerance " + tol);
            }
        }
    }
}
