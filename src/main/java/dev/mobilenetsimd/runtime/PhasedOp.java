package dev.mobilenetsimd.runtime;

/**
 * A step made of parts that must run one after another, each split across a worker team on its
 * own: a block run layer by layer, whose depthwise needs all of the expanded rows around its
 * output rows, which other workers compute. {@link #run(float[])} runs the parts in order.
 */
interface PhasedOp extends Op {
    /** The parts, in order; each one's units may be split across threads. */
    Op[] phases();
}
