package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.ExecutionMode;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Layer;
import dev.mobilenetsimd.plan.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A plan bound to one backend and one set of packed weights: an array of operations with every
 * offset and shape resolved. {@link #run} is the whole inference: a loop, no allocation.
 * Immutable and shareable between threads; each thread brings its own arena.
 */
public final class CompiledNetwork {
    /** A step whose work the next step does ({@link Step#fusedIntoNext}): nothing to run. */
    private static final Op FUSED_INTO_NEXT = arena -> { };

    private final ExecutionPlan plan;
    private final KernelSet kernels;
    private final Op[] ops;
    /** Per step, the parts a worker team runs one after another ({@link PhasedOp}), or null. */
    private final Op[][] phases;
    /** Packed weights per layer of the plan, and the classifier's parts (null without one). */
    private final PackedWeights[] packed, denseParts;

    private CompiledNetwork(ExecutionPlan plan, KernelSet kernels, Op[] ops,
                            PackedWeights[] packed, PackedWeights[] denseParts) {
        this.plan = plan;
        this.kernels = kernels;
        this.ops = ops;
        this.phases = new Op[ops.length][];
        for (int i = 0; i < ops.length; i++) {
            phases[i] = ops[i] instanceof PhasedOp ? ((PhasedOp) ops[i]).phases() : null;
        }
        this.packed = packed;
        this.denseParts = denseParts;
    }

    /**
     * Packs {@code weights} for {@code kernels} and binds every step of {@code plan}.
     *
     * @param plan the plan
     * @param weights weights for the plan's configuration
     * @param kernels the backend
     * @return the network
     * @throws IllegalArgumentException if the weights' layers do not have the plan's shapes
     *                                  (another width multiplier or class count)
     */
    public static CompiledNetwork compile(ExecutionPlan plan, Weights weights, KernelSet kernels) {
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(kernels, "kernels");
        for (Layer l : plan.layers()) { // the packers' message named neither layer nor model
            if (weights.kernel(l.index()).length != l.kernelLength()) {
                throw new IllegalArgumentException("weights are for " + weights.config() + ", but "
                        + l.name() + " of the plan for " + plan.config() + " needs "
                        + l.kernelLength() + " weights, not " + weights.kernel(l.index()).length);
            }
        }
        PackedWeights[] packed = new PackedWeights[plan.layers().size()];
        PackedWeights[] denseParts = null;
        for (Layer l : plan.layers()) {
            float[] w = weights.kernel(l.index());
            float[] b = weights.bias(l.index());
            switch (l.kind()) {
                case CONV3X3:
                    packed[l.index()] = kernels.packConv3x3(w, b, l.inChannels(), l.outChannels());
                    break;
                case DEPTHWISE:
                    packed[l.index()] = kernels.packDepthwise(w, b, l.outChannels());
                    break;
                case POINTWISE:
                    packed[l.index()] =
                            kernels.packPointwise(w, b, l.inChannels(), l.outChannels());
                    break;
                case DENSE:
                    denseParts = DenseOp.pack(kernels, w, b, l.inChannels(), l.outChannels());
                    break;
                default:
                    throw new AssertionError(l.kind());
            }
        }
        // one array for all layers, each on a 64-byte boundary (WeightStore)
        int layers = packed.length;
        PackedWeights[] all = Arrays.copyOf(packed, layers + (denseParts == null ? 0
                : denseParts.length));
        if (denseParts != null) {
            System.arraycopy(denseParts, 0, all, layers, denseParts.length);
        }
        all = WeightStore.gather(all);
        System.arraycopy(all, 0, packed, 0, layers);
        if (denseParts != null) {
            denseParts = Arrays.copyOfRange(all, layers, all.length);
        }
        return bind(plan, kernels, packed, denseParts);
    }

    /**
     * This network's weights, already packed, bound to {@code other}: a plan of the same
     * configuration in another execution mode. No repacking and no second copy.
     *
     * @param other the plan to run
     * @return the network for {@code other} (one sharing this one's packed weights)
     * @throws IllegalArgumentException if {@code other} is for another configuration
     */
    public CompiledNetwork rebind(ExecutionPlan other) {
        Objects.requireNonNull(other, "other");
        if (!other.config().equals(plan.config())) {
            throw new IllegalArgumentException("the weights are packed for " + plan.config()
                    + ", not " + other.config());
        }
        return bind(other, kernels, packed, denseParts);
    }

    /**
     * Whether {@code other} runs on the very same packed weights ({@link #rebind}).
     *
     * @param other another network
     * @return {@code true} if both read the same packed weights
     */
    public boolean sharesWeightsWith(CompiledNetwork other) {
        return other.packed == packed;
    }

    /** One op per step of {@code plan}, on weights packed for {@code kernels}. */
    private static CompiledNetwork bind(ExecutionPlan plan, KernelSet kernels,
                                        PackedWeights[] packed, PackedWeights[] denseParts) {
        List<Op> ops = new ArrayList<>();
        Step previous = null;
        FusedBlockOp fusedIntoNext = null; // a block whose rows the next block computes
        for (Step s : plan.steps()) {
            List<Layer> ls = s.layers();
            switch (s.kind()) {
                case STEM:
                    ops.add(s.fusedIntoNext() ? FUSED_INTO_NEXT
                            : new StemOp(kernels, s, packed[ls.get(0).index()]));
                    break;
                case BOTTLENECK: {
                    PackedWeights expand = s.hasExpand() ? packed[ls.get(0).index()] : null;
                    int d = s.hasExpand() ? 1 : 0;
                    PackedWeights dw = packed[ls.get(d).index()];
                    PackedWeights project = packed[ls.get(d + 1).index()];
                    if (s.computesStem()) {
                        FusedBlockOp op = new FusedBlockOp(kernels, s, dw, project, previous,
                                packed[previous.layers().get(0).index()]);
                        fusedIntoNext = s.fusedIntoNext() ? op : null;
                        ops.add(s.fusedIntoNext() ? FUSED_INTO_NEXT : op);
                    } else if (s.computesPreviousBlock()) {
                        ops.add(new FusedBlockOp(kernels, s, expand, dw, project,
                                Objects.requireNonNull(fusedIntoNext, s.toString())));
                    } else {
                        ops.add(plan.mode() == ExecutionMode.FUSED
                                ? new FusedBlockOp(kernels, s, expand, dw, project)
                                : new LayerwiseBlockOp(kernels, s, expand, dw, project));
                    }
                    break;
                }
                case CONV1X1:
                    ops.add(new PointwiseOp(kernels, s, packed[ls.get(0).index()]));
                    break;
                case AVG_POOL:
                    ops.add(new PoolOp(kernels, s));
                    break;
                case CLASSIFIER:
                    ops.add(new DenseOp(kernels, s, denseParts));
                    break;
                default:
                    throw new AssertionError(s.kind());
            }
            previous = s;
        }
        return new CompiledNetwork(plan, kernels, ops.toArray(new Op[0]), packed, denseParts);
    }

    /**
     * Runs every step on {@code arena} (input already at {@link ExecutionPlan#inputOffset()}).
     *
     * @param arena the session's arena
     * @throws IllegalArgumentException if the arena is shorter than
     *                                  {@link ExecutionPlan#arenaFloats()}
     */
    public void run(float[] arena) {
        checkArena(arena, null);
        for (Op op : ops) {
            op.run(arena);
        }
    }

    /**
     * Runs every step, each split across {@code pool}'s threads where the step allows it (fused
     * blocks, the stem, the last 1x1 convolution and the classifier; a block run layer by layer
     * one layer at a time); {@code pool == null} runs serially. The arena must hold the pool's
     * scratch copies too ({@link IntraOpPool#arenaFloats}). Bitwise the same result as
     * {@link #run}.
     *
     * @param arena the session's arena, with room for the pool's scratch copies
     * @param pool the threads, or {@code null}
     * @throws IllegalArgumentException if the arena is too short for the plan and the pool, or
     *                                  the pool was made for another plan's arena and scratch
     *                                  regions
     */
    public void run(float[] arena, IntraOpPool pool) {
        if (pool == null) {
            run(arena);
            return;
        }
        runSteps(0, ops.length, arena, pool);
    }

    /**
     * Runs steps {@code [from, to)} on {@code arena}, split across {@code pool} like
     * {@link #run(float[], IntraOpPool)} ({@code pool == null}: serially). A batch runs its
     * images' arenas through a range of steps in turn ({@link ExecutionPlan#batchSplitStep()}).
     *
     * @param from the first step run
     * @param to one past the last step run
     * @param arena the arena
     * @param pool the threads, or {@code null}
     * @throws IndexOutOfBoundsException unless {@code 0 <= from <= to <=} the step count
     * @throws IllegalArgumentException if the arena is too short for the plan and the pool, or
     *                                  the pool was made for another plan's arena and scratch
     *                                  regions
     */
    public void runSteps(int from, int to, float[] arena, IntraOpPool pool) {
        Objects.checkFromToIndex(from, to, ops.length);
        checkArena(arena, pool);
        for (int i = from; i < to; i++) {
            if (pool != null && phases[i] != null) {
                for (Op phase : phases[i]) {
                    runSplit(phase, arena, pool);
                }
            } else {
                runSplit(ops[i], arena, pool);
            }
        }
    }

    private static void runSplit(Op op, float[] arena, IntraOpPool pool) {
        if (pool != null && op.units() > 1) {
            pool.run(op, arena);
        } else {
            op.run(arena);
        }
    }

    /**
     * Runs only step {@code index} (for per-block benchmarks and tests).
     *
     * @param index the step
     * @param arena the arena
     * @throws IndexOutOfBoundsException if {@code index} is not a step's
     * @throws IllegalArgumentException if the arena is shorter than
     *         {@link ExecutionPlan#arenaFloats()}
     */
    public void runStep(int index, float[] arena) {
        Objects.checkIndex(index, ops.length);
        checkArena(arena, null);
        ops[index].run(arena);
    }

    /**
     * Checks the arena's length once per call: a short one failed deep inside a kernel
     * (ArrayIndexOutOfBounds, or a vector mask's range check) after some steps had run.
     */
    private void checkArena(float[] arena, IntraOpPool pool) {
        Objects.requireNonNull(arena, "arena");
        if (pool != null && !pool.fits(plan.arenaFloats(), plan.workerScratchOffset(),
                plan.workerScratchFloats())) {
            // its workers' scratch copies would overwrite this plan's tensors: wrong logits
            throw new IllegalArgumentException("the pool was made for another plan ("
                    + pool.geometry() + "); " + plan.config() + " needs one made with arena "
                    + plan.arenaFloats() + ", scratch " + plan.workerScratchFloats()
                    + " floats at " + plan.workerScratchOffset());
        }
        long need = pool == null ? plan.arenaFloats() : IntraOpPool.arenaFloats(pool.threads(),
                plan.arenaFloats(), plan.workerScratchFloats());
        if (arena.length < need) {
            throw new IllegalArgumentException("arena of " + arena.length + " floats; "
                    + plan.config() + (pool == null ? "" : " on " + pool.threads() + " threads")
                    + " needs at least " + need);
        }
    }

    /**
     * The plan this network was compiled from.
     *
     * @return the plan
     */
    public ExecutionPlan plan() { return plan; }

    /**
     * The kernels (vector or scalar) its steps call.
     *
     * @return the kernel set
     */
    public KernelSet kernels() { return kernels; }
}
