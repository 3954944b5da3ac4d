package dev.mobilenetsimd.kernels;

import static dev.mobilenetsimd.kernels.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Vector full 3x3 convolution against the scalar oracle: cout 1 .. 3 * lanes + 1 plus the stem
 * counts 8..48, cin 3 (the stem) and 1, 2, 4; H and W in {1,2,3,4,5,7,8,15,16}; strides 1 and 2;
 * padTop and padLeft 0 or 1 each; the whole output or a band of rows (rows outside the band
 * must stay untouched); activation and bias cycling through (RELU6 | LINEAR) x (bias | null).
 * Tolerance: see {@link KernelTestSupport}, with {@code 9 * cin + 1} terms.
 */
class Conv3x3Test {
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
    void stemMatchesScalarOnAllSmallShapes() {
        SplittableRandom r = new SplittableRandom(3);
        int variant = 0;
        for (int cout : channelCounts(8, 16, 24, 32, 40, 48)) {
            for (int h : SIZES) {
                for (int w : SIZES) {
                    for (int stride = 1; stride <= 2; stride++) {
                        for (int pads = 0; pads < 4; pads += QUICK ? 3 : 1) {
                            check(r, 3, cout, h, w, stride, pads >> 1, pads & 1, variant++);
                        }
                    }
                }
            }
        }
    }

    @Test
    void otherInputChannelCounts() {
        SplittableRandom r = new SplittableRandom(4);
        int l = lanes();
        int variant = 0;
        for (int cin : new int[] {1, 2, 4}) {
            for (int cout : new int[] {1, l - 1, l, l + 1, 2 * l, 2 * l + 3, 3 * l}) {
                if (cout < 1) {
                    continue;
                }
                for (int hw : new int[] {1, 3, 8, 15}) {
                    for (int stride = 1; stride <= 2; stride++) {
                        check(r, cin, cout, hw, hw + 1, stride, 1, stride - 1, variant++);
                    }
                }
            }
        }
    }

    @Test
    void stemAtRealWidth() {
        // 224 wide, a few rows: the interior sweep at full length, TF-SAME padding (0 top/left).
        SplittableRandom r = new SplittableRandom(5);
        check(r, 3, 32, 6, 224, 2, 0, 0, 0);
        check(r, 3, 32, 6, 224, 2, 1, 1, 1);
        check(r, 3, 48, 5, 224, 2, 0, 0, 2);
        check(r, 3, 16, 5, 224, 2, 1, 1, 3); // one block at 512 bits (widths 0.35 and 0.5)
    }

    private void check(SplittableRandom r, int cin, int cout, int h, int w, int stride,
                       int padTop, int padLeft, int variant) {
        Activation act = (variant & 1) == 0 ? Activation.RELU6 : Activation.LINEAR;
        boolean withBias = (variant & 2) == 0;
        int outH = (h + stride - 1) / stride, outW = (w + stride - 1) / stride;
        // Odd variants compute a band of rows only; everything else must stay untouched.
        int rowStart = (variant & 4) != 0 && outH > 2 ? 1 : 0;
        int rowEnd = (variant & 4) != 0 && outH > 2 ? outH - 1 : outH;
        int inOff = 1 + variant % 3, outOff = 2 + variant % 4;
        float[] in = new float[inOff + h * w * cin];
        System.arraycopy(random(r, h * w * cin, -8f, 8f), 0, in, inOff, h * w * cin);
        float[] wt = random(r, 9 * cin * cout, -1f, 1f);
        float[] bias = withBias ? random(r, cout, -2f, 2f) : null;
        float[] expected = run(ref, in, inOff, h, w, stride, padTop, padLeft,
                ref.packConv3x3(wt, bias, cin, cout), act, outOff, outH, outW, cout,
                rowStart, rowEnd);
        float[] actual = run(vec, in, inOff, h, w, stride, padTop, padLeft,
                vec.packConv3x3(wt, bias, cin, cout), act, outOff, outH, outW, cout,
                rowStart, rowEnd);
        float[] mag = run(ref, abs(in), inOff, h, w, stride, padTop, padLeft,
                ref.packConv3x3(abs(wt), abs(bias), cin, cout), Activation.LINEAR, outOff, outH,
                outW, cout, rowStart, rowEnd);
        assertClose("cin=" + cin + " cout=" + cout + " h=" + h + " w=" + w + " stride=" + stride
                + " padTop=" + padTop + " padLeft=" + padLeft + " rows=[" + rowStart + ","
                + rowEnd + ") " + act + (withBias ? "" : " null bias"), expected, actual, mag,
                9 * cin + 1);
    }

    private static float[] run(KernelSet k, float[] in, int inOff, int h, int w, int stride,
                               int padTop, int padLeft, PackedWeights pw, Activation act,
                               int outOff, int outH, int outW, int cout, int rowStart, int rowEnd) {
        float[] out = filled(outOff + outH * outW * cout + 5, SENTINEL);
        k.conv3x3(in, inOff, h, w, stride, padTop, padLeft, pw, act, out, outOff, outH, outW,
                rowStart, rowEnd);
        return out;
    }

    /**
     * {@code conv3x3Rows} with rows written apart (a gap after each, as in a fused block's ring):
     * each row bitwise the dense call's row, and nothing between or around the rows written.
     */
    @Test
    void rowsWrittenApartMatchTheDenseOutput() {
        SplittableRandom r = new SplittableRandom(6);
        for (KernelSet k : List.of(vec, ref)) {
            for (int cout : new int[] {8, 32, lanes() + 3}) {
                final int cin = 3, h = 9, w = 13, stride = 2, outH = 5, outW = 7;
                float[] in = random(r, h * w * cin, -8f, 8f);
                PackedWeights pw = k.packConv3x3(random(r, 9 * cin * cout, -1f, 1f),
                        random(r, cout, -2f, 2f), cin, cout);
                float[] dense = new float[outH * outW * cout];
                k.conv3x3(in, 0, h, w, stride, 1, 1, pw, Activation.RELU6, dense, 0, outH, outW,
                        0, outH);
                final int rowFloats = outW * cout, apartFloats = rowFloats + cout + 5, off = 7;
                final int first = 1, rows = 3;
                float[] apart = filled(off + rows * apartFloats, SENTINEL);
                k.conv3x3Rows(in, 0, h, w, stride, 1, 1, pw, Activation.RELU6, apart, off,
                        apartFloats, outW, first, first + rows);
                for (int i = 0; i < apart.length; i++) {
                    int row = i < off ? -1 : (i - off) / apartFloats;
                    int col = i - off - row * apartFloats;
                    float expected = row >= 0 && col < rowFloats
                            ? dense[(first + row) * rowFloats + col] : SENTINEL;
                    int fi = i;
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(apart[i]),
                            () -> k.name() + " cout=" + cout + ": float " + fi + " is " + apart[fi]
                                    + ", expected " + expected);
                }
            }
        }
    }

    @Test
    void rejectsOverlappingRows() {
        for (KernelSet k : List.of(vec, ref)) {
            PackedWeights pw = k.packConv3x3(new float[27 * 8], null, 3, 8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.conv3x3Rows(new float[27], 0, 3, 3, 1, 1, 1, pw, Activation.LINEAR,
                            new float[72], 0, 3 * 8 - 1, 3, 0, 3));
            assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        }
    }

    @Test
    void rejectsWeightsPackedByAnotherBackend() {
        PackedWeights scalarPacked = ref.packConv3x3(new float[27 * 8], null, 3, 8);
        assertThrows(IllegalArgumentException.class, () -> vec.conv3x3(new float[27], 0, 3, 3, 1,
                1, 1, scalarPacked, Activation.LINEAR, new float[72], 0, 3, 3, 0, 3));
    }
}
