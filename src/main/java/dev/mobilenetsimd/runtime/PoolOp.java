package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.plan.Step;

/** Global average pool. */
final class PoolOp implements Op {
    private final KernelSet k;
    private final int in, pixels, channels, out;

    PoolOp(KernelSet k, Step s) {
        this.k = k;
        this.in = s.inOffset();
        this.pixels = s.inHeight() * s.inWidth();
        this.channels = s.inChannels();
        this.out = s.outOffset();
    }

    @Override
    public void run(float[] a) {
        k.globalAveragePool(a, in, pixels, channels, a, out);
    }
}
