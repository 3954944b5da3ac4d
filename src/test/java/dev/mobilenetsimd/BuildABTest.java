package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.HeapLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code bench/run.sh ab --pointwise} gives both builds their data as a session lays it out:
 * every tensor and the packed weights on a 64-byte boundary of a large array. Each build had
 * arrays of its own, wherever the collector put them, so B ÷ A measured their alignment too.
 */
class BuildABTest {
    private static boolean aligned(int index) {
        return Math.floorMod(index - HeapLayout.phase(), HeapLayout.ALIGN_FLOATS) == 0;
    }

    @Test
    void theTensorsOfALayerStartOn64ByteBoundariesOfOneLargeArray() {
        int[] at = BuildAB.tensors(49 * 960, 49 * 160, 49 * 160);
        for (int i = 0; i < 3; i++) {
            assertTrue(aligned(at[i]), "tensor " + i + " at " + at[i]);
        }
        assertTrue(at[1] >= at[0] + 49 * 960 && at[2] >= at[1] + 49 * 160, Arrays.toString(at));
        assertTrue(at[3] >= at[2] + 49 * 160 && at[3] >= HeapLayout.largeArrayFloats(),
                Arrays.toString(at));
    }

    /**
     * {@code --mode} and {@code --mode-b} take what the command line's {@code --mode} takes,
     * {@code unfused} too, which was refused ("expected fused or layerwise"). The unknown
     * argument after them is there so that modes let through fail at once, never measure.
     */
    @Test
    void theModesAreThoseTheCommandLineTakes() {
        for (String[] modes : new String[][] {{"unfused", "fused"}, {"fused", "unfused"},
                {"Layerwise", "UNFUSED"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BuildAB.run(new String[] {"a", "b", "--mode", modes[0], "--mode-b",
                            modes[1], "--bogus"}));
            assertEquals("unknown argument '--bogus'", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BuildAB.run(new String[] {"a", "b", "--mode-b", "streamed"}));
        assertEquals("--mode-b: unknown mode 'streamed': expected fused, or layerwise (also"
                + " named unfused)", e.getMessage());
    }

    @Test
    void thePackedWeightsAreCopiedToA64ByteBoundary() throws Exception {
        float[] w = new float[24 * 144], bias = new float[144];
        Arrays.fill(w, 0.5f);
        PackedWeights packed = KernelSets.vector().packPointwise(w, bias, 24, 144);
        PackedWeights copy = (PackedWeights) BuildAB.aligned(packed);
        assertTrue(aligned(copy.offset), "offset " + copy.offset);
        assertTrue(copy.data.length >= HeapLayout.largeArrayFloats(), "a large array");
        assertEquals(packed.length, copy.length);
        assertArrayEquals(Arrays.copyOfRange(packed.data, packed.offset,
                packed.offset + packed.length), Arrays.copyOfRange(copy.data, copy.offset,
                copy.offset + copy.length));
    }
}
