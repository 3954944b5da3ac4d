package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.FuzzSupport;
import dev.mobilenetsimd.kernels.FuzzSupport.Gen;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.BufferUse;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.Layer;
import dev.mobilenetsimd.plan.Step;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing of whole steps (the fused inverted residual block above all) against the scalar
 * layer-by-layer reference, through {@code CompiledNetwork.runStep} as in
 * {@link BlockEquivalenceTest}, but on random configurations: width multiplier, resolution (so
 * every block sees random widths and heights, band and ring sizes), padding convention, classes,
 * and backend/mode under test (vector fused, vector layer-by-layer, scalar fused). Every step of
 * each network runs on the same random input in both; blocks with and without expand layer,
 * stride 1 and 2, residual on and off all occur in every network.
 *
 * <p>Inputs mix plain values with ±0, subnormals, tiny and large (up to {@value #LARGE}) magnitudes
 * and the ReLU6 edges. Before each step the step's scratch and output regions of the tested arena
 * are filled with NaN, so reading stale scratch or leaving an output unwritten shows as NaN.
 * Tolerance per element: {@code 1e-4 * (1 + max |output - residual|) + 1e-6 * |residual|} over the
 * step (FMA and summation order differ through up to three layers; the residual is added in float
 * once).
 *
 * <p>Lives in {@code dev.mobilenetsimd}, so it runs once per build (at the JVM's preferred
 * width), not four times like the kernel tests. Default: 14 networks (about 280 steps) plus the
 * non-finite checks and 8 random batches; {@code -Dmobilenet.fuzz.cases=N} and
 * {@code -Dmobilenet.fuzz.seed=S} as for every fuzz test (see {@link FuzzSupport}).
 */
class FuzzEquivalenceTest {
    private static final KernelSet SCALAR = KernelSets.scalar();
    /**
     * Largest input magnitude of the step fuzz. Huge values belong to {@code KernelFuzzTest},
     * whose per-element bounds are rigorous: through three layers, a large input whose products
     * cancel to a pre-activation inside [0, 6] carries a roundoff of {@code eps * |x * w|} into
     * the clamped range, which a step-wide tolerance cannot bound (with 1e6 this happened in about
     * one network in fifteen; at 1000 the worst error seen over 60 networks was 7% of the
     * tolerance, at 64 under 2%).
     */
    static final float LARGE = 256f;
    private static final double[] ALPHAS = {0.35, 0.5, 0.75, 1.0, 1.3, 1.4};

    private static ModelConfig randomConfig(SplittableRandom r) {
        double alpha = r.nextInt(4) == 0 ? 0.1 + 1.4 * r.nextDouble()
                : ALPHAS[r.nextInt(ALPHAS.length)];
        int res = r.nextInt(3) == 0 ? r.nextInt(64, 129) : r.nextInt(32, 64);
        Padding pad = r.nextBoolean() ? Padding.TF_SAME : Padding.SYMMETRIC;
        return new ModelConfig(alpha, res, r.nextInt(1, 40), pad);
    }

    private static MobileNetV2 randomTested(SplittableRandom r, ModelConfig cfg, Weights w) {
        switch (r.nextInt(4)) {
            case 0: return MobileNetV2.create(cfg, w, KernelSets.vector(), ExecutionMode.LAYERWISE);
            case 1: return MobileNetV2.create(cfg, w, SCALAR, ExecutionMode.FUSED);
            default: return MobileNetV2.create(cfg, w, KernelSets.vector(), ExecutionMode.FUSED);
        }
    }

    /** Fills the regions {@code s} writes with NaN (never the input or the zero row). */
    private static void poisonWrites(Step s, float[] arena) {
        for (BufferUse b : s.writes()) {
            if (!b.buffer().equals("zero") && !b.buffer().equals("input")) {
                Arrays.fill(arena, b.offset(), b.offset() + b.length(), Float.NaN);
            }
        }
    }

    @Test
    void randomStepsMatchScalarReference() {
        FuzzSupport.run("FuzzEquivalenceTest#randomStepsMatchScalarReference", 14, "", r -> {
            ModelConfig cfg = randomConfig(r);
            Weights weights = Weights.random(cfg, r.nextLong());
            MobileNetV2 ref = MobileNetV2.create(cfg, weights, SCALAR, ExecutionMode.LAYERWISE);
            MobileNetV2 tested = randomTested(r, cfg, weights);
            try (Session rs = ref.newSession(); Session ts = tested.newSession()) {
                float[] ra = rs.arena(), ta = ts.arena();
                List<Step> refSteps = ref.plan().steps(), testSteps = tested.plan().steps();
                for (int i = 0; i < refSteps.size(); i++) {
                    Step a = refSteps.get(i), b = testSteps.get(i);
                    Gen g = FuzzSupport.gen(r, 4f, LARGE);
                    int inLen = a.inHeight() * a.inWidth() * a.inChannels();
                    poisonWrites(b, ta);
                    // a block computing its input reads the image of the stem step before it
                    for (int j = 0; j < inLen && !b.computesInput(); j++) {
                        float v = g.next(r) + (r.nextInt(3) == 0 ? 2f : 0f);
                        ra[a.inOffset() + j] = v;
                        ta[b.inOffset() + j] = v;
                    }
                    ref.network().runStep(i, ra);
                    tested.network().runStep(i, ta);
                    if (b.fusedIntoNext()) {
                        continue; // compared with the next step's output
                    }
                    compareStep(tested + " step " + a + " (" + a.kind()
                            + (a.hasResidual() ? ", residual" : "") + ", stride " + a.stride()
                            + ", t=" + a.expansion() + ")", a, b, ra, ta);
                }
            }
        });
    }

    private static void compareStep(String what, Step a, Step b, float[] ra, float[] ta) {
        int outLen = a.outHeight() * a.outWidth() * a.outChannels();
        boolean residual = a.hasResidual();
        double scale = 0;
        for (int j = 0; j < outLen; j++) {
            double res = residual ? ra[a.inOffset() + j] : 0;
            scale = Math.max(scale, Math.abs(ra[a.outOffset() + j] - res));
        }
        for (int j = 0; j < outLen; j++) {
            float e = ra[a.outOffset() + j], t = ta[b.outOffset() + j];
            double res = residual ? Math.abs(ra[a.inOffset() + j]) : 0;
            double tol = 1e-4 * (1 + scale) + 1e-6 * res;
            if (!(Math.abs((double) e - t) <= tol)) {
                throw new AssertionError(what + ": element " + j + " of " + outLen + " expected "
                        + e + " got " + t + " (tolerance " + tol + ")");
            }
        }
    }

    // ---- NaN / ±Inf through the network ---------------------------------------------------------

    private static int cls(float v) {
        return Float.isNaN(v) ? 0 : v == Float.POSITIVE_INFINITY ? 1
                : v == Float.NEGATIVE_INFINITY ? 2 : 3;
    }

    /**
     * Images with NaN and ±Inf at random positions, run step by step through the scalar
     * layer-by-layer reference and the vector fused, vector layer-by-layer and scalar fused
     * networks: after every step each network has NaN, +Inf and -Inf at exactly the reference's
     * positions (finite values within a loose tolerance: here errors accumulate through the steps).
     */
    @Test
    void nonFiniteImagesGiveTheSameNonFinitePositionsInEveryStep() {
        FuzzSupport.run("FuzzEquivalenceTest#"
                + "nonFiniteImagesGiveTheSameNonFinitePositionsInEveryStep", 4, "", r -> {
            ModelConfig cfg = new ModelConfig(ALPHAS[r.nextInt(ALPHAS.length)], r.nextInt(32, 72),
                    10, r.nextBoolean() ? Padding.TF_SAME : Padding.SYMMETRIC);
            Weights weights = Weights.random(cfg, r.nextLong());
            MobileNetV2 ref = MobileNetV2.create(cfg, weights, SCALAR, ExecutionMode.LAYERWISE);
            MobileNetV2[] others = {
                    MobileNetV2.create(cfg, weights, KernelSets.vector(), ExecutionMode.FUSED),
                    MobileNetV2.create(cfg, weights, KernelSets.vector(), ExecutionMode.LAYERWISE),
                    MobileNetV2.create(cfg, weights, SCALAR, ExecutionMode.FUSED)};
            float[] image = new float[ref.inputLength()];
            double rate = Math.pow(10, -1 - 3 * r.nextDouble());
            float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            int nonFinite = 0;
            for (int i = 0; i < image.length; i++) {
                boolean s = r.nextDouble() < rate;
                image[i] = s ? special[r.nextInt(3)] : (float) (r.nextDouble() * 2 - 1);
                nonFinite += s ? 1 : 0;
            }
            if (nonFinite == 0) {
                image[r.nextInt(image.length)] = special[r.nextInt(3)];
            }
            Session rs = ref.newSession();
            float[] ra = rs.arena();
            System.arraycopy(image, 0, ra, ref.plan().inputOffset(), image.length);
            float[][] arenas = new float[others.length][];
            for (int m = 0; m < others.length; m++) {
                arenas[m] = others[m].newSession().arena();
                System.arraycopy(image, 0, arenas[m], others[m].plan().inputOffset(), image.length);
            }
            List<Step> steps = ref.plan().steps();
            for (int i = 0; i < steps.size(); i++) {
                ref.network().runStep(i, ra);
                Step a = steps.get(i);
                int outLen = a.outHeight() * a.outWidth() * a.outChannels();
                double scale = 0;
                for (int j = 0; j < outLen; j++) {
                    float e = ra[a.outOffset() + j];
                    if (Float.isFinite(e)) {
                        scale = Math.max(scale, Math.abs(e));
                    }
                }
                for (int m = 0; m < others.length; m++) {
                    others[m].network().runStep(i, arenas[m]);
                    Step b = others[m].plan().steps().get(i);
                    for (int j = 0; j < outLen && !b.fusedIntoNext(); j++) {
                        float e = ra[a.outOffset() + j], t = arenas[m][b.outOffset() + j];
                        if (cls(e) != cls(t)
                                || (cls(e) == 3 && !(Math.abs(e - t) <= 1e-3 * (1 + scale)))) {
                            throw new AssertionError(others[m] + " step " + a + ": element " + j
                                    + " is " + t + " but the scalar reference has " + e
                                    + " (image with " + nonFinite + " non-finite values)");
                        }
                    }
                }
            }
        });
    }

    /**
     * The documented whole-network outcome: a NaN anywhere in the image makes every logit NaN (it
     * spreads through the 3x3 windows, the channel mixing and the pool); a single ±Inf channel
     * value is clamped by the stem's ReLU6 and the logits stay finite (no random weight is 0),
     * the same in every backend.
     */
    @Test
    void singleNonFinitePixelValue() {
        ModelConfig cfg = new ModelConfig(0.35, 40, 7, Padding.TF_SAME);
        inEveryBackendAndMode(cfg, Weights.random(cfg, 5), (model, s) -> {
            float[] clean = s.run(new float[model.inputLength()]);
            for (float v : new float[] {Float.NaN, Float.POSITIVE_INFINITY,
                    Float.NEGATIVE_INFINITY}) {
                float[] img = new float[model.inputLength()];
                img[(17 * 40 + 23) * 3 + 1] = v;
                float[] logits = s.run(img);
                if (Float.isNaN(v)) {
                    assertAllNaN(logits, model + ": a NaN pixel value");
                } else {
                    for (float l : logits) {
                        assertTrue(Float.isFinite(l), model + ": " + v + " pixel gave logit " + l);
                    }
                }
            }
            // a failed (non-finite) inference leaves the session usable
            float[] again = s.run(new float[model.inputLength()]);
            for (int i = 0; i < clean.length; i++) {
                assertEquals(Float.floatToIntBits(clean[i]), Float.floatToIntBits(again[i]),
                        model + ": logit " + i + " after NaN inputs");
            }
        });
    }

    /**
     * A single infinite value that meets a zero stem weight (quantized models have many) gives
     * Inf * 0 = NaN, and every logit is NaN, in every backend and mode: the ReLU6 clamps it only
     * while every weight it meets is nonzero, as the random weights above are.
     */
    @Test
    void singleInfiniteValueMeetingAZeroWeight() {
        ModelConfig cfg = new ModelConfig(0.35, 40, 7, Padding.TF_SAME);
        Weights weights = Weights.random(cfg, 5);
        Layer stemLayer = weights.layer("stem");
        float[] stem = weights.kernel(stemLayer.index()); // [3][3][3][cout]
        int cout = stemLayer.outChannels();
        // every weight from input channel 1 to output channel 0 is 0
        for (int t = 0; t < 9; t++) {
            stem[(t * 3 + 1) * cout] = 0f;
        }
        inEveryBackendAndMode(cfg, weights, (model, s) -> {
            for (float v : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                float[] img = new float[model.inputLength()];
                img[(17 * 40 + 23) * 3 + 1] = v;
                assertAllNaN(s.run(img), model + ": a value of " + v);
            }
        });
    }

    /**
     * The rest of {@link Session#run(float[])}'s documented outcomes: a whole pixel of +Inf or
     * -Inf meets stem weights of both signs (Inf - Inf), so every logit and feature is NaN; huge
     * finite values (clamped by the stem's ReLU6) and subnormal ones give finite logits. The
     * same in every backend and mode.
     */
    @Test
    void infinitePixelsHugeAndSubnormalValues() {
        ModelConfig cfg = new ModelConfig(0.35, 40, 7, Padding.SYMMETRIC);
        inEveryBackendAndMode(cfg, Weights.random(cfg, 6), (model, s) -> {
            for (float v : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                float[] img = new float[model.inputLength()];
                Arrays.fill(img, (9 * 40 + 31) * 3, (9 * 40 + 31) * 3 + 3, v);
                assertAllNaN(s.run(img), model + ": a pixel of " + v + ", logits");
                assertAllNaN(s.features(img), model + ": a pixel of " + v + ", features");
            }
            for (float v : new float[] {1e30f, -1e30f, Float.MAX_VALUE, Float.MIN_VALUE,
                    -1e-40f}) {
                float[] img = new float[model.inputLength()];
                for (int i = 0; i < img.length; i += 2) {
                    img[i] = i % 3 == 0 ? v : -v;
                }
                for (float l : s.run(img)) {
                    assertTrue(Float.isFinite(l), model + ": values " + v + " gave " + l);
                }
            }
        });
    }

    /** Runs {@code check} on a session of {@code weights} in every backend and execution mode. */
    private static void inEveryBackendAndMode(ModelConfig cfg, Weights weights,
                                              BiConsumer<MobileNetV2, Session> check) {
        for (KernelSet k : List.of(SCALAR, KernelSets.vector())) {
            for (ExecutionMode mode : ExecutionMode.values()) {
                MobileNetV2 model = MobileNetV2.create(cfg, weights, k, mode);
                try (Session s = model.newSession()) {
                    check.accept(model, s);
                }
            }
        }
    }

    private static void assertAllNaN(float[] out, String what) {
        for (float l : out) {
            assertTrue(Float.isNaN(l), what + " gave " + l);
        }
    }

    /**
     * Batches on random configurations (so the batch split lands on many different steps, or
     * past the last): each image's logits bitwise those of its own run.
     */
    @Test
    void randomBatchesMatchImageByImageBitForBit() {
        FuzzSupport.run("FuzzEquivalenceTest#randomBatchesMatchImageByImageBitForBit", 8, "", r -> {
            ModelConfig cfg = randomConfig(r);
            MobileNetV2 model = randomTested(r, cfg, Weights.random(cfg, r.nextLong()));
            int n = model.inputLength(), k = model.classes();
            int count = r.nextInt(2, 12);
            float[] images = new float[count * n];
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) (r.nextDouble() * 2 - 1);
            }
            float[] batch = new float[count * k];
            try (Session s = model.newSession(1 + r.nextInt(2))) {
                s.runBatch(images, 0, count, batch, 0);
                float[] one = new float[k];
                for (int i = 0; i < count; i++) {
                    s.run(images, i * n, one, 0);
                    String what = cfg + " " + model.plan().mode() + " split at step "
                            + model.plan().batchSplitStep() + ", image " + i + " of " + count;
                    assertTrue(Arrays.equals(one, Arrays.copyOfRange(batch, i * k, i * k + k)),
                            what);
                }
            }
        });
    }
}
