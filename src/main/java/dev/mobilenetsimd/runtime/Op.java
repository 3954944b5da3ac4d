package dev.mobilenetsimd.runtime;

/**
 * One compiled step: every offset, shape and packed weight bound in; runs on a session arena.
 * Steps that can be split for intra-op parallelism report independent units of work (output
 * rows, pixels or class ranges); any split of them gives bitwise the same result, because every
 * output element is computed by the same sequence of operations wherever the split falls.
 */
interface Op {
    /** Runs the whole step. */
    void run(float[] arena);

    /** Independent units of work (output rows, pixels or class ranges); 1 if not split. */
    default int units() {
        return 1;
    }

    /**
     * Runs units {@code [start, end)}, with this worker's scratch regions (expanded ring,
     * depthwise band) shifted by {@code scratchShift} floats from the plan's.
     */
    default void run(float[] arena, int start, int end, int scratchShift) {
        run(arena);
    }
}
