package dev.mobilenetsimd.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Weights stored inside a larger array ({@link PackedWeights#copyTo}, as the runtime's weight
 * store does) compute bitwise what the freshly packed weights compute, for every kernel of both
 * kernel sets. The store is NaN outside the copied range, so a kernel that read from index 0
 * instead of {@link PackedWeights#offset}, or past its layer, would turn outputs into NaN.
 */
class PackedWeightsOffsetTest {
    private static final KernelSet[] SETS = {KernelSets.vector(), KernelSets.scalar()};
    private static final int CASES = 40;

    private static float[] random(SplittableRandom r, int n) {
        return KernelTestSupport.random(r, n, -2f, 2f);
    }

    /** {@code pw} copied to a NaN-filled array at a random offset, with NaN after it too. */
    private static PackedWeights relocated(SplittableRandom r, PackedWeights pw) {
        int at = r.nextInt(1, 40);
        float[] store = new float[at + pw.length + r.nextInt(1, 40)];
        Arrays.fill(store, Float.NaN);
        PackedWeights moved = pw.copyTo(store, at);
        assertSame(store, moved.data);
        assertEquals(at, moved.offset);
        assertEquals(pw.length, moved.length);
        return moved;
    }

    /** Runs {@code kernel} with the packed and the relocated weights on copies of {@code out}. */
    private static void assertSameOutput(String what, float[] out, PackedWeights pw,
                                         PackedWeights moved,
                                         BiConsumer<PackedWeights, float[]> kernel) {
        float[] a = out.clone(), b = out.clone();
        kernel.accept(pw, a);
        kernel.accept(moved, b);
        assertArrayEquals(a, b, what);
        for (float v : a) {
            assertTrue(!Float.isNaN(v), what + ": NaN with the original weights");
        }
    }

    @Test
    void pointwiseAndPointwiseRows() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < CASES; i++) {
            int cin = i == 0 ? 0 : r.nextInt(1, 70);
            int cout = r.nextInt(1, 200);
            int rowPixels = r.nextInt(1, 20), rows = r.nextInt(1, 4);
            int pixels = rowPixels * rows;
            float[] w = random(r, cin * cout), bias = random(r, cout);
            float[] in = random(r, pixels * cin), res = random(r, pixels * cout);
            Activation act = r.nextBoolean() ? Activation.RELU6 : Activation.LINEAR;
            int stride = rowPixels * cout + r.nextInt(3);
            for (KernelSet k : SETS) {
                PackedWeights pw = k.packPointwise(w, bias, cin, cout);
                PackedWeights moved = relocated(r, pw);
                String what = k.name() + " pointwise cin=" + cin + " cout=" + cout;
                assertSameOutput(what, new float[pixels * cout], pw, moved,
                        (p, out) -> k.pointwise(in, 0, pixels, p, act, res, 0, out, 0));
                assertSameOutput(what + " rows", new float[rows * stride], pw, moved,
                        (p, out) -> k.pointwiseRows(in, 0, rows, rowPixels, p, act, out, 0,
                                stride));
            }
        }
    }

    @Test
    void depthwiseRowAndRowPair() {
        SplittableRandom r = new SplittableRandom(12);
        for (int i = 0; i < CASES; i++) {
            int c = r.nextInt(1, 100), inW = r.nextInt(1, 40), stride = r.nextInt(1, 3);
            int padLeft = r.nextInt(2);
            int outW = Math.max(1, (inW + 2 * padLeft - 3) / stride + 1);
            float[] w = random(r, 9 * c), bias = random(r, c);
            int row = inW * c;
            float[] src = random(r, 5 * row);
            Activation act = r.nextBoolean() ? Activation.RELU6 : Activation.LINEAR;
            for (KernelSet k : SETS) {
                PackedWeights pw = k.packDepthwise(w, bias, c);
                PackedWeights moved = relocated(r, pw);
                String what = k.name() + " depthwise c=" + c + " inW=" + inW + " s=" + stride;
                assertSameOutput(what, new float[outW * c], pw, moved,
                        (p, out) -> k.depthwiseRow(src, 0, row, 2 * row, inW, stride, padLeft, p,
                                act, out, 0, outW));
                assertSameOutput(what + " pair", new float[2 * outW * c], pw, moved,
                        (p, out) -> k.depthwiseRowPair(src, 0, row, 2 * row, 3 * row, 4 * row,
                                inW, stride, padLeft, p, act, out, 0, outW * c, outW));
            }
        }
    }

    @Test
    void conv3x3() {
        SplittableRandom r = new SplittableRandom(13);
        for (int i = 0; i < CASES; i++) {
            int cin = r.nextInt(1, 5), cout = r.nextInt(1, 70);
            int inH = r.nextInt(1, 12), inW = r.nextInt(1, 30), stride = r.nextInt(1, 3);
            int outH = (inH + 2 - 3) / stride + 1, outW = (inW + 2 - 3) / stride + 1;
            float[] w = random(r, 9 * cin * cout), bias = random(r, cout);
            float[] in = random(r, inH * inW * cin);
            for (KernelSet k : SETS) {
                PackedWeights pw = k.packConv3x3(w, bias, cin, cout);
                PackedWeights moved = relocated(r, pw);
                assertSameOutput(k.name() + " conv3x3 cin=" + cin + " cout=" + cout,
                        new float[outH * outW * cout], pw, moved,
                        (p, out) -> k.conv3x3(in, 0, inH, inW, stride, 1, 1, p,
                                Activation.RELU6, out, 0, outH, outW, 0, outH));
            }
        }
    }

    @Test
    void dense() {
        SplittableRandom r = new SplittableRandom(14);
        for (int i = 0; i < CASES; i++) {
            int n = r.nextInt(1, 300), classes = r.nextInt(1, 300);
            float[] w = random(r, n * classes), bias = random(r, classes), in = random(r, n);
            for (KernelSet k : SETS) {
                PackedWeights pw = k.packDense(w, bias, n, classes);
                PackedWeights moved = relocated(r, pw);
                assertSameOutput(k.name() + " dense " + n + "->" + classes, new float[classes],
                        pw, moved, (p, out) -> k.dense(in, 0, p, out, 0));
            }
        }
    }

    @Test
    void rangesOutsideTheArrayAreRejected() {
        float[] data = new float[10];
        assertThrows(IllegalArgumentException.class,
                () -> new PackedWeights("x", 1, 1, data, 4, 7));
        assertThrows(IllegalArgumentException.class,
                () -> new PackedWeights("x", 1, 1, data, -1, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new PackedWeights("x", 1, 1, data, 2, -1));
        PackedWeights pw = new PackedWeights("x", 1, 1, data, 2, 8);
        assertThrows(IllegalArgumentException.class, () -> pw.copyTo(new float[9], 2));
        assertThrows(IllegalArgumentException.class, () -> pw.copyTo(new float[9], -1));
        assertEquals(8, pw.copyTo(new float[9], 1).length);
    }

    /** Negative channels, or fewer floats than a bias per output channel, are named. */
    @Test
    void theConstructorsCheckTheChannelsAgainstTheFloats() {
        float[] data = new float[10];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PackedWeights("x", -1, 2, data));
        assertEquals("packed weights of -1 -> 2 channels: expected channel counts of 0 or more",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PackedWeights("x", 2, -2, data));
        e = assertThrows(IllegalArgumentException.class,
                () -> new PackedWeights("x", 3, 11, data));
        assertEquals("packed weights of 3 -> 11 channels in 10 floats: expected at least 11, a"
                + " bias per output channel", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new PackedWeights("x", 1, 5, data, 6, 4));
        assertTrue(e.getMessage().contains("in 4 floats: expected at least 5"), e.getMessage());
        assertEquals("data", assertThrows(NullPointerException.class,
                () -> new PackedWeights("x", 1, 1, null)).getMessage());
        assertEquals(10, new PackedWeights("x", 3, 10, data).length);
    }

    /**
     * Weights of a kernel set's layout name but the wrong length for their channels (a float
     * short, one too many, or channels that claim more than was packed) are refused by every
     * kernel of both sets, naming the lengths: requireLayout checked the name only, and the
     * kernels read past the floats (an ArrayIndexOutOfBoundsException) or short of them.
     */
    @Test
    void weightsOfTheRightLayoutButTheWrongLengthAreRefused() {
        SplittableRandom r = new SplittableRandom(15);
        for (KernelSet k : SETS) {
            float[] in = random(r, 4096), out = new float[4096];
            PackedWeights pointwise = k.packPointwise(random(r, 40 * 24), random(r, 24), 40, 24);
            for (PackedWeights bad : wrongLengths(pointwise)) {
                refused(k, "pointwise", bad, () -> k.pointwise(in, 0, 2, bad, Activation.RELU6,
                        null, 0, out, 0));
                refused(k, "pointwiseChannels", bad, () -> k.pointwiseChannels(in, 0, 2, bad,
                        0, bad.outChannels, Activation.LINEAR, null, 0, out, 0));
                refused(k, "pointwiseChannelBlocks", bad, () -> k.pointwiseChannelBlocks(bad));
                refused(k, "pointwiseRows", bad, () -> k.pointwiseRows(in, 0, 2, 3, bad,
                        Activation.RELU6, out, 0, 3 * bad.outChannels));
            }
            PackedWeights depthwise = k.packDepthwise(random(r, 9 * 20), random(r, 20), 20);
            for (PackedWeights bad : wrongLengths(depthwise)) {
                refused(k, "depthwiseRow", bad, () -> k.depthwiseRow(in, 0, 100, 200, 4, 1, 1,
                        bad, Activation.RELU6, out, 0, 4));
                refused(k, "depthwiseRowChannels", bad, () -> k.depthwiseRowChannels(in, 0, 100,
                        200, 4, 1, 1, bad, 0, bad.inChannels, Activation.RELU6, out, 0, 4));
            }
            PackedWeights conv = k.packConv3x3(random(r, 9 * 3 * 16), random(r, 16), 3, 16);
            for (PackedWeights bad : wrongLengths(conv)) {
                refused(k, "conv3x3", bad, () -> k.conv3x3(in, 0, 4, 4, 1, 1, 1, bad,
                        Activation.RELU6, out, 0, 4, 4, 0, 4));
            }
            PackedWeights dense = k.packDense(random(r, 30 * 7), random(r, 7), 30, 7);
            for (PackedWeights bad : wrongLengths(dense)) {
                refused(k, "dense", bad, () -> k.dense(in, 0, bad, out, 0));
            }
        }
    }

    /** {@code pw}'s layout with a float less, a float more, and more channels than packed. */
    private static PackedWeights[] wrongLengths(PackedWeights pw) {
        float[] d = Arrays.copyOfRange(pw.data, pw.offset, pw.offset + pw.length);
        return new PackedWeights[] {
            new PackedWeights(pw.layout, pw.inChannels, pw.outChannels,
                    Arrays.copyOf(d, d.length - 1)),
            new PackedWeights(pw.layout, pw.inChannels, pw.outChannels,
                    Arrays.copyOf(d, d.length + 1)),
            // twice the channels and one more: more blocks of lanes, whatever the width
            new PackedWeights(pw.layout, 2 * pw.inChannels + 1, 2 * pw.outChannels + 1, d),
        };
    }

    private static void refused(KernelSet k, String kernel, PackedWeights bad,
                                org.junit.jupiter.api.function.Executable call) {
        String what = k.name() + " " + kernel + " of " + bad.inChannels + " -> "
                + bad.outChannels + " channels in " + bad.length + " floats";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, what);
        assertTrue(e.getMessage().startsWith("weights packed as '" + bad.layout + "' for "
                + bad.inChannels + " -> " + bad.outChannels + " channels hold " + bad.length
                + " floats, where that layout has "), what + ": " + e.getMessage());
    }
}
