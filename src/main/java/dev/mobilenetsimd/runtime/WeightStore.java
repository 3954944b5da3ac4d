package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.HeapLayout;

/**
 * Puts the packed layers of one model into a single array, each layer starting on a 64-byte
 * boundary of it. Each layer packed into an array of its own would start wherever the
 * collector put that small array (8-byte granularity), so most weight panels would straddle
 * cache lines on every vector load; one large array is placed on a boundary (see
 * {@link HeapLayout}) and its layers inherit that. Packed layouts are built from whole vectors,
 * so every panel inside a layer stays aligned too.
 */
final class WeightStore {
    private WeightStore() {}

    /**
     * Copies {@code layers} (null entries are skipped) into one new array and returns them, in
     * the same positions, stored there.
     */
    static PackedWeights[] gather(PackedWeights[] layers) {
        long total = HeapLayout.alignUp(0);
        for (PackedWeights w : layers) {
            if (w != null) {
                total = HeapLayout.alignUp(total + w.length);
            }
        }
        if (total > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("the packed weights need " + total
                    + " floats: too many for one array");
        }
        float[] store = new float[HeapLayout.largeArrayLength((int) total)];
        PackedWeights[] stored = new PackedWeights[layers.length];
        long at = HeapLayout.alignUp(0);
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] != null) {
                stored[i] = layers[i].copyTo(store, (int) at);
                at = HeapLayout.alignUp(at + layers[i].length);
            }
        }
        return stored;
    }
}
