package dev.mobilenetsimd;

import dev.mobilenetsimd.plan.HeapLayout;
import dev.mobilenetsimd.runtime.IntraOpPool;
import java.lang.ref.Cleaner;
import java.util.Objects;

/**
 * Runs a {@link MobileNetV2}: owns the float arena the plan lays out, allocated once when the
 * session is created, so an inference allocates nothing but its result (none with
 * {@link #run(float[], int, float[], int)}). A session belongs to one thread at a time; create
 * one per thread to share a model.
 *
 * <p>A session made with {@link MobileNetV2#newSession(int)} and more than one thread also owns a
 * fixed team of worker threads (started once, stopped by {@link #close()}) that split every fused
 * block, the stem and the last 1x1 convolution of each inference by output rows or pixels.
 * Results are bitwise identical for any thread count. Batches run image after image, each image
 * split across the team.
 */
public final class Session implements AutoCloseable {
    /** Stops the workers of sessions that are dropped without {@link #close()}. */
    private static final Cleaner WORKER_CLEANER = Cleaner.create();

    private final MobileNetV2 model;
    private final IntraOpPool pool;
    private float[] arena;

    Session(MobileNetV2 model, int threads) {
        this.model = model;
        var plan = model.plan();
        long floats = IntraOpPool.arenaFloats(threads, plan.arenaFloats(), plan.workerScratchFloats());
        if (floats > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException(threads + " threads need an arena of " + floats
                    + " floats: too large for one array; use fewer threads");
        }
        // large enough for the collector to place it on a 64-byte boundary (see HeapLayout)
        this.arena = new float[HeapLayout.largeArrayLength((int) floats)];
        this.pool = threads > 1 ? new IntraOpPool(threads, plan.arenaFloats(),
                plan.workerScratchOffset(), plan.workerScratchFloats()) : null;
        if (pool != null) {
            WORKER_CLEANER.register(this, pool::close); // the workers hold the pool, not this
        }
    }

    /** Threads that run each inference (1: the calling thread only). */
    public int threads() {
        return pool == null ? 1 : pool.threads();
    }

    /** The model this session runs. */
    public MobileNetV2 model() { return model; }

    /**
     * Classifies one image.
     *
     * <p>Non-finite pixels are not rejected: they propagate with IEEE float rules, the activation
     * mapping NaN to NaN, +Inf to 6 and -Inf to 0 (see {@code KernelSet}); a NaN anywhere in the
     * image makes every logit NaN. Either way the session stays usable.
     *
     * @param nhwcImage {@code resolution * resolution * 3} floats, row-major, RGB interleaved,
     *                  already normalised the way the weights expect
     * @return the {@link MobileNetV2#classes()} logits
     * @throws IllegalArgumentException if the image has the wrong length
     * @throws NullPointerException     if the image is null
     * @throws IllegalStateException    if the session is closed
     */
    public float[] run(float[] nhwcImage) {
        arena();
        Objects.requireNonNull(nhwcImage, "image");
        int n = model.inputLength();
        if (nhwcImage.length != n) {
            int r = model.config().resolution();
            throw new IllegalArgumentException("image has " + nhwcImage.length + " floats; expected " + n
                    + " (" + r + "x" + r + "x3, NHWC)");
        }
        float[] logits = new float[model.classes()];
        run(nhwcImage, 0, logits, 0);
        return logits;
    }

    /**
     * Classifies the image at {@code image[imageOff ...]} and writes the logits to
     * {@code logits[logitsOff ...]}; allocates nothing.
     */
    public void run(float[] image, int imageOff, float[] logits, int logitsOff) {
        float[] a = arena();
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(logits, "logits");
        int n = model.inputLength();
        int r = model.config().resolution();
        if (imageOff < 0 || imageOff > image.length - n) {
            throw new IllegalArgumentException("image needs " + n + " floats (" + r + "x" + r
                    + "x3, NHWC) from offset " + imageOff + ", but the array has " + image.length);
        }
        int k = model.classes();
        if (logitsOff < 0 || logitsOff > logits.length - k) {
            throw new IllegalArgumentException("logits need " + k + " floats from offset " + logitsOff
                    + ", but the array has " + logits.length);
        }
        System.arraycopy(image, imageOff, a, model.plan().inputOffset(), n);
        model.network().run(a, pool);
        System.arraycopy(a, model.plan().logitsOffset(), logits, logitsOff, k);
    }

    /**
     * Classifies a batch, one image after another through this session's arena.
     *
     * @param images {@code batch} images of {@link MobileNetV2#inputLength()} floats each
     * @return one logits array per image
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
        float[][] out = new float[images.length][];
        for (int i = 0; i < images.length; i++) {
            out[i] = run(images[i]);
        }
        return out;
    }

    /** The arena, for benchmarks and tests that run single steps. */
    float[] arena() {
        float[] a = arena;
        if (a == null) {
            throw new IllegalStateException("session is closed");
        }
        return a;
    }

    /** Releases the arena; later calls throw {@link IllegalStateException}. */
    @Override
    public void close() {
        arena = null;
        if (pool != null) {
            pool.close();
        }
    }
}
