package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.image.Classification;
import dev.mobilenetsimd.image.Classifier;
import dev.mobilenetsimd.image.ImageDecoder;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.Labels;
import dev.mobilenetsimd.image.PillowResize;
import dev.mobilenetsimd.image.Prediction;
import dev.mobilenetsimd.image.RgbImage;
import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.onnx.OnnxExporter;
import dev.mobilenetsimd.onnx.OnnxModel;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.runtime.CompiledNetwork;
import dev.mobilenetsimd.runtime.IntraOpPool;
import dev.mobilenetsimd.tflite.ModelFormatException;
import dev.mobilenetsimd.tflite.TfliteModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad arguments at every public entry point: each call fails with a clear exception whose message
 * names the problem (and, where there is one, the expected form), and a failed call changes nothing
 * (a session keeps giving the same logits, output arrays and weights stay untouched).
 *
 * <p>Conventions checked: a {@code null} argument gives {@link NullPointerException} naming the
 * parameter ({@code Objects.requireNonNull} style) or {@link IllegalArgumentException}; wrong
 * lengths, shapes, ranges and names give {@link IllegalArgumentException}; a closed session
 * gives {@link IllegalStateException}; unreadable files {@link IOException}; the empty path, given
 * to any method that reads or writes a file (the image, labels and model readers, the classifier's
 * {@code classify} and {@code features}, the ONNX writer), {@link IllegalArgumentException} naming
 * which path it is and the file expected ({@code IoErrors.requireNonEmpty}).
 */
class PublicApiArgumentsTest {
    private static final ModelConfig CFG = new ModelConfig(0.35, 32, 7, Padding.TF_SAME);

    /**
     * Asserts {@code call} throws {@code type} with a
     * message containing every fragment (case-insensitive).
     */
    private static <T extends Throwable> T fails(Class<T> type, Executable call,
            String... fragments) {
        T e = assertThrows(type, call);
        String msg = e.getMessage();
        assertTrue(msg != null && !msg.isBlank(),
                () -> type.getSimpleName() + " without a message");
        for (String f : fragments) {
            assertTrue(msg.toLowerCase(Locale.ROOT).contains(f.toLowerCase(Locale.ROOT)),
                    () -> "message '" + msg + "' does not mention '" + f + "'");
        }
        return e;
    }

    // ---- Session --------------------------------------------------------------------------------

    @Test
    void sessionRejectsBadInputsAndStaysUsable() {
        for (KernelSet k : List.of(KernelSets.scalar(), KernelSets.vector())) {
            MobileNetV2 model =
                    MobileNetV2.create(CFG, Weights.random(CFG, 3), k, ExecutionMode.FUSED);
            Session s = model.newSession();
            int n = model.inputLength();
            float[] image = NetworkTestSupport.randomImage(n, 9);
            float[] before = s.run(image);

            fails(NullPointerException.class, () -> s.run(null), "image");
            fails(IllegalArgumentException.class, () -> s.run(new float[n - 1]), "32x32x3",
                    String.valueOf(n));
            fails(IllegalArgumentException.class, () -> s.run(new float[n + 1]), "32x32x3");
            fails(IllegalArgumentException.class, () -> s.run(new float[0]), "32x32x3");

            float[] logits = new float[7];
            java.util.Arrays.fill(logits, 42f);
            fails(NullPointerException.class, () -> s.run(image, 0, null, 0), "logits");
            fails(NullPointerException.class, () -> s.run(null, 0, logits, 0), "image");
            fails(IllegalArgumentException.class, () -> s.run(image, -1, logits, 0), "offset -1");
            fails(IllegalArgumentException.class, () -> s.run(image, 1, logits, 0),
                    "from offset 1");
            fails(IllegalArgumentException.class,
                    () -> s.run(image, Integer.MIN_VALUE, logits, 0), "image");
            fails(IllegalArgumentException.class, () -> s.run(image, 0, logits, -1), "logits");
            fails(IllegalArgumentException.class, () -> s.run(image, 0, logits, 1), "7 floats");
            fails(IllegalArgumentException.class, () -> s.run(image, 0, new float[6], 0),
                    "7 floats");
            for (float v : logits) {
                assertEquals(42f, v, "a rejected call must not write the logits");
            }

            fails(NullPointerException.class, () -> s.runBatch(null), "images");
            fails(IllegalArgumentException.class, () -> s.runBatch(new float[][] {image, null}),
                    "images[1]", "null", String.valueOf(n));
            fails(IllegalArgumentException.class,
                    () -> s.runBatch(new float[][] {image, new float[3]}), "images[1]", "3 floats",
                    String.valueOf(n));
            assertEquals(0, s.runBatch(new float[0][]).length);

            // every failure above left the session as it was
            assertArrayEquals(before, s.run(image), k.name() + ": session changed by failed calls");
            float[][] batch = s.runBatch(new float[][] {image, image});
            assertArrayEquals(before, batch[0]);
            assertArrayEquals(before, batch[1]);
            float[] big = new float[10];
            s.run(image, 0, big, 3);
            assertArrayEquals(before, java.util.Arrays.copyOfRange(big, 3, 10));

            s.close();
            assertDoesNotThrow(s::close, "close is idempotent");
            fails(IllegalStateException.class, () -> s.run(image), "closed");
            fails(IllegalStateException.class, () -> s.run(image, 0, new float[7], 0), "closed");
            fails(IllegalStateException.class, () -> s.runBatch(new float[][] {image}), "closed");
            fails(IllegalStateException.class, () -> s.runBatch(new float[0][]), "closed");
            // other sessions of the same model are unaffected
            try (Session other = model.newSession()) {
                assertArrayEquals(before, other.run(image));
            }
        }
    }

    // ---- MobileNetV2, ModelConfig, Padding, KernelSets ------------------------------------------

    @Test
    void modelCreationRejectsBadArguments() {
        Weights w = Weights.random(CFG, 1);
        fails(NullPointerException.class, () -> MobileNetV2.create(null, w), "config");
        fails(NullPointerException.class, () -> MobileNetV2.create(CFG, null), "weights");
        fails(NullPointerException.class,
                () -> MobileNetV2.create(CFG, w, null, ExecutionMode.FUSED), "kernels");
        fails(NullPointerException.class,
                () -> MobileNetV2.create(CFG, w, KernelSets.scalar(), null), "mode");
        ModelConfig other = new ModelConfig(0.35, 32, 8, Padding.TF_SAME);
        fails(IllegalArgumentException.class, () -> MobileNetV2.create(other, w),
                "weights are for");
    }

    /**
     * An imported model's width is read back from its channel counts, so a network made at α 0.33
     * comes back as 0.325: its weights must still build the 0.33 model, which is the same network.
     * Any other difference is still refused.
     */
    @Test
    void weightsFitEveryWidthWithTheirChannelCounts() {
        ModelConfig imported = new ModelConfig(0.325, 32, 7, Padding.TF_SAME);
        ModelConfig original = new ModelConfig(0.33, 32, 7, Padding.TF_SAME);
        Weights w = Weights.random(imported, 3);
        assertEquals(channels(imported), channels(original));
        float[] image = new float[32 * 32 * 3];
        for (int i = 0; i < image.length; i++) {
            image[i] = (i % 17) / 8f - 1f;
        }
        float[] expected = run(MobileNetV2.create(imported, w), image);
        MobileNetV2 model = assertDoesNotThrow(() -> MobileNetV2.create(original, w));
        assertEquals(original, model.config());
        assertArrayEquals(expected, run(model, image));
        for (ModelConfig other : List.of(new ModelConfig(0.5, 32, 7, Padding.TF_SAME),
                new ModelConfig(0.33, 48, 7, Padding.TF_SAME),
                new ModelConfig(0.33, 32, 7, Padding.SYMMETRIC))) {
            fails(IllegalArgumentException.class, () -> MobileNetV2.create(other, w),
                    "weights are for", "but the model is " + other);
        }
    }

    /** A hand-made result without classes failed later, in best(), with an index error. */
    @Test
    void classificationNeedsTopClasses() {
        float[] p = {1f};
        fails(IllegalArgumentException.class, () -> new Classification(List.of(), p, 0),
                "no top classes");
        fails(NullPointerException.class, () -> new Classification(null, p, 0), "top classes");
        fails(NullPointerException.class,
                () -> new Classification(List.of(new Prediction(0, "a", 1f)), null, 0),
                "probabilities");
        assertEquals(0, new Classification(List.of(new Prediction(0, "a", 1f)), p, 0).best()
                .index());
    }

    private static List<String> channels(ModelConfig config) {
        return ExecutionPlan.build(config).layers().stream()
                .map(l -> l.kind() + " " + l.inChannels() + "->" + l.outChannels())
                .collect(java.util.stream.Collectors.toList());
    }

    private static float[] run(MobileNetV2 model, float[] image) {
        try (Session s = model.newSession()) {
            return s.run(image);
        }
    }

    @Test
    void modelConfigBounds() {
        for (double alpha : new double[] {0, -1, 4.0001, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.MIN_VALUE * 0}) {
            fails(IllegalArgumentException.class,
                    () -> new ModelConfig(alpha, 224, 10, Padding.TF_SAME), "alpha",
                    "0 < alpha <= 4");
        }
        for (int res : new int[] {31, 0, -224, 2049, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            fails(IllegalArgumentException.class,
                    () -> new ModelConfig(1, res, 10, Padding.TF_SAME), "resolution", "32 to 2048");
        }
        for (int classes : new int[] {0, -1, ModelConfig.MAX_CLASSES + 1, Integer.MIN_VALUE}) {
            fails(IllegalArgumentException.class,
                    () -> new ModelConfig(1, 224, classes, Padding.TF_SAME), "classes", "1 to");
        }
        fails(IllegalArgumentException.class, () -> new ModelConfig(1, 224, 10, null), "padding",
                "TF_SAME");
        // the extremes that are accepted build a plan
        assertDoesNotThrow(() -> ExecutionPlan.build(new ModelConfig(Double.MIN_VALUE, 32, 1,
        Padding.SYMMETRIC)));
        assertDoesNotThrow(() -> ExecutionPlan.build(new ModelConfig(4, 32, ModelConfig.MAX_CLASSES,
                Padding.TF_SAME)));
    }

    @Test
    void oversizedConfigurationsFailBeforeAllocating() {
        // The classifier of alpha 4 with a million classes has 5,120,000,000 weights: more than an
        // int counts. Weights must say so instead of overflowing (and allocating a wrong size).
        ModelConfig huge = new ModelConfig(4, 32, ModelConfig.MAX_CLASSES, Padding.TF_SAME);
        fails(IllegalArgumentException.class, () -> Weights.zeros(huge), "classifier",
                "5120000000");
        fails(IllegalArgumentException.class, () -> Weights.random(huge, 1), "classifier");
        // Every layer fits an array, but not all together, and a model keeps them in one: the
        // weights were made (8 GB) and packed before the model's build refused them.
        ModelConfig total = new ModelConfig(4, 32, 419_430, Padding.TF_SAME);
        fails(IllegalArgumentException.class, () -> Weights.zeros(total), "all 53 layers",
                "2182224358");
        fails(IllegalArgumentException.class, () -> Weights.random(total, 1), "all 53 layers");
    }

    @Test
    void paddingHelpersRejectSizesAndStridesBelowOne() {
        for (Padding p : Padding.values()) {
            for (int[] bad : new int[][] {{224, 0}, {0, 2}, {-5, 1}, {7, -1}}) {
                fails(IllegalArgumentException.class, () -> p.outputSize(bad[0], bad[1]),
                        "input size " + bad[0] + ", stride " + bad[1]);
                fails(IllegalArgumentException.class, () -> p.before(bad[0], bad[1]),
                        "at least 1");
            }
            assertEquals(112, p.outputSize(224, 2));
        }
    }

    /** Sizes near Integer.MAX_VALUE: in + stride - 1 overflowed into a negative output size. */
    @Test
    void paddingHelpersDoNotOverflowOnLargeSizes() {
        int max = Integer.MAX_VALUE;
        assertEquals(1 << 30, Padding.TF_SAME.outputSize(max, 2)); // ceil((2^31 - 1) / 2)
        assertEquals(1, Padding.TF_SAME.outputSize(max - 1, max));
        assertEquals(0, Padding.TF_SAME.before(max - 1, max)); // one window, no padding needed
        assertEquals(1, Padding.TF_SAME.before(max, 1));
        assertEquals(max, Padding.SYMMETRIC.outputSize(max, 1));
        assertEquals(1 << 30, Padding.SYMMETRIC.outputSize(max, 2));
    }

    @Test
    void unknownNames() {
        for (String name : new String[] {null, "", "gpu", "vector-512", "sca lar", "\0scalar"}) {
            fails(IllegalArgumentException.class, () -> KernelSets.byName(name),
                    "unknown backend", "vector, scalar, auto");
            fails(IllegalArgumentException.class, () -> KernelSets.checkName(name),
                    "unknown backend", "vector, scalar, auto");
            fails(IllegalArgumentException.class,
                    () -> Padding.parse(name == null ? null : name + "x"), "unknown padding",
                    "symmetric", "tf");
        }
        assertEquals(KernelSets.scalar(), KernelSets.byName("SCALAR"));
        assertEquals("auto", KernelSets.checkName("Auto"));
        assertEquals("vector", KernelSets.checkName("VECTOR"));
        assertEquals(Padding.TF_SAME, Padding.parse(" Same "));
        fails(IllegalArgumentException.class, () -> Padding.parse("\0tf"), "unknown padding");
    }

    /**
     * The backend and padding names drop the same white space around them (String.strip): the
     * backend's kept it, so " scalar" was an unknown backend, and Padding.parse's trim kept an
     * em space.
     */
    @Test
    void backendAndPaddingNamesDropTheSameWhiteSpace() {
        for (String space : new String[] {" ", "\t", "\n", "\u2003", " \t\u3000"}) {
            assertEquals("scalar", KernelSets.checkName(space + "Scalar" + space));
            assertEquals(KernelSets.scalar(), KernelSets.byName(space + "scalar"));
            assertEquals("auto", KernelSets.checkName("auto" + space));
            assertEquals(Padding.TF_SAME, Padding.parse(space + "tf" + space));
            assertEquals(Padding.SYMMETRIC, Padding.parse(space + "Symmetric"));
        }
        // the message quotes the name without the spaces, as the command line shows it
        fails(IllegalArgumentException.class, () -> KernelSets.checkName("\u2003gpu "),
                "unknown backend 'gpu'");
        fails(IllegalArgumentException.class, () -> Padding.parse(" valid\t"),
                "unknown padding 'valid'");
        fails(IllegalArgumentException.class, () -> Padding.parse(null), "unknown padding 'null'");
    }

    // ---- Weights and BatchNorm ------------------------------------------------------------------

    @Test
    void weightsSetRejectsBadSlotsLengthsAndValuesAtomically() {
        Weights w = Weights.random(CFG, 2);
        int n = w.layers().size();
        int stem = w.layer("stem").index();
        float[] k0 = w.kernel(stem).clone(), b0 = w.bias(stem).clone();
        int kLen = k0.length, bLen = b0.length;

        fails(NullPointerException.class, () -> Weights.zeros(null), "config");
        fails(NullPointerException.class, () -> Weights.random(null, 1), "config");
        for (int bad : new int[] {-1, n, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            fails(IllegalArgumentException.class,
                    () -> w.set(bad, new float[kLen], new float[bLen]), "layer index " + bad,
                    "0 to " + (n - 1));
            fails(IllegalArgumentException.class, () -> w.kernel(bad), "layer index");
            fails(IllegalArgumentException.class, () -> w.bias(bad), "layer index");
        }
        fails(IllegalArgumentException.class, () -> w.set(stem, null, new float[bLen]),
                "stem kernel", "null", String.valueOf(kLen));
        fails(IllegalArgumentException.class, () -> w.set(stem, new float[kLen], null),
                "stem bias", "null");
        fails(IllegalArgumentException.class,
                () -> w.set(stem, new float[kLen + 1], new float[bLen]), "expected " + kLen);
        fails(IllegalArgumentException.class,
                () -> w.set(stem, new float[kLen], new float[bLen - 1]), "expected " + bLen);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY}) {
            float[] k = new float[kLen];
            k[kLen - 1] = bad;
            fails(IllegalArgumentException.class, () -> w.set(stem, k, new float[bLen]), "finite");
            float[] b = new float[bLen];
            b[0] = bad;
            // a valid kernel with a bad bias must not be half-applied
            fails(IllegalArgumentException.class, () -> w.set(stem, new float[kLen], b),
            "bias[0]", "finite");
        }
        assertArrayEquals(k0, w.kernel(stem), "a rejected set changed the kernel");
        assertArrayEquals(b0, w.bias(stem), "a rejected set changed the bias");
        fails(IllegalArgumentException.class, () -> w.layer(null), "no layer named 'null'", "stem");
        fails(IllegalArgumentException.class, () -> w.layer("block99.expand"), "block99.expand");
    }

    @Test
    void batchNormFoldRejectsBadArgumentsWithoutTouchingTheKernel() {
        float[] g = {1f, 2f}, be = {0f, 1f}, m = {0.5f, -1f}, v = {1f, 4f};
        float[] kernel = {1f, 2f, 3f, 4f};
        float[] orig = kernel.clone();
        fails(NullPointerException.class,
                () -> BatchNorm.fold(null, null, g, be, m, v, 1e-5f), "kernel");
        fails(NullPointerException.class,
                () -> BatchNorm.fold(kernel, null, null, be, m, v, 1e-5f), "gamma");
        fails(NullPointerException.class,
                () -> BatchNorm.fold(kernel, null, g, null, m, v, 1e-5f), "beta");
        fails(NullPointerException.class,
                () -> BatchNorm.fold(kernel, null, g, be, null, v, 1e-5f), "mean");
        fails(NullPointerException.class, () -> BatchNorm.fold(kernel, null, g, be, m, null, 1e-5f),
                "variance");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, new float[0], new float[0], new float[0],
                new float[0], 1e-5f), "gamma is empty");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, new float[3], m, v, 1e-5f), "beta has 3",
                "expected 2");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, be, new float[1], v, 1e-5f), "mean has 1");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, be, m, new float[5], 1e-5f),
                "variance has 5");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, new float[1], g, be, m, v, 1e-5f), "bias has 1");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(new float[3], null, g, be, m, v, 1e-5f), "not a whole number",
                "2 output channels");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, be, m, new float[] {1f, -1f}, 1e-5f),
                "variance[1]", "positive");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, be, m, v, Float.NaN), "eps");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, new float[] {1f, Float.NaN}, be, m, v, 1e-5f),
                "channel 1", "finite");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, new float[] {Float.POSITIVE_INFINITY, 0f}, m,
                v, 1e-5f), "channel 0", "finite");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, be, m, new float[] {0f, 4f}, 0f),
                "variance[0]");
        assertArrayEquals(orig, kernel, "a rejected fold modified the kernel");
        float[] folded = BatchNorm.fold(kernel, null, g, be, m, v, 0f);
        assertArrayEquals(new float[] {-0.5f, 2f}, folded);
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, kernel);
    }

    /**
     * A negative variance or eps was accepted while their sum stayed positive (the Javadoc asked
     * for a non-negative variance), scaling the channel by an arbitrary factor.
     */
    @Test
    void batchNormFoldRejectsNegativeVarianceAndEps() {
        float[] kernel = {1f, 2f, 3f, 4f};
        float[] g = {1f, 1f}, be = {0f, 0f}, m = {0f, 0f};
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, be, m, new float[] {1f, -0.5f}, 1f),
                "variance[1] = -0.5: a variance must be finite and non-negative");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, be, m, new float[] {Float.NaN, 1f}, 1e-5f),
                "variance[0] = NaN");
        // an infinite one scaled its channel by 0: kernel and bias zeroed, and no error
        fails(IllegalArgumentException.class, () -> BatchNorm.fold(kernel, null, g, be, m,
                new float[] {Float.POSITIVE_INFINITY, 1f}, 1e-5f), "variance[0] = Infinity");
        // no rows at all passed as a whole number of them
        fails(IllegalArgumentException.class, () -> BatchNorm.fold(new float[0], null, g, be, m,
                new float[] {1f, 1f}, 1e-5f), "kernel of 0 floats", "one row or more");
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(kernel, null, g, be, m, new float[] {1f, 4f}, -1e-3f),
                "eps = -0.001: must be finite and non-negative");
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, kernel);
        // a zero variance with a positive eps is an ordinary (dead) channel
        BatchNorm.fold(kernel, null, g, be, m, new float[] {0f, 1f}, 1e-3f);
    }

    /**
     * The folded kernel must be finite too, as the Javadoc says of every folded value: a large
     * weight times a large scale became Infinity, and a NaN weight stayed, without an exception.
     */
    @Test
    void batchNormFoldRejectsANonFiniteFoldedKernelWithoutTouchingIt() {
        float[] be = {0f, 0f}, m = {0f, 0f}, v = {1f, 1f};
        float[] big = {1f, 2f, 3e38f, 4f};
        float[] bigOrig = big.clone();
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(big, null, new float[] {10f, 1f}, be, m, v, 0f),
                "kernel[2] = 3.0E38", "channel 0", "finite");
        assertArrayEquals(bigOrig, big, "a rejected fold modified the kernel");
        float[] nan = {1f, Float.NaN, 3f, 4f};
        fails(IllegalArgumentException.class,
                () -> BatchNorm.fold(nan, null, new float[] {1f, 1f}, be, m, v, 0f),
                "kernel[1] = NaN");
        assertArrayEquals(new float[] {1f, Float.NaN, 3f, 4f}, nan);
    }

    /**
     * CompiledNetwork, the runtime's public entry: a short arena failed deep inside a kernel
     * (ArrayIndexOutOfBounds or a vector mask's range check), and weights of another width
     * multiplier as "weights has 768 floats; expected 384", naming neither layer nor model.
     */
    @Test
    void compiledNetworkChecksItsArenaAndWeights() {
        ExecutionPlan plan = ExecutionPlan.build(CFG);
        ModelConfig wider = new ModelConfig(0.5, 32, 7, Padding.TF_SAME);
        fails(IllegalArgumentException.class, () -> CompiledNetwork.compile(plan,
                Weights.random(wider, 1), KernelSets.scalar()), "weights are for",
                "block2.project");
        fails(NullPointerException.class, () -> CompiledNetwork.compile(null,
                Weights.random(CFG, 1), KernelSets.scalar()), "plan");
        for (KernelSet k : List.of(KernelSets.scalar(), KernelSets.vector())) {
            CompiledNetwork net = CompiledNetwork.compile(plan, Weights.random(CFG, 1), k);
            String need = "needs at least " + plan.arenaFloats();
            float[] shortArena = new float[plan.arenaFloats() - 1];
            fails(IllegalArgumentException.class, () -> net.run(shortArena), need);
            fails(IllegalArgumentException.class, () -> net.runStep(0, shortArena), need);
            fails(IllegalArgumentException.class,
                    () -> net.runSteps(0, 1, new float[0], null), need);
            fails(NullPointerException.class, () -> net.run(null), "arena");
            try (IntraOpPool pool = new IntraOpPool(2, plan.arenaFloats(),
                    plan.workerScratchOffset(), plan.workerScratchFloats())) {
                // the plan's arena alone, without the worker's scratch copy
                fails(IllegalArgumentException.class,
                        () -> net.run(new float[plan.arenaFloats()], pool), "2 threads");
            }
            assertDoesNotThrow(() -> net.run(new float[plan.arenaFloats()]));
        }
    }

    /**
     * A pool places each worker's scratch copy by the plan it was made for: one made for a
     * smaller plan put the copies inside this plan's tensors, and the logits came out wrong
     * without a word (in an arena long enough for this plan and its workers).
     */
    @Test
    void compiledNetworkRefusesAPoolMadeForAnotherPlan() {
        ExecutionPlan plan = ExecutionPlan.build(new ModelConfig(1.0, 64, 7, Padding.TF_SAME));
        CompiledNetwork net = CompiledNetwork.compile(plan,
                Weights.random(plan.config(), 1), KernelSets.scalar());
        ExecutionPlan small = ExecutionPlan.build(CFG);
        float[] arena = new float[(int) IntraOpPool.arenaFloats(2, plan.arenaFloats(),
                plan.workerScratchFloats())];
        try (IntraOpPool pool = new IntraOpPool(2, small.arenaFloats(),
                small.workerScratchOffset(), small.workerScratchFloats())) {
            fails(IllegalArgumentException.class, () -> net.run(arena, pool), "pool",
                    String.valueOf(plan.workerScratchFloats()));
            fails(IllegalArgumentException.class, () -> net.runSteps(0, 1, arena, pool), "pool");
        }
        try (IntraOpPool pool = new IntraOpPool(2, plan.arenaFloats(),
                plan.workerScratchOffset(), plan.workerScratchFloats())) {
            assertDoesNotThrow(() -> net.run(arena, pool));
        }
    }

    // ---- packers of both backends ---------------------------------------------------------------

    @Test
    void packersRejectBadLengthsAndChannelCounts() {
        for (KernelSet k : List.of(KernelSets.scalar(), KernelSets.vector())) {
            String b = k.name() + ": ";
            // wrong weight / bias lengths
            fails(IllegalArgumentException.class, () -> k.packPointwise(new float[5], null, 2, 3),
            "weights", "6");
            fails(IllegalArgumentException.class,
                    () -> k.packPointwise(new float[6], new float[2], 2, 3), "bias", "3");
            fails(IllegalArgumentException.class, () -> k.packPointwise(null, null, 2, 3),
                    "weights", "null");
            fails(IllegalArgumentException.class, () -> k.packDepthwise(new float[17], null, 2),
                    "weights", "18");
            fails(IllegalArgumentException.class,
                    () -> k.packDepthwise(new float[18], new float[3], 2), "bias");
            fails(IllegalArgumentException.class, () -> k.packDepthwise(null, null, 2),
                    "weights", "null");
            fails(IllegalArgumentException.class, () -> k.packConv3x3(new float[53], null, 3, 2),
                    "weights", "54");
            fails(IllegalArgumentException.class,
                    () -> k.packConv3x3(new float[54], new float[3], 3, 2), "bias");
            fails(IllegalArgumentException.class, () -> k.packConv3x3(null, null, 3, 2),
                    "weights", "null");
            fails(IllegalArgumentException.class, () -> k.packDense(new float[11], null, 3, 4),
                    "weights", "12");
            fails(IllegalArgumentException.class,
                    () -> k.packDense(new float[12], new float[5], 3, 4), "bias");
            fails(IllegalArgumentException.class, () -> k.packDense(null, null, 3, 4),
                    "weights", "null");
            // negative channel counts, including pairs whose product is a valid-looking length
            fails(IllegalArgumentException.class, () -> k.packPointwise(new float[6], null, -2, -3),
            "negative");
            fails(IllegalArgumentException.class, () -> k.packPointwise(new float[0], null, 0, -1),
                    "negative");
            fails(IllegalArgumentException.class, () -> k.packDepthwise(new float[9], null, -1),
                    "negative");
            fails(IllegalArgumentException.class, () -> k.packConv3x3(new float[54], null, -3, -2),
                    "negative");
            fails(IllegalArgumentException.class, () -> k.packDense(new float[12], null, -3, -4),
                    "negative");
            // channel products that overflow an int (65536^2 = 2^32 wraps to 0)
            fails(IllegalArgumentException.class,
            () -> k.packPointwise(new float[0], null, 65536, 65536),
                    "4294967296");
            fails(IllegalArgumentException.class,
                    () -> k.packDense(new float[0], null, 65536, 65536), "4294967296");
            fails(IllegalArgumentException.class,
                    () -> k.packConv3x3(new float[0], null, 65536, 7282), "weights");
            // zero channels are legal (empty layers)
            assertDoesNotThrow(() -> k.packPointwise(new float[0], new float[3], 0, 3),
            b + "cin = 0");
            assertDoesNotThrow(() -> k.packDense(new float[0], null, 0, 0), b + "empty dense");
        }
    }

    /**
     * Both backends refuse a stride below 1, a negative padding and a negative pixel count, with
     * the same message: the scalar reference computed something for them without a word (every
     * output pixel from one window for stride 0, nothing for -1 pixels) where the vector
     * kernels refused them, tersely.
     */
    @Test
    void kernelsRefuseBadStridesPaddingsAndPixelCounts() {
        for (KernelSet k : List.of(KernelSets.scalar(), KernelSets.vector())) {
            PackedWeights dw = k.packDepthwise(new float[9 * 16], null, 16);
            PackedWeights conv = k.packConv3x3(new float[9 * 3 * 16], null, 3, 16);
            PackedWeights pw = k.packPointwise(new float[16 * 8], null, 16, 8);
            float[] src = new float[4096];
            float[] out = new float[4096];
            String window = "expected a stride of 1 or more and a padding of 0 or more";
            fails(IllegalArgumentException.class, () -> k.depthwiseRow(src, 0, 0, 0, 4, 0, 1, dw,
                    Activation.LINEAR, out, 0, 4), "stride 0", window);
            fails(IllegalArgumentException.class, () -> k.depthwiseRow(src, 0, 0, 0, 4, 1, -1, dw,
                    Activation.LINEAR, out, 0, 4), "padLeft -1", window);
            fails(IllegalArgumentException.class, () -> k.depthwiseRowChannels(src, 0, 0, 0, 4, 0,
                    1, dw, 0, 16, Activation.LINEAR, out, 0, 4), "stride 0", window);
            fails(IllegalArgumentException.class, () -> k.depthwiseRowPair(src, 0, 0, 0, 0, 0, 4,
                    1, -1, dw, Activation.LINEAR, out, 0, 1024, 4), "padLeft -1", window);
            fails(IllegalArgumentException.class, () -> k.conv3x3Rows(src, 0, 4, 4, 0, 1, 1, conv,
                    Activation.RELU6, out, 0, 32, 2, 0, 2), "stride 0", window);
            fails(IllegalArgumentException.class, () -> k.conv3x3(src, 0, 4, 4, 2, -1, 1, conv,
                    Activation.RELU6, out, 0, 2, 2, 0, 2), "padTop -1", window);
            fails(IllegalArgumentException.class, () -> k.conv3x3(src, 0, 4, 4, 2, 1, -1, conv,
                    Activation.RELU6, out, 0, 2, 2, 0, 2), "padLeft -1", window);
            String pixels = "pixels = -1: expected 0 or more";
            fails(IllegalArgumentException.class, () -> k.pointwise(src, 0, -1, pw,
                    Activation.LINEAR, null, 0, out, 0), pixels);
            fails(IllegalArgumentException.class, () -> k.pointwiseChannels(src, 0, -1, pw, 0, 8,
                    Activation.LINEAR, null, 0, out, 0), pixels);
        }
    }

    // ---- TFLite and image API -------------------------------------------------------------------

    /**
     * A labels file over {@link Labels#MAX_FILE_BYTES} (a sparse 3 GB file here) is refused by its
     * size before reading: it failed with OutOfMemoryError "Required array size too large".
     */
    @Test
    void hugeLabelsFileIsRefusedBeforeReading(@TempDir Path dir) throws IOException {
        Path huge = dir.resolve("labels.txt");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        fails(IOException.class, () -> Labels.read(huge), huge + ": 3221225472 bytes, more than"
                + " the 268435456 a labels file");
    }

    /**
     * Null arguments to the image helpers are named: they failed with the JVM's own messages from
     * inside ('Cannot read the array length because "<local3>" is null', 'Cannot invoke
     * "RgbImage.width()" because "src" is null').
     */
    @Test
    void imageHelpersNameANullArgument() {
        fails(NullPointerException.class, () -> PillowResize.bilinear(null, 2, 2),
                "image to resize");
        fails(NullPointerException.class, () -> ImageDecoder.toRgb(null), "image is null");
        fails(NullPointerException.class, () -> InputNormalization.minusOneToOne().apply(null),
                "pixels are null");
        fails(NullPointerException.class, () -> Classification.softmax(null), "logits are null");
        fails(NullPointerException.class, () -> Classification.topK(null, 3), "values are null");
        MobileNetV2 model = MobileNetV2.create(CFG, Weights.random(CFG, 3));
        try (Classifier c = new Classifier(model, InputNormalization.minusOneToOne(),
                Labels.none())) {
            fails(NullPointerException.class, () -> c.classify((RgbImage) null), "image is null");
            fails(NullPointerException.class,
                    () -> c.classify((java.awt.image.BufferedImage) null), "image is null");
        }
    }

    /**
     * The empty path names the working directory: the readers said "cannot read image : a
     * directory" or ": a directory, expected ...", and the ONNX writer ": Is a directory", none
     * saying which argument was empty. Each refuses it before touching the file system.
     */
    @Test
    void emptyPathsAreRefusedUpFront() throws IOException {
        Path empty = Path.of("");
        fails(IllegalArgumentException.class, () -> ImageDecoder.read(empty),
                "image file path is the empty path: expected a JPEG, PNG or BMP file");
        fails(IllegalArgumentException.class, () -> Labels.read(empty),
                "labels file path is the empty path: expected a text file with one label");
        fails(IllegalArgumentException.class, () -> Labels.read(empty, 5),
                "labels file path is the empty path");
        fails(IllegalArgumentException.class, () -> TfliteModel.load(empty),
                "model file path is the empty path: expected a .tflite file");
        fails(IllegalArgumentException.class, () -> OnnxModel.load(empty),
                "model file path is the empty path: expected a .onnx file");
        fails(IllegalArgumentException.class, () -> OnnxModel.load(empty, 96),
                "model file path is the empty path: expected a .onnx file");
        Weights w = Weights.random(CFG, 3);
        fails(IllegalArgumentException.class, () -> OnnxExporter.write(w, empty),
                "output file path is the empty path: expected the .onnx file to write");
        fails(IllegalArgumentException.class, () -> OnnxExporter.write(w,
                InputNormalization.minusOneToOne(), empty), "output file path is the empty path");
        MobileNetV2 model = MobileNetV2.create(CFG, w);
        try (Classifier c = new Classifier(model, InputNormalization.minusOneToOne(),
                Labels.none())) {
            fails(IllegalArgumentException.class, () -> c.classify(empty),
                    "image file path is the empty path");
            fails(IllegalArgumentException.class, () -> c.features(empty),
                    "image file path is the empty path");
        }
    }

    @Test
    void tfliteLoadRejectsNullMissingAndGarbage(@TempDir Path dir) throws IOException {
        fails(NullPointerException.class, () -> TfliteModel.load(null), "file");
        fails(NullPointerException.class, () -> TfliteModel.read(null), "bytes");
        Path missing = dir.resolve("nope.tflite");
        IOException e = assertThrows(IOException.class, () -> TfliteModel.load(missing));
        assertTrue(String.valueOf(e.getMessage()).contains("nope.tflite"), e.getMessage());
        assertThrows(ModelFormatException.class, () -> TfliteModel.read(new byte[0]));
        Path garbage = Files.write(dir.resolve("garbage.tflite"), "not a model".getBytes());
        ModelFormatException f =
                assertThrows(ModelFormatException.class, () -> TfliteModel.load(garbage));
        assertTrue(f.getMessage().contains("garbage.tflite"), f.getMessage());
    }

    @Test
    void imageApiRejectsNullMissingAndBadSizes(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope.png");
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(missing));
        assertTrue(e.getMessage().contains("nope.png"), e.getMessage());
        NullPointerException npe =
                assertThrows(NullPointerException.class, () -> ImageDecoder.read(null));
        assertTrue(npe.getMessage().contains("image file"), npe.getMessage());
        assertThrows(IOException.class, () -> Labels.read(missing));
        Path binary = Files.write(dir.resolve("labels.txt"), new byte[] {'a', (byte) 0xff, '\n'});
        e = assertThrows(IOException.class, () -> Labels.read(binary)); // was "Input length = 1"
        // naming the file, as the refusals below do (a library caller's message did not)
        assertTrue(e.getMessage().contains(binary + ": not UTF-8 text"), e.getMessage());
        // Not a regular file: refused before reading (/dev/zero was read until the heap ran out,
        // which the CLI then blamed on the model's size).
        Path folder = Files.createDirectory(dir.resolve("labels"));
        e = assertThrows(IOException.class, () -> Labels.read(folder));
        assertTrue(e.getMessage().contains(folder + ": a directory, expected"), e.getMessage());
        Path device = Path.of("/dev/zero");
        if (Files.exists(device)) {
            e = assertThrows(IOException.class, () -> Labels.read(device));
            assertTrue(e.getMessage().contains("/dev/zero: not a regular file, expected a text"
                    + " file"), e.getMessage());
        }
        npe = assertThrows(NullPointerException.class, () -> Labels.read(null));
        assertTrue(npe.getMessage().contains("labels file"), npe.getMessage());
        npe = assertThrows(NullPointerException.class, () -> Labels.parse(null));
        assertTrue(npe.getMessage().contains("labels text"), npe.getMessage());
        // Were "coll is null" from inside List.copyOf, and no message at all.
        fails(NullPointerException.class, () -> Labels.of(null), "labels list is null");
        fails(NullPointerException.class, () -> Labels.of(java.util.Arrays.asList("a", null)),
                "label 1 is null");
        assertEquals("class 1", Labels.of(List.of("a", "")).get(1));
        assertEquals("class 7", Labels.of(List.of("a")).get(7)); // a class past the names
        for (Labels l : new Labels[] {Labels.none(), Labels.of(List.of("a"))}) {
            fails(IndexOutOfBoundsException.class, () -> l.get(-1),
                    "class index -1: expected 0 or more");
        }
        // Was "this.in is null" from inside the PNG chunk walker.
        fails(NullPointerException.class, () -> ImageDecoder.decode(null, "x.png"),
                "image stream is null");
        fails(NullPointerException.class, () -> ImageDecoder.decode(
                new java.io.ByteArrayInputStream(new byte[] {1, 2, 3}), null),
                "image name is null");

        fails(IllegalArgumentException.class, () -> new RgbImage(0, 5, new byte[0]),
                "at least 1x1");
        fails(IllegalArgumentException.class, () -> new RgbImage(2, 2, new byte[11]),
                "12 bytes", "11");
        fails(IllegalArgumentException.class, () -> new RgbImage(2, 2, null), "null");
        // Sizes whose byte count passes a long's range: it was printed negative.
        fails(IllegalArgumentException.class, () -> new RgbImage(Integer.MAX_VALUE,
                Integer.MAX_VALUE, new byte[3]), "needs 13835058042397261827 bytes, got 3");
        fails(IllegalArgumentException.class, () -> new InputNormalization(0, 0), "scale");
        fails(IllegalArgumentException.class,
                () -> new InputNormalization(1, Double.NaN), "finite");
        RgbImage img = new RgbImage(2, 2, new byte[12]);
        // In the array but outside the image: read another pixel's channel without a word.
        RgbImage wide = new RgbImage(3, 2, new byte[18]);
        wide.pixels()[9] = 42; // pixel (0, 1), red
        assertEquals(42, wide.get(0, 1, 0));
        for (int[] at : new int[][] {{3, 0, 0}, {0, 0, 9}, {1, 2, 0}, {-1, 1, 0}, {0, 0, 3}}) {
            fails(IndexOutOfBoundsException.class, () -> wide.get(at[0], at[1], at[2]),
                    "outside the 3x2 RGB image");
        }
        fails(IllegalArgumentException.class, () -> PillowResize.bilinear(img, 0, 3),
                "target size");
        // Past an array's size: were NegativeArraySizeException and ArrayIndexOutOfBounds.
        for (int[] size : new int[][] {{30000, 30000}, {65536, 21846}, {1, Integer.MAX_VALUE}}) {
            fails(IllegalArgumentException.class, () -> PillowResize.bilinear(img, size[0],
                    size[1]), "target size " + size[0] + "x" + size[1], "178,956,970");
        }
        // A tall source made wide: the horizontal pass's 30000x30000 image overflowed its array.
        RgbImage tall = new RgbImage(1, 30000, new byte[90000]);
        fails(IllegalArgumentException.class, () -> PillowResize.bilinear(tall, 30000, 1),
                "intermediate 30000x30000", "178,956,970");

        MobileNetV2 model = MobileNetV2.create(CFG, Weights.random(CFG, 4));
        InputNormalization norm = InputNormalization.minusOneToOne();
        fails(NullPointerException.class, () -> new Classifier(null, norm, Labels.none()),
                "network");
        fails(NullPointerException.class, () -> new Classifier(model, null, Labels.none()),
                "normalization");
        fails(NullPointerException.class, () -> new Classifier(model, norm, null), "labels");
        fails(IllegalArgumentException.class,
                () -> new Classifier(model, norm, Labels.none(), 0), "topK");
        try (Classifier c = new Classifier(model, norm, Labels.none())) {
            fails(IllegalArgumentException.class, () -> c.classifyPreprocessed(new byte[5]),
                    "32x32x3");
            assertThrows(IOException.class, () -> c.classify(missing));
            // still usable after the failures
            assertEquals(7,
            c.classifyPreprocessed(new byte[model.inputLength()]).probabilities().length);
            // as the class comment says: null arguments, then any inference once closed
            assertThrows(NullPointerException.class, () -> c.classify((Path) null));
            assertThrows(NullPointerException.class,
                    () -> c.classify((java.awt.image.BufferedImage) null));
            assertThrows(NullPointerException.class, () -> c.classify((RgbImage) null));
            assertThrows(NullPointerException.class, () -> c.features((RgbImage) null));
            assertThrows(NullPointerException.class, () -> c.featuresPreprocessed(null));
            c.close();
            fails(IllegalStateException.class,
                    () -> c.classifyPreprocessed(new byte[model.inputLength()]), "closed");
            RgbImage gray = new RgbImage(40, 30, new byte[40 * 30 * 3]);
            fails(IllegalStateException.class, () -> c.classify(gray), "closed");
            fails(IllegalStateException.class, () -> c.features(gray), "closed");
            fails(IllegalStateException.class,
                    () -> c.featuresPreprocessed(new byte[model.inputLength()]), "closed");
        }
        // More classes asked for than there are: all of them (the list was sized by topK: OOM).
        try (Classifier c = new Classifier(model, norm, Labels.none(), Integer.MAX_VALUE)) {
            assertEquals(7, c.classifyPreprocessed(new byte[model.inputLength()]).top().size());
        }
    }
}
