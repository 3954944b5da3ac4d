package dev.mobilenetsimd.kernels;

import static dev.mobilenetsimd.kernels.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Vector depthwise 3x3 against the scalar oracle over exhaustive small shapes: every channel
 * count 1 .. 3 * lanes + 1 plus the real MobileNetV2 ones, H and W in {1,2,3,4,5,7,8,15,16},
 * strides 1 and 2, padLeft 0 and 1 (padTop alike; rows outside the input read a zero row), with
 * activation and bias cycling through (RELU6 | LINEAR) x (bias | null). Inputs span [-8, 8] so
 * sums go negative and above 6. Tolerance: see {@link KernelTestSupport} (10 terms: bias + 9
 * taps, so 12 eps relative to sum|a*w| + |bias|).
 */
class Depthwise3x3Test {
    /**
     * -Dmobilenet.test.quick=true (used under emulation)
     * thins the size grid; channel counts stay whole.
     */
    private static final boolean QUICK = Boolean.getBoolean("mobilenet.test.quick");
    private static final int[] SIZES =
            QUICK ? new int[] {1, 2, 3, 8} : new int[] {1, 2, 3, 4, 5, 7, 8, 15, 16};
    private final KernelSet vec = KernelSets.vector();
    private final KernelSet ref = KernelSets.scalar();

    @Test
    void matchesScalarOnAllSmallShapes() {
        SplittableRandom r = new SplittableRandom(42);
        int variant = 0, layers = 0;
        for (int c : channelCounts(16, 24, 32, 96, 144, 960)) {
            // The real counts are large: give them a thinned size grid to bound the run time.
            int[] sizes = c > 3 * lanes() + 1 && !QUICK ? new int[] {1, 2, 3, 5, 8, 16} : SIZES;
            for (int h : sizes) {
                for (int w : sizes) {
                    for (int stride = 1; stride <= 2; stride++) {
                        for (int pad = 0; pad <= 1; pad++) {
                            check(r, c, h, w, stride, pad, variant++);
                            layers++;
                        }
                    }
                }
            }
        }
        assertTrue(layers > 1000, "ran " + layers + " layers");
    }

    @Test
    void realShapesAtReducedHeight() {
        // The real widths (the interior sweep and both borders at full row length).
        int[][] shapes = {{112, 32, 1}, {112, 96, 2}, {56, 144, 1}, {56, 144, 2}, {28, 192, 1},
                {28, 192, 2}, {14, 384, 1}, {14, 576, 1}, {14, 576, 2}, {7, 960, 1}};
        SplittableRandom r = new SplittableRandom(7);
        int variant = 0;
        for (int[] s : shapes) {
            int pad = s[2] == 2 ? 0 : 1; // TF-SAME: stride 2 on even input pads 0 left, 1 right
            check(r, s[1], 3, s[0], s[2], pad, variant++);
            check(r, s[1], 3, s[0], s[2], 1, variant++);
        }
    }

    private void check(SplittableRandom r, int c, int h, int w, int stride, int pad, int variant) {
        Activation act = (variant & 1) == 0 ? Activation.RELU6 : Activation.LINEAR;
        boolean withBias = (variant & 2) == 0;
        int pre = 3 + variant % 5;
        int outH = (h + stride - 1) / stride, outW = (w + stride - 1) / stride;
        float[] in = depthwiseInput(r, pre, h, w, c);
        float[] wt = random(r, 9 * c, -1f, 1f);
        float[] bias = withBias ? random(r, c, -2f, 2f) : null;
        float[] expected = depthwiseLayer(ref, in, pre, h, w, c, stride, pad, pad, outH, outW,
                ref.packDepthwise(wt, bias, c), act);
        float[] actual = depthwiseLayer(vec, in, pre, h, w, c, stride, pad, pad, outH, outW,
                vec.packDepthwise(wt, bias, c), act);
        float[] mag = depthwiseLayer(ref, absTensor(in, pre), pre, h, w, c, stride, pad, pad,
                outH, outW, ref.packDepthwise(abs(wt), abs(bias), c), Activation.LINEAR);
        assertClose("c=" + c + " h=" + h + " w=" + w + " stride=" + stride + " pad=" + pad
                + " " + act + (withBias ? "" : " null bias"), expected, actual, mag, 10);
    }

    @Test
    void relu6ClampsBothEnds() {
        // One channel, all taps 1: a 3x3 window of 2s sums to 18 -> 6; of -2s to -18 -> 0.
        int c = 1, w = 3;
        float[] wt = filled(9, 1f);
        for (float v : new float[] {2f, -2f}) {
            float[] in = filled(3 * w * c, v);
            float[] out = new float[w];
            vec.depthwiseRow(in, 0, w, 2 * w, w, 1, 1, vec.packDepthwise(wt, null, c),
                    Activation.RELU6, out, 0, w);
            float want = v > 0 ? 6f : 0f;
            for (float o : out) {
                assertEquals(want, o);
            }
        }
    }

    @Test
    void rejectsWeightsPackedByAnotherBackend() {
        PackedWeights scalarPacked = ref.packDepthwise(new float[9], null, 1);
        assertThrows(IllegalArgumentException.class, () -> vec.depthwiseRow(new float[9], 0, 0, 0,
                3, 1, 1, scalarPacked, Activation.LINEAR, new float[3], 0, 3));
        assertThrows(IllegalArgumentException.class,
                () -> vec.packDepthwise(new float[8], null, 1));
    }

    /**
     * A channel count whose 9 taps pass int range is refused as the contract says, not taken for
     * the few weights its product wraps to (9 * 1908874354 is 2 as an int).
     */
    @Test
    void refusesAChannelCountWhoseWeightsPassIntRange() {
        for (KernelSet k : new KernelSet[] {ref, vec}) {
            assertThrows(IllegalArgumentException.class,
                    () -> k.packDepthwise(new float[2], null, 1_908_874_354), k.name());
        }
    }
}
