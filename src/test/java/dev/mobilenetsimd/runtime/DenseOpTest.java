package dev.mobilenetsimd.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The classifier packed in class ranges gives bitwise the logits of one packed matrix. */
class DenseOpTest {

    @Test
    void partsConcatenateToTheWholeClassifierBitwise() {
        Random rnd = new Random(8);
        for (KernelSet k : new KernelSet[] {KernelSets.vector(), KernelSets.scalar()}) {
            for (int classes : new int[] {1, 10, 64, 65, 257, 1000, 1001}) {
                int features = 37;
                float[] w = new float[features * classes], bias = new float[classes];
                float[] in = new float[features];
                for (int i = 0; i < w.length; i++) w[i] = rnd.nextFloat() * 2 - 1;
                for (int i = 0; i < classes; i++) bias[i] = rnd.nextFloat();
                for (int i = 0; i < features; i++) in[i] = rnd.nextFloat() * 6;

                float[] whole = new float[classes];
                k.dense(in, 0, k.packDense(w, bias, features, classes), whole, 0);

                PackedWeights[] parts = DenseOp.pack(k, w, bias, features, classes);
                float[] split = new float[classes];
                int first = 0;
                for (PackedWeights p : parts) {
                    assertTrue(p.outChannels > 0 && (first + p.outChannels == classes
                            || p.outChannels % 64 == 0), "part of " + p.outChannels + " classes");
                    k.dense(in, 0, p, split, first);
                    first += p.outChannels;
                }
                assertEquals(classes, first, "parts cover every class once");
                assertTrue(parts.length <= 4, parts.length + " parts");
                if (classes == 1001) {
                    assertEquals(4, parts.length, "ImageNet's 1001 classes in four parts");
                } else if (classes <= 64) {
                    assertEquals(1, parts.length, "a small classifier stays whole");
                }
                assertArrayEquals(whole, split, k.name() + ", " + classes + " classes");
            }
        }
    }
}
