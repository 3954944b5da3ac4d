package dev.mobilenetsimd.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.HeapLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WeightStoreTest {
    private static PackedWeights layer(int floats, float first) {
        float[] d = new float[floats];
        for (int i = 0; i < floats; i++) {
            d[i] = first + i;
        }
        return new PackedWeights("test", 1, 1, d);
    }

    @Test
    void layersShareOneArrayEachOnABoundaryWithTheirFloats() {
        PackedWeights[] in = {layer(5, 100), null, layer(33, 200), layer(16, 300), layer(1, 400)};
        PackedWeights[] out = WeightStore.gather(in);
        assertEquals(in.length, out.length);
        assertNull(out[1]);
        float[] store = out[0].data;
        int end = 0;
        for (int i = 0; i < in.length; i++) {
            if (in[i] == null) {
                continue;
            }
            assertSame(store, out[i].data, "one array for every layer");
            assertEquals(HeapLayout.phase(), out[i].offset % HeapLayout.ALIGN_FLOATS,
                    "layer " + i + " at " + out[i].offset);
            assertTrue(out[i].offset >= end, "layer " + i + " overlaps the one before");
            end = out[i].offset + out[i].length;
            assertEquals(in[i].length, out[i].length);
            assertEquals(in[i].layout, out[i].layout);
            assertArrayEquals(in[i].data, Arrays.copyOfRange(store, out[i].offset, end));
        }
        assertTrue(store.length >= Math.max(end, HeapLayout.largeArrayFloats()));
    }
}
