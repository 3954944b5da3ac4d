package dev.mobilenetsimd.runtime;

/**
 * One part of a {@link PhasedOp}, split across a worker team by units: rows, pixels or channel
 * blocks. Its work writes whole tensors of the plan (no per-worker scratch), so
 * {@code scratchShift} is not used.
 */
final class SplitOp implements Op {
    /** Work on {@code [from, to)}: rows, pixels or channels. */
    @FunctionalInterface
    interface Range {
        void run(float[] a, int from, int to);
    }

    private final int units;
    /** Channel block boundaries that units map to, or null when units are the range itself. */
    private final int[] bounds;
    private final Range work;

    private SplitOp(int units, int[] bounds, Range work) {
        this.units = units;
        this.bounds = bounds;
        this.work = work;
    }

    /** Units {@code [start, end)} run as {@code [start, end)} (rows, pixels, row pairs). */
    static SplitOp of(int units, Range work) {
        return new SplitOp(units, null, work);
    }

    /**
     * One unit per block between neighbouring {@code bounds} (ascending, from 0): units
     * {@code [start, end)} run as {@code [bounds[start], bounds[end])}.
     */
    static SplitOp blocks(int[] bounds, Range work) {
        return new SplitOp(bounds.length - 1, bounds.clone(), work);
    }

    @Override
    public int units() {
        return units;
    }

    @Override
    public void run(float[] a) {
        run(a, 0, units, 0);
    }

    @Override
    public void run(float[] a, int start, int end, int scratchShift) {
        if (bounds == null) {
            work.run(a, start, end);
        } else {
            work.run(a, bounds[start], bounds[end]);
        }
    }
}
