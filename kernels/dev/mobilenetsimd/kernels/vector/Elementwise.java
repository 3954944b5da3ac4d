package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.scalar.ScalarKernels;

/** PLACEHOLDER: delegates to scalar until the vector element-wise kernels land. */
final class Elementwise {
    private Elementwise() {}
    static void relu6(float[] a, int off, int len) { ScalarKernels.INSTANCE.relu6(a, off, len); }
    static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int len) {
        ScalarKernels.INSTANCE.add(a, aOff, b, bOff, out, outOff, len);
    }
}
