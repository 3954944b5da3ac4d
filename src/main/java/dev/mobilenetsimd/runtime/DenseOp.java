package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.Step;

/** The classifier: pooled features to logits. */
final class DenseOp implements Op {
    private final KernelSet k;
    private final PackedWeights w;
    private final int in, out;

    DenseOp(KernelSet k, Step s, PackedWeights w) {
        this.k = k;
        this.w = w;
        this.in = s.inOffset();
        this.out = s.outOffset();
    }

    @Override
    public void run(float[] a) {
        k.dense(a, in, w, a, out);
    }
}
