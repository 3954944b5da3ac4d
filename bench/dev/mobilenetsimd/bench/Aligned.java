package dev.mobilenetsimd.bench;

import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.HeapLayout;

/**
 * Kernel benchmark data laid out as a session lays it out: tensors in one large array, each
 * starting on a 64-byte boundary, and packed weights copied into a large array of their own at
 * such a boundary (see {@link HeapLayout}). Arrays of their own would start wherever the
 * collector put them, and the kernels' speed would depend on that draw.
 */
final class Aligned {
    /** The array that holds every tensor. */
    final float[] data;
    private final int[] offsets;

    /** Room for tensors of {@code lengths} floats (0 allowed). */
    Aligned(int... lengths) {
        offsets = new int[lengths.length];
        long at = HeapLayout.alignUp(0);
        for (int i = 0; i < lengths.length; i++) {
            offsets[i] = (int) at;
            at = HeapLayout.alignUp(at + lengths[i]);
        }
        data = new float[HeapLayout.largeArrayLength((int) at)];
    }

    /** First float of tensor {@code i} in {@link #data}. */
    int offset(int i) {
        return offsets[i];
    }

    /** Copies {@code values} to tensor {@code i}; returns its offset. */
    int put(int i, float[] values) {
        System.arraycopy(values, 0, data, offsets[i], values.length);
        return offsets[i];
    }

    /** {@code w} moved to a 64-byte boundary of a large array, as the runtime stores weights. */
    static PackedWeights weights(PackedWeights w) {
        int at = (int) HeapLayout.alignUp(0);
        return w.copyTo(new float[HeapLayout.largeArrayLength(at + w.length)], at);
    }
}
