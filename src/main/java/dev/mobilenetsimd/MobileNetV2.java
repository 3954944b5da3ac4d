package dev.mobilenetsimd;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Layer;
import dev.mobilenetsimd.runtime.CompiledNetwork;
import dev.mobilenetsimd.runtime.IntraOpPool;
import java.util.Objects;

/**
 * A MobileNetV2 network ready to run: a static {@link ExecutionPlan}, weights packed once for one
 * backend ({@link KernelSet}). Immutable and safe to share between threads; each thread runs it
 * through its own {@link Session}, which owns the scratch memory.
 *
 * <pre>{@code
 * ModelConfig cfg = new ModelConfig(1.0, 224, 1001, Padding.TF_SAME);
 * MobileNetV2 model = MobileNetV2.create(cfg, Weights.random(cfg, 42));
 * try (Session session = model.newSession()) {
 *     float[] logits = session.run(imageNhwc);   // 224 * 224 * 3 floats
 * }
 * }</pre>
 */
public final class MobileNetV2 {
    private final ExecutionPlan plan;
    private final CompiledNetwork network;

    private MobileNetV2(ExecutionPlan plan, CompiledNetwork network) {
        this.plan = plan;
        this.network = network;
    }

    /**
     * The fused network on the fastest available backend ({@link KernelSets#best()}).
     *
     * @param config the variant
     * @param weights weights for {@code config}
     * @return the model
     * @throws IllegalArgumentException if the weights belong to another configuration or are
     *                                  not finite (see the four-argument form), or
     *                                  {@link KernelSets#best()} refuses a kernel system property
     * @throws NullPointerException     if an argument is null
     */
    public static MobileNetV2 create(ModelConfig config, Weights weights) {
        return create(config, weights, KernelSets.best(), ExecutionMode.FUSED);
    }

    /**
     * Builds the plan for {@code config} in {@code mode}
     * and packs {@code weights} for {@code kernels}.
     *
     * <p>The weights fit when they were made for {@code config}, or for a configuration that
     * differs only in a width multiplier giving the same channel counts (an imported model's width
     * is read back from its channels: 0.33 comes back as 0.325, for instance).
     *
     * @param config the variant
     * @param weights weights for {@code config}
     * @param kernels the backend that packs and runs the weights
     * @param mode fused blocks or layer by layer
     * @return the model
     * @throws IllegalArgumentException if the weights belong to another configuration, a
     *                                  value is not finite ({@link Weights#checkFinite()}), or
     *                                  the packed weights do not fit one array (see
     *                                  {@link ExecutionPlan#weightsTooLarge()})
     * @throws NullPointerException     if an argument is null
     */
    public static MobileNetV2 create(ModelConfig config, Weights weights, KernelSet kernels,
                                     ExecutionMode mode) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(kernels, "kernels");
        Objects.requireNonNull(mode, "mode");
        ExecutionPlan plan = ExecutionPlan.build(config, mode);
        if (!weights.config().equals(config) && !sameNetworkButAlpha(weights, config, plan)) {
            throw new IllegalArgumentException("weights are for " + weights.config()
                    + " but the model is " + config);
        }
        weights.checkFinite();
        return new MobileNetV2(plan, CompiledNetwork.compile(plan, weights, kernels));
    }

    /** Whether the weights are for {@code config} but for alpha, with the same layers. */
    private static boolean sameNetworkButAlpha(Weights weights, ModelConfig config,
                                               ExecutionPlan plan) {
        ModelConfig theirs = weights.config();
        if (theirs.resolution() != config.resolution() || theirs.classes() != config.classes()
                || theirs.padding() != config.padding()
                || weights.layers().size() != plan.layers().size()) {
            return false;
        }
        for (int i = 0; i < plan.layers().size(); i++) {
            Layer a = weights.layers().get(i), b = plan.layers().get(i);
            if (a.kind() != b.kind() || a.inChannels() != b.inChannels()
                    || a.outChannels() != b.outChannels() || a.activation() != b.activation()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The same network executed in {@code mode}, on this model's packed weights (no repacking, no
     * second copy): for instance to compare fused and layer-by-layer execution in one JVM with the
     * weights in the same place. Each image's logits are those of
     * {@link #create(ModelConfig, Weights, KernelSet, ExecutionMode)} in {@code mode}.
     *
     * <p>Fused and layer-by-layer logits are bitwise equal with the scalar kernels, but only
     * within float rounding with the vector ones, where the two modes call different kernel
     * variants: on the pretrained 1.0/224 model and the test photos they were up to 7.6e-6
     * apart (5.2e-7 of the largest logit), with the same classes first.
     *
     * @param mode the execution mode
     * @return a model running in {@code mode} (this one if it already does)
     * @throws NullPointerException if {@code mode} is null
     */
    public MobileNetV2 withMode(ExecutionMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (mode == plan.mode()) {
            return this;
        }
        ExecutionPlan other = ExecutionPlan.build(plan.config(), mode);
        return new MobileNetV2(other, network.rebind(other));
    }

    /** Largest intra-op thread count a session accepts. */
    public static final int MAX_THREADS = IntraOpPool.MAX_THREADS;

    /**
     * A new single-threaded session with its own arena: {@link ExecutionPlan#arenaFloats()}
     * floats, or {@link dev.mobilenetsimd.plan.HeapLayout#largeArrayFloats()} if that is more, so
     * that the collector places it on a 64-byte boundary.
     *
     * @return the session, to be closed after use
     */
    public Session newSession() {
        return new Session(this, 1);
    }

    /**
     * A new session whose inferences are split across {@code threads} threads: the calling
     * thread and {@code threads - 1} workers the session starts now and stops on close. Fused
     * blocks and the stem are split by output rows, the last 1x1 convolution by pixels, blocks
     * run layer by layer one layer at a time (pixels for the 1x1 layers, row pairs for the
     * depthwise), steps of few pixels ({@link dev.mobilenetsimd.plan.Step#splitsChannels()}) by
     * channels instead, and the classifier by ranges of classes; only the pool stays on the
     * calling thread. Logits are bitwise identical to a single-threaded session's.
     *
     * @param threads threads per inference, the caller's included
     * @return the session, to be closed after use (which stops its workers)
     * @throws IllegalArgumentException unless {@code 1 <= threads <= MAX_THREADS}, or if the
     *                                  arena with every worker's scratch would pass one Java
     *                                  array (the largest configurations; use fewer threads)
     * @throws IllegalStateException    if the JVM cannot start the workers (none is left
     *                                  running)
     * @throws OutOfMemoryError         if the heap cannot hold the arena
     *                                  ({@link ExecutionPlan#arenaFloats()} floats and, for each
     *                                  worker, a copy of the scratch regions)
     */
    public Session newSession(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads = " + threads + ": expected 1 to "
                    + MAX_THREADS);
        }
        return new Session(this, threads);
    }

    /**
     * The static execution plan this model runs: every step, shape and arena region.
     *
     * @return the plan
     */
    public ExecutionPlan plan() { return plan; }

    /**
     * The variant: width multiplier, resolution, classes and padding convention.
     *
     * @return the configuration
     */
    public ModelConfig config() { return plan.config(); }

    /**
     * The backend the weights are packed for.
     *
     * @return the kernel set
     */
    public KernelSet kernels() { return network.kernels(); }

    /**
     * Floats of one NHWC input image (resolution² × 3).
     *
     * @return {@code resolution * resolution * 3}
     */
    public int inputLength() { return plan.inputLength(); }

    /**
     * Number of logits per image.
     *
     * @return the classifier's outputs
     */
    public int classes() { return plan.classes(); }

    /**
     * Number of pooled features per image ({@link Session#features(float[])}): the channels of
     * the last 1x1 convolution: 1280 at α ≤ 1, 1280 α rounded to a multiple of 8 above (1792 at
     * 1.4).
     *
     * @return the length of {@link Session#features(float[])}'s result
     */
    public int featureLength() { return plan.featureLength(); }

    CompiledNetwork network() { return network; }

    @Override
    public String toString() {
        return plan.config() + " on " + kernels().name() + ", "
                + plan.mode().name().toLowerCase(java.util.Locale.ROOT);
    }
}
