package dev.mobilenetsimd.runtime;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.Step;

/**
 * The classifier: pooled features to logits. At batch 1 it is bound by reading its weights
 * (1280 x 1001 floats, 5 MB, from L3), so it is packed in a few parts of whole class ranges that
 * a session's threads share; each class is computed exactly as in one call, so the logits are
 * bitwise the same however the parts are spread.
 */
final class DenseOp implements Op {
    /** Classes per part are rounded to this, a multiple of every vector width's lane count. */
    private static final int PART_ALIGN = 64;
    /** Parts for a large classifier: enough to spread over 2 or 4 threads. */
    private static final int MAX_PARTS = 4;

    private final KernelSet k;
    private final PackedWeights[] parts;
    private final int in, out;
    /** First class of each part. */
    private final int[] firstClass;

    DenseOp(KernelSet k, Step s, PackedWeights[] parts) {
        this.k = k;
        this.parts = parts.clone();
        this.in = s.inOffset();
        this.out = s.outOffset();
        this.firstClass = new int[parts.length];
        for (int i = 1; i < parts.length; i++) {
            firstClass[i] = firstClass[i - 1] + parts[i - 1].outChannels;
        }
    }

    /** Packs {@code w[features][classes]} and {@code bias} as consecutive class ranges. */
    static PackedWeights[] pack(KernelSet k, float[] w, float[] bias, int features, int classes) {
        final int share = (classes + MAX_PARTS - 1) / MAX_PARTS;
        final int perPart =
                Math.max(PART_ALIGN, (share + PART_ALIGN - 1) / PART_ALIGN * PART_ALIGN);
        final int count = Math.max(1, (classes + perPart - 1) / perPart);
        if (count == 1 || w == null || w.length != (long) features * classes
                || (bias != null && bias.length != classes)) {
            // one part; bad shapes reach the kernel's own checks and messages
            return new PackedWeights[] {k.packDense(w, bias, features, classes)};
        }
        PackedWeights[] parts = new PackedWeights[count];
        for (int p = 0; p < count; p++) {
            final int c0 = p * perPart, width = Math.min(classes, c0 + perPart) - c0;
            float[] pw = new float[features * width];
            for (int i = 0; i < features; i++) {
                System.arraycopy(w, i * classes + c0, pw, i * width, width);
            }
            float[] pb = null;
            if (bias != null) {
                pb = new float[width];
                System.arraycopy(bias, c0, pb, 0, width);
            }
            parts[p] = k.packDense(pw, pb, features, width);
        }
        return parts;
    }

    @Override
    public void run(float[] a) {
        run(a, 0, parts.length, 0);
    }

    @Override
    public int units() {
        return parts.length;
    }

    @Override
    public void run(float[] a, int start, int end, int scratchShift) {
        for (int p = start; p < end; p++) {
            k.dense(a, in, parts[p], a, out + firstClass[p]);
        }
    }
}
