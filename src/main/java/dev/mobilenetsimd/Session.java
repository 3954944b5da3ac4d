package dev.mobilenetsimd;

import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.HeapLayout;
import dev.mobilenetsimd.plan.Step;
import dev.mobilenetsimd.runtime.CompiledNetwork;
import dev.mobilenetsimd.runtime.IntraOpPool;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a {@link MobileNetV2}: owns the float arena the plan lays out, allocated once when the
 * session is created, so an inference allocates nothing but its result (none with
 * {@link #run(float[], int, float[], int)}). A session belongs to one thread at a time; create
 * one per thread to share a model. A call made while another thread's inference is running on
 * the same session fails with {@link IllegalStateException} (the two shared one arena, and
 * both got wrong logits without a word).
 *
 * <p>A session made with {@link MobileNetV2#newSession(int)} and more than one thread also owns a
 * fixed team of worker threads (started once, stopped by {@link #close()}) that split every step
 * of each inference but the pool, fused or layer by layer, by rows, pixels, channels or classes
 * (see {@link MobileNetV2#newSession(int)}). Results are bitwise identical for any thread count.
 * Idle workers spin briefly, then park; an inference wakes them while it copies its image in, so
 * that an inference after a pause does not wait for their wake-up. They are daemon threads, and
 * a session dropped without {@link #close()} has them stopped once it is garbage-collected.
 *
 * <p>An inference waits on nothing an interrupt could end: it runs to the end and leaves the
 * calling thread's interrupt status as it was.
 *
 * <p>A batch ({@link #runBatch(float[], int, int, float[], int)}) runs up to
 * {@link ExecutionPlan#batchGroup()} images together: the early steps image after image, the
 * later, weight-heavy steps one step for every image of the group before the next, so that their
 * weights come from memory once per group ({@link ExecutionPlan#batchSplitStep()}). Between
 * steps each image's tensor waits in a buffer of its own
 * ({@link ExecutionPlan#batchCarryFloats()} floats: 245 KB for MobileNetV2 1.0/224), allocated
 * the first time a batch needs it and kept. Each image's logits are bitwise those of
 * {@link #run(float[])}.
 */
public final class Session implements AutoCloseable {
    /** Stops the workers of sessions that are dropped without {@link #close()}. */
    private static final Cleaner WORKER_CLEANER = Cleaner.create();

    private final MobileNetV2 model;
    private final IntraOpPool pool;
    /** Null once closed; volatile so that a call on another thread sees the close. */
    private volatile float[] arena;
    /** Each image's tensor between the steps of a batch, allocated when a batch needs it. */
    private float[][] carries = new float[0][];
    /** Set while an inference runs: a second thread's call fails instead of sharing the arena. */
    private final AtomicBoolean busy = new AtomicBoolean();

    Session(MobileNetV2 model, int threads) {
        this.model = model;
        var plan = model.plan();
        long floats =
                IntraOpPool.arenaFloats(threads, plan.arenaFloats(), plan.workerScratchFloats());
        if (floats > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException(threads + " threads need an arena of " + floats
                    + " floats: too large for one array; use fewer threads");
        }
        // large enough for the collector to place it on a 64-byte boundary (see HeapLayout)
        this.arena = new float[HeapLayout.largeArrayLength((int) floats)];
        this.pool = threads > 1 ? new IntraOpPool(threads, plan.arenaFloats(),
                plan.workerScratchOffset(), plan.workerScratchFloats()) : null;
        if (pool != null) {
            try {
                WORKER_CLEANER.register(this, pool::close); // the workers hold the pool, not this
            } catch (RuntimeException | Error e) { // an OutOfMemoryError: no session to close
                pool.close(); // else its started workers stayed parked for good
                throw e;
            }
        }
    }

    /**
     * Threads that run each inference (1: the calling thread only).
     *
     * @return 1, or the count given to {@link MobileNetV2#newSession(int)}
     */
    public int threads() {
        return pool == null ? 1 : pool.threads();
    }

    /**
     * The model this session runs.
     *
     * @return the model
     */
    public MobileNetV2 model() { return model; }

    /**
     * Classifies one image.
     *
     * <p>Values are not checked (that would cost a pass over every image): non-finite ones
     * propagate with IEEE float rules (see {@code KernelSet}). A NaN anywhere in the image makes
     * every logit NaN. An infinite value alone in a window of the stem's 3x3 convolution is
     * clamped by its ReLU6 (+Inf to 6, -Inf to 0) only while every weight it meets is nonzero: a
     * zero weight gives Inf * 0 = NaN (quantized models have many: a quarter to a third of the
     * stem's weights in the two TFLite MobileNetV2 models tested), and two infinities in one
     * window, such as a whole pixel of +Inf, meet weights of both signs as Inf - Inf = NaN:
     * every logit is NaN then. Finite values near {@link Float#MAX_VALUE} may overflow the
     * stem's sums to infinities, with the same outcomes, and there the backends may differ
     * (their summation orders do); subnormal values are just small numbers. So, with weights
     * whose sums stay in float range, the logits are all finite or all NaN, the same in every
     * backend and execution mode: test one with {@link Float#isNaN}. The session stays usable
     * either way.
     *
     * @param nhwcImage {@code resolution * resolution * 3} floats, row-major, RGB interleaved,
     *                  already normalised the way the weights expect
     * @return the {@link MobileNetV2#classes()} logits
     * @throws IllegalArgumentException if the image has the wrong length
     * @throws NullPointerException     if the image is null
     * @throws IllegalStateException    if the session is closed or another thread is running an
     *                                  inference on it
     */
    public float[] run(float[] nhwcImage) {
        checkWholeImage(nhwcImage);
        float[] logits = new float[model.classes()];
        run(nhwcImage, 0, logits, 0);
        return logits;
    }

    /**
     * Classifies the image at {@code image[imageOff ...]} and writes the logits to
     * {@code logits[logitsOff ...]}; allocates nothing.
     *
     * @param image the array holding the image, as for {@link #run(float[])}
     * @param imageOff index in {@code image} of the image's first float
     * @param logits the array the {@link MobileNetV2#classes()} logits are written to
     * @param logitsOff index in {@code logits} of the first logit
     * @throws IllegalArgumentException if an array is too short for its offset
     * @throws NullPointerException     if an array is null
     * @throws IllegalStateException    if the session is closed or another thread is running an
     *                                  inference on it
     */
    public void run(float[] image, int imageOff, float[] logits, int logitsOff) {
        runChecked(image, imageOff, logits, logitsOff, false);
    }

    /**
     * The pooled features of one image: the {@link MobileNetV2#featureLength()} averages (1280
     * at α ≤ 1) of the last 1x1 convolution's output that the classifier takes, for use as an
     * image embedding (transfer learning, similarity search). Every step but the classifier
     * runs, so this costs a little less than {@link #run(float[])}; the features are bitwise
     * those that {@link #run(float[])} feeds the classifier, for any thread count.
     *
     * @param nhwcImage {@code resolution * resolution * 3} floats, as for {@link #run(float[])}
     * @return the {@link MobileNetV2#featureLength()} features, each 0 to 6 (ReLU6 outputs
     *         averaged), or all NaN when the image's non-finite values make them so (see
     *         {@link #run(float[])})
     * @throws IllegalArgumentException if the image has the wrong length
     * @throws NullPointerException     if the image is null
     * @throws IllegalStateException    if the session is closed or another thread is running an
     *                                  inference on it
     */
    public float[] features(float[] nhwcImage) {
        checkWholeImage(nhwcImage);
        float[] features = new float[model.featureLength()];
        features(nhwcImage, 0, features, 0);
        return features;
    }

    /**
     * Writes the pooled features (see {@link #features(float[])}) of the image at
     * {@code image[imageOff ...]} to {@code features[featuresOff ...]}; allocates nothing.
     *
     * @param image the array holding the image, as for {@link #run(float[])}
     * @param imageOff index in {@code image} of the image's first float
     * @param features the array the {@link MobileNetV2#featureLength()} features are written to
     * @param featuresOff index in {@code features} of the first feature
     * @throws IllegalArgumentException if an array is too short for its offset
     * @throws NullPointerException     if an array is null
     * @throws IllegalStateException    if the session is closed or another thread is running an
     *                                  inference on it
     */
    public void features(float[] image, int imageOff, float[] features, int featuresOff) {
        runChecked(image, imageOff, features, featuresOff, true);
    }

    /** Fails as {@link #run(float[])} documents unless {@code image} is one whole image. */
    private void checkWholeImage(float[] image) {
        arena();
        Objects.requireNonNull(image, "image");
        int n = model.inputLength();
        if (image.length != n) {
            int r = model.config().resolution();
            throw new IllegalArgumentException("image has " + image.length + " floats; expected "
                    + n + " (" + r + "x" + r + "x3, NHWC)");
        }
    }

    /** One image to its logits or its features, arguments checked here. */
    private void runChecked(float[] image, int imageOff, float[] out, int outOff,
                            boolean features) {
        arena();
        String what = features ? "features" : "logits";
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(out, what);
        int n = model.inputLength();
        int r = model.config().resolution();
        if (imageOff < 0 || imageOff > image.length - n) {
            throw new IllegalArgumentException("image needs " + n + " floats (" + r + "x" + r
                    + "x3, NHWC) from offset " + imageOff + ", but the array has " + image.length);
        }
        int k = features ? model.featureLength() : model.classes();
        if (outOff < 0 || outOff > out.length - k) {
            throw new IllegalArgumentException(what + " need " + k + " floats from offset "
                    + outOff + ", but the array has " + out.length);
        }
        enter();
        try {
            runOne(image, imageOff, out, outOff, features);
        } finally {
            busy.set(false);
        }
    }

    /**
     * One image to its logits, or to its pooled features without the classifier step; arguments
     * checked, the session entered.
     */
    private void runOne(float[] image, int imageOff, float[] out, int outOff, boolean features) {
        float[] a = arena(); // the field is cleared if another thread closes the session
        ExecutionPlan plan = model.plan();
        try {
            if (pool != null) {
                pool.wake(); // while the image is copied in
            }
            System.arraycopy(image, imageOff, a, plan.inputOffset(), model.inputLength());
            if (features) {
                model.network().runSteps(0, plan.featureSteps(), a, pool);
                System.arraycopy(a, plan.featuresOffset(), out, outOff, plan.featureLength());
            } else {
                model.network().run(a, pool);
                System.arraycopy(a, plan.logitsOffset(), out, outOff, model.classes());
            }
        } finally {
            // Reachable until the workers are done: its cleaner would close the pool mid-step.
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Classifies a batch (see the class comment for the order it runs in).
     *
     * @param images the images, {@link MobileNetV2#inputLength()} floats each (NHWC, normalised
     *               as for {@link #run(float[])})
     * @return one logits array per image
     * @throws IllegalArgumentException if an image is null or has the wrong length
     * @throws NullPointerException     if {@code images} is null
     * @throws IllegalStateException    if the session is closed or another thread is running an
     *                                  inference on it
     */
    public float[][] runBatch(float[][] images) {
        arena(); // a closed session fails even for an empty batch
        Objects.requireNonNull(images, "images");
        for (int i = 0; i < images.length; i++) {
            if (images[i] == null || images[i].length != model.inputLength()) {
                throw new IllegalArgumentException("images[" + i + "] has "
                        + (images[i] == null ? "null" : images[i].length + " floats")
                        + "; expected " + model.inputLength());
            }
        }
        float[][] out = new float[images.length][model.classes()];
        enter();
        try {
            runGroups(images, null, 0, images.length, out, null, 0);
        } finally {
            busy.set(false);
        }
        return out;
    }

    /**
     * Classifies {@code count} images stored one after another in {@code images} from
     * {@code imagesOff}, and writes their logits one after another to {@code logits} from
     * {@code logitsOff}; allocates nothing once a batch of this size has run (see the class
     * comment). The images and the logits must not overlap: a group's logits are written before
     * the next group's images are read.
     *
     * @param images    {@code count} images of {@link MobileNetV2#inputLength()} floats each (NHWC,
     *                  normalised as for {@link #run(float[])}), one after another
     * @param imagesOff index in {@code images} of the first image's first float
     * @param count     number of images, 0 or more
     * @param logits    receives {@link MobileNetV2#classes()} logits per image, one after another
     * @param logitsOff index in {@code logits} of the first image's first logit
     * @throws IllegalArgumentException if {@code count} is negative, an array is too short, or
     *                                  the images and the logits overlap in one array
     * @throws NullPointerException     if an array is null
     * @throws IllegalStateException    if the session is closed or another thread is running an
     *                                  inference on it
     */
    public void runBatch(float[] images, int imagesOff, int count, float[] logits, int logitsOff) {
        arena();
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(logits, "logits");
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        int n = model.inputLength();
        int r = model.config().resolution();
        if (imagesOff < 0 || imagesOff > images.length - (long) count * n) {
            throw new IllegalArgumentException(count + " images need " + (long) count * n
                    + " floats (" + r + "x" + r + "x3 each, NHWC) from offset " + imagesOff
                    + ", but the array has " + images.length);
        }
        int k = model.classes();
        if (logitsOff < 0 || logitsOff > logits.length - (long) count * k) {
            throw new IllegalArgumentException(count + " images' logits need " + (long) count * k
                    + " floats from offset " + logitsOff + ", but the array has " + logits.length);
        }
        // Overlapping, a group's logits overwrote later images before they were read: wrong
        // logits for those, silently.
        if (images == logits && count > 0 && imagesOff < logitsOff + (long) count * k
                && logitsOff < imagesOff + (long) count * n) {
            throw new IllegalArgumentException("the logits [" + logitsOff + ", "
                    + (logitsOff + (long) count * k) + ") overlap the images [" + imagesOff + ", "
                    + (imagesOff + (long) count * n) + ") in one array: expected separate ranges");
        }
        enter();
        try {
            runGroups(null, images, imagesOff, count, null, logits, logitsOff);
        } finally {
            busy.set(false);
        }
    }

    /**
     * Marks the session busy for one call; a second thread's call meanwhile fails (the session
     * has one arena, and two inferences in it corrupted each other's logits without a word).
     */
    private void enter() {
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("session is in use by another thread: a session"
                    + " belongs to one thread at a time; create one session per thread");
        }
    }

    /**
     * Images {@code [0, count)} group by group, read from {@code imageArrays} (or else one after
     * another from {@code images}), logits written to {@code logitArrays} (or else {@code logits}).
     */
    private void runGroups(float[][] imageArrays, float[] images, int imagesOff, int count,
                           float[][] logitArrays, float[] logits, int logitsOff) {
        ExecutionPlan plan = model.plan();
        CompiledNetwork net = model.network();
        List<Step> steps = plan.steps();
        int n = model.inputLength(), k = model.classes();
        int split = plan.batchSplitStep();
        int groupMax = plan.batchGroup();
        for (int first = 0; first < count; ) {
            // Read per group: once another thread has closed the session the batch stops here,
            // as with workers, rather than going on and making the carries again in a closed
            // session (the field is cleared, the running group keeps its copy).
            float[] arena = arena();
            int g = Math.min(groupMax, count - first);
            if (g == 1) { // alone: exactly run()
                runOne(imageArrays != null ? imageArrays[first] : images,
                        imageArrays != null ? 0 : imagesOff + first * n,
                        logitArrays != null ? logitArrays[first] : logits,
                        logitArrays != null ? 0 : logitsOff + first * k, false);
                first++;
                continue;
            }
            float[][] carry = carries(g);
            if (pool != null) {
                pool.wake(); // while the first image is copied in
            }
            Step carried = steps.get(split); // a group has steps past the split (batchGroup)
            for (int i = 0; i < g; i++) {
                int index = first + i;
                System.arraycopy(imageArrays != null ? imageArrays[index] : images,
                        imageArrays != null ? 0 : imagesOff + index * n, arena,
                        plan.inputOffset(), n);
                net.runSteps(0, split, arena, pool);
                System.arraycopy(arena, carried.inOffset(), carry[i], 0,
                        (int) carried.inFloats());
            }
            for (int s = split; s < steps.size(); s++) {
                Step st = steps.get(s);
                for (int i = 0; i < g; i++) {
                    System.arraycopy(carry[i], 0, arena, st.inOffset(), (int) st.inFloats());
                    net.runSteps(s, s + 1, arena, pool);
                    System.arraycopy(arena, st.outOffset(), carry[i], 0, (int) st.outFloats());
                }
            }
            for (int i = 0; i < g; i++) { // the last step's output: logits
                int index = first + i;
                System.arraycopy(carry[i], 0, logitArrays != null ? logitArrays[index] : logits,
                        logitArrays != null ? 0 : logitsOff + index * k, k);
            }
            first += g;
        }
        Reference.reachabilityFence(this); // as in run()
    }

    /** The first {@code g} carry buffers, allocating the missing ones. */
    private float[][] carries(int g) {
        if (carries.length < g) {
            float[][] grown = Arrays.copyOf(carries, g);
            for (int i = carries.length; i < g; i++) {
                grown[i] = new float[model.plan().batchCarryFloats()];
            }
            carries = grown;
        }
        return carries;
    }

    /** The worker team (null for one thread), for benchmarks that run single steps split. */
    IntraOpPool pool() {
        return pool;
    }

    /** The arena, for benchmarks and tests that run single steps. */
    float[] arena() {
        float[] a = arena;
        if (a == null) {
            throw new IllegalStateException("session is closed");
        }
        return a;
    }

    /**
     * Releases the arena and stops the workers; idempotent. An inference running meanwhile on
     * another thread completes or fails with {@link IllegalStateException} (a batch at the
     * latest when its next group of images would start); later calls fail with it.
     */
    @Override
    public void close() {
        arena = null;
        carries = new float[0][];
        if (pool != null) {
            pool.close();
        }
    }
}
