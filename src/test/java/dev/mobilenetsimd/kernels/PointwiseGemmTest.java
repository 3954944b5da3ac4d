package dev.mobilenetsimd.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The vector pointwise 1x1 GEMM against the scalar reference, at whatever vector width this JVM
 * runs ({@code -Dmobilenet.vectorBits}; the build repeats the kernel tests at 128, 256 and 512).
 *
 * <p><b>Tolerance.</b> Both backends sum the same terms (bias and the {@code cin} products, then
 * the residual after the activation) in different orders and with or without fused multiply-add, so
 * each is within {@code (cin + 2) * eps * M} of the exact result, where {@code M = |bias| +
 * |residual| + sum_ci |in * w|} and {@code eps = 2^-23} (RELU6 is 1-Lipschitz, so this holds after
 * it). The test allows both sides' error plus one rounding of the result: {@code tol = 2 * (cin +
 * 2) * eps * M + eps * |expected|}. NaN must match NaN.
 */
class PointwiseGemmTest {
    private static final KernelSet VECTOR = KernelSets.vector();
    private static final KernelSet SCALAR = KernelSets.scalar();
    private static final int LANES = VECTOR.vectorBitSize() / Float.SIZE;
    /** Taller than the tallest microkernel (14 rows) twice over, plus one: every pixel tail. */
    private static final int MAX_SMALL_PIXELS = 2 * 14 + 1;
    private static final float EPS = Math.ulp(1f);
    private static final float SENTINEL = -12345.5f;

    /** How the residual is passed. */
    private enum Residual { NONE, SEPARATE, ALIASES_OUT }

    /** One layer's canonical weights, packed by both backends. */
    private static final class Layer {
        final int cin, cout;
        final float[] w, bias;
        final PackedWeights vector, scalar;

        Layer(Random rnd, int cin, int cout, boolean withBias) {
            this.cin = cin;
            this.cout = cout;
            this.w = values(rnd, cin * cout, 1f);
            this.bias = withBias ? values(rnd, cout, 4f) : null;
            this.vector = VECTOR.packPointwise(w, bias, cin, cout);
            this.scalar = SCALAR.packPointwise(w, bias, cin, cout);
        }
    }

    /** Uniform in {@code [-scale, scale)}. */
    private static float[] values(Random rnd, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (rnd.nextFloat() * 2f - 1f) * scale;
        }
        return a;
    }

    @Test
    void everySmallShapeMatchesScalar() {
        Random rnd = new Random(1);
        int[] cins = {1, 3, 8, 17};
        int cases = 0;
        for (int cin : cins) {
            for (int cout = 1; cout <= 3 * LANES + 1; cout++) {
                Layer layer = new Layer(rnd, cin, cout, true);
                for (int pixels = 1; pixels <= MAX_SMALL_PIXELS; pixels++) {
                    // Cycle through activation x residual mode instead of the full product:
                    // every combination still meets every cout and pixel tail residue.
                    Activation act = Activation.values()[(pixels + cout) % 2];
                    Residual mode = Residual.values()[(pixels / 2 + cout + cin) % 3];
                    check(rnd, layer, pixels, act, mode, 3, 5);
                    cases++;
                }
            }
        }
        assertTrue(cases > 0);
    }

    @Test
    void everyPanelSplitMatchesScalar() {
        // Output widths of 1..14 vectors and some network ones (24, 36, 63), whole and ragged:
        // at 512 bits these cover panels of 5 and 6 vectors, mixes of both and every remainder
        // panel, each with pixel counts below, at and between the tile heights (4, 5, 6, 7).
        Random rnd = new Random(5);
        int[] vectorCounts = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 24, 36, 63};
        int i = 0;
        for (int v : vectorCounts) {
            for (int cout : new int[] {v * LANES, v * LANES - 3}) {
                if (cout < 1) {
                    continue;
                }
                Layer layer = new Layer(rnd, 1 + i % 3 * 11, cout, true);
                for (int pixels : new int[] {1, 3, 4, 5, 6, 9, 11, 23}) {
                    Activation act = Activation.values()[(pixels + i) % 2];
                    Residual mode = Residual.values()[(pixels + i) % 3];
                    check(rnd, layer, pixels, act, mode, 2, 1);
                    i++;
                }
            }
        }
    }

    @Test
    void constantInputChannelTilesMatchScalar() {
        // 16, 24 and 32 input channels into one vector of outputs take the tiles compiled with a
        // constant cin (block 1's projection); 15 and 33 the general tile beside them. Pixel
        // counts below, at and past the 14-row tile, with every activation and residual mode.
        Random rnd = new Random(8);
        int i = 0;
        for (int cin : new int[] {15, 16, 24, 32, 33}) {
            for (int cout : new int[] {1, LANES / 2, LANES - 1, LANES}) {
                Layer layer = new Layer(rnd, cin, cout, true);
                for (int pixels : new int[] {13, 14, 15, 28, 45}) {
                    Activation act = Activation.values()[i % 2];
                    Residual mode = Residual.values()[i / 2 % 3];
                    check(rnd, layer, pixels, act, mode, 1 + i % 4, 2);
                    check(rnd, layer, pixels, Activation.LINEAR, Residual.NONE, i % 3, 1);
                    i++;
                }
            }
        }
    }

    @Test
    void pointwiseRowsMatchesDensePointwiseAndLeavesTheGapsBetweenRows() {
        // Rows narrower and wider than a tile, so tiles end inside rows and straddle row ends;
        // the gap between output rows must keep its sentinels.
        Random rnd = new Random(6);
        int[] vectorCounts = {1, 2, 3, 4, 5, 6, 9, 12};
        int i = 0;
        for (int v : vectorCounts) {
            int cout = i % 2 == 0 ? v * LANES : v * LANES - 5;
            Layer layer = new Layer(rnd, 3 + i % 3 * 13, Math.max(1, cout), true);
            for (int rowPixels : new int[] {1, 2, 3, 7, 9, 14}) {
                for (int rows : new int[] {1, 2, 5}) {
                    Activation act = Activation.values()[(rows + rowPixels + i) % 2];
                    checkRows(rnd, layer, rows, rowPixels, 2 * layer.cout + 1, act);
                    checkRows(rnd, layer, rows, rowPixels, 0, act);
                }
            }
            i++;
        }
    }

    @Test
    void reluTilesAcrossRowEndsStoreEveryRowOnItsSideOfTheGap() {
        // A ReLU6 tile that crosses a row end (gapTile) stores its first `split` pixels in one
        // row and the rest past the gap. The test above uses full-lane widths only for some
        // panel sizes and never meets every split; odd row widths 5..15 over 8 rows end a row
        // after every pixel of the 4- to 7-pixel tiles, and full-lane layers of 2, 4, 5 and 6
        // vectors take the 7x2, 6x4, 5x5 and 4x6 tiles at whichever width has them.
        Random rnd = new Random(61);
        for (int v : new int[] {2, 4, 5, 6}) {
            Layer layer = new Layer(rnd, 7 + v, v * LANES, true);
            for (int rowPixels : new int[] {5, 7, 9, 11, 13, 15}) {
                checkRows(rnd, layer, 8, rowPixels, 2 * layer.cout + 1, Activation.RELU6);
            }
        }
    }

    private static void checkRows(Random rnd, Layer layer, int rows, int rowPixels, int gap,
                                  Activation act) {
        final int cin = layer.cin, cout = layer.cout, pixels = rows * rowPixels;
        final int inMargin = 3, outMargin = 2, stride = rowPixels * cout + gap;
        float[] in = values(rnd, inMargin + pixels * cin, 8f);
        float[] dense = new float[pixels * cout];
        SCALAR.pointwise(in, inMargin, pixels, layer.scalar, act, null, 0, dense, 0);

        float[] scalarRows = new float[outMargin + rows * stride + outMargin];
        Arrays.fill(scalarRows, SENTINEL);
        SCALAR.pointwiseRows(in, inMargin, rows, rowPixels, layer.scalar, act, scalarRows,
                outMargin, stride);
        float[] out = new float[outMargin + rows * stride + outMargin];
        Arrays.fill(out, SENTINEL);
        VECTOR.pointwiseRows(in, inMargin, rows, rowPixels, layer.vector, act, out, outMargin,
                stride);

        String what = "pointwiseRows cin=" + cin + " cout=" + cout + " rows=" + rows
                + " rowPixels=" + rowPixels + " gap=" + gap + " act=" + act + " lanes=" + LANES;
        for (int j = 0; j < out.length; j++) {
            int rel = j - outMargin;
            boolean inRow = rel >= 0 && rel < rows * stride && rel % stride < rowPixels * cout;
            if (!inRow) {
                assertEquals(SENTINEL, out[j],
                        "vector wrote outside the rows at " + j + ": " + what);
                assertEquals(SENTINEL, scalarRows[j], "scalar wrote outside the rows: " + what);
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < rowPixels * cout; j++) {
                assertEquals(Float.floatToIntBits(dense[r * rowPixels * cout + j]),
                        Float.floatToIntBits(scalarRows[outMargin + r * stride + j]),
                        "scalar rows differ from one dense call: " + what);
            }
            assertClose(dense, r * rowPixels * cout, out, outMargin + r * stride, in,
                    inMargin + r * rowPixels * cin, rowPixels, layer, null, 0, what + " row " + r);
        }
    }

    /**
     * Every vector tile computes {@code bias + sum} as one fused multiply-add chain in
     * input-channel order, so its outputs are bitwise those of {@link Math#fma} in that order,
     * whichever tiles a call mixes. At 512 bits this covers the 24-channel pair tiles (JDK 25)
     * and the 8-channel ones (JDK 25, and JDK 17 on x86), 14 pixels each, and the 2- and 1-vector
     * panels that take the pixels around them (row ends, tails), in dense calls with and without
     * residual, and in rows with margins.
     */
    @Test
    void pairTileLayersAreBitwiseAnFmaChain() {
        Random rnd = new Random(24);
        for (int[] shape : new int[][] {{1, 24}, {7, 24}, {96, 24}, {144, 24}, {1, 8}, {16, 8},
                {48, 8}}) {
            final int cin = shape[0];
            Layer layer = new Layer(rnd, cin, shape[1], true);
            for (int pixels : new int[] {1, 13, 14, 15, 28, 29, 56, 117, 196}) {
                for (Activation act : Activation.values()) {
                    for (Residual mode : Residual.values()) {
                        checkFmaChain(rnd, layer, pixels, act, mode);
                    }
                }
            }
            for (int rowPixels : new int[] {7, 14, 15, 28, 56}) {
                for (int rows : new int[] {1, 3}) {
                    checkFmaChainRows(rnd, layer, rows, rowPixels, Activation.RELU6);
                }
            }
        }
    }

    /** {@code act(bias + in . w)} with {@link Math#fma} in input-channel order. */
    private static float fmaChain(Layer layer, float[] in, int inOff, int co, Activation act) {
        float v = layer.bias[co];
        for (int ci = 0; ci < layer.cin; ci++) {
            v = Math.fma(in[inOff + ci], layer.w[ci * layer.cout + co], v);
        }
        return act == Activation.RELU6 ? Math.min(Math.max(v, 0f), 6f) : v;
    }

    private static void checkFmaChain(Random rnd, Layer layer, int pixels, Activation act,
                                      Residual mode) {
        final int cin = layer.cin, cout = layer.cout, n = pixels * cout;
        float[] in = values(rnd, 1 + pixels * cin, 8f);
        float[] res = values(rnd, n, 8f);
        float[] out = new float[n];
        float[] residual = mode == Residual.NONE ? null : mode == Residual.SEPARATE ? res : out;
        if (mode == Residual.ALIASES_OUT) {
            System.arraycopy(res, 0, out, 0, n);
        }
        VECTOR.pointwise(in, 1, pixels, layer.vector, act, residual, 0, out, 0);
        for (int p = 0; p < pixels; p++) {
            for (int co = 0; co < cout; co++) {
                float e = fmaChain(layer, in, 1 + p * cin, co, act);
                e = mode == Residual.NONE ? e : e + res[p * cout + co];
                assertEquals(Float.floatToIntBits(e), Float.floatToIntBits(out[p * cout + co]),
                        "pixel " + p + " channel " + co + ": cin=" + cin + " pixels=" + pixels
                                + " act=" + act + " residual=" + mode + " lanes=" + LANES);
            }
        }
    }

    private static void checkFmaChainRows(Random rnd, Layer layer, int rows, int rowPixels,
                                          Activation act) {
        final int cin = layer.cin, cout = layer.cout, stride = rowPixels * cout + 3;
        float[] in = values(rnd, rows * rowPixels * cin, 8f);
        float[] out = new float[rows * stride];
        Arrays.fill(out, SENTINEL);
        VECTOR.pointwiseRows(in, 0, rows, rowPixels, layer.vector, act, out, 0, stride);
        for (int r = 0; r < rows; r++) {
            for (int x = 0; x < rowPixels; x++) {
                for (int co = 0; co < cout; co++) {
                    float e = fmaChain(layer, in, (r * rowPixels + x) * cin, co, act);
                    assertEquals(Float.floatToIntBits(e),
                            Float.floatToIntBits(out[r * stride + x * cout + co]),
                            "row " + r + " pixel " + x + " channel " + co + ": cin=" + cin
                                    + " rowPixels=" + rowPixels + " lanes=" + LANES);
                }
            }
            for (int g = rowPixels * cout; g < stride; g++) {
                assertEquals(SENTINEL, out[r * stride + g], "wrote between rows");
            }
        }
    }

    @Test
    void tooManyOutputChannelsAreRejectedNotMisPacked() {
        // cin = 0 keeps the weights empty; two million channels exceed the panel count a plan holds
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.packPointwise(new float[0], null, 0, 2_000_000));
        assertTrue(e.getMessage().contains("too wide"), e.getMessage());
    }

    /**
     * Weights that fit one array but whose panels (each output channel rounded up to a whole
     * vector, plus a bias row) do not: refused, where the packed length wrapped to a negative
     * int (NegativeArraySizeException). One output channel takes a whole vector, so at 512 bits
     * 2^27 - 1 input channels, 512 MB of weights, need 2^31 packed floats; narrower vectors
     * waste less, and would need 1 or 2 GB of weights to get there.
     */
    @Test
    void packedPanelsPastOneArrayAreRefused() {
        assumeTrue(LANES == 16, "512-bit vectors only: 16 lanes per output channel");
        assumeTrue(Runtime.getRuntime().maxMemory() >= 2L << 30, "needs a heap of 2 GB");
        int cin = (1 << 27) - 1;
        float[] w = new float[cin];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.packPointwise(w, null, cin, 1));
        assertTrue(e.getMessage().contains("more than one Java array holds"), e.getMessage());
    }

    @Test
    void pointwiseRowsRejectsOverlappingOrEmptyRows() {
        Layer layer = new Layer(new Random(7), 4, 10, true);
        float[] in = new float[40], out = new float[100];
        for (KernelSet k : new KernelSet[] {VECTOR, SCALAR}) {
            PackedWeights w = k == VECTOR ? layer.vector : layer.scalar;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.pointwiseRows(in, 0, 2, 3, w, Activation.RELU6, out, 0, 29));
            assertTrue(e.getMessage().contains("outRowStride >= 30"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> k.pointwiseRows(in, 0, 2, 0, w, Activation.RELU6, out, 0, 30));
            assertThrows(IllegalArgumentException.class,
                    () -> k.pointwiseRows(in, 0, -1, 3, w, Activation.RELU6, out, 0, 30));
        }
    }

    @Test
    void allActivationAndResidualCombinationsOnTailShapes() {
        Random rnd = new Random(2);
        int[][] shapes = {{17, 1}, {9, LANES - 1}, {5, LANES + 3}, {96, 3 * LANES + 1},
                {33, 2 * LANES + 5}, {8, 4 * LANES + 7}};
        for (int[] s : shapes) {
            Layer layer = new Layer(rnd, s[0], s[1], true);
            for (Activation act : Activation.values()) {
                for (Residual mode : Residual.values()) {
                    for (int pixels : new int[] {1, 6, 7, 13, 15, 43}) {
                        check(rnd, layer, pixels, act, mode, 0, 0);
                        check(rnd, layer, pixels, act, mode, 11, 2);
                    }
                }
            }
        }
    }

    @Test
    void mobileNetV2ChannelCountsMatchScalar() {
        Random rnd = new Random(3);
        // (cin, cout) of every distinct MobileNetV2 1.0/224 1x1 layer.
        int[][] shapes = {{32, 16}, {16, 96}, {96, 24}, {24, 144}, {144, 24}, {144, 32},
                {32, 192}, {192, 32}, {192, 64}, {64, 384}, {384, 64}, {384, 96}, {96, 576},
                {576, 96}, {576, 160}, {160, 960}, {960, 160}, {960, 320}, {320, 1280}};
        int i = 0;
        for (int[] s : shapes) {
            Layer layer = new Layer(rnd, s[0], s[1], true);
            Activation act = i % 2 == 0 ? Activation.RELU6 : Activation.LINEAR;
            Residual mode = Residual.values()[i % 3];
            for (int pixels : new int[] {49, 50, 13}) {
                check(rnd, layer, pixels, act, mode, 0, 0);
            }
            i++;
        }
    }

    @Test
    void largeLayersMatchScalar() {
        Random rnd = new Random(4);
        // Real sizes: the first expansion (several cache chunks), a projection with residual.
        check(rnd, new Layer(rnd, 16, 96, true), 3136, Activation.RELU6, Residual.NONE, 0, 0);
        check(rnd, new Layer(rnd, 144, 24, true), 3136, Activation.LINEAR,
                Residual.ALIASES_OUT, 0, 0);
        check(rnd, new Layer(rnd, 960, 320, true), 49, Activation.LINEAR, Residual.SEPARATE, 7, 1);
        // A pixel count that is no multiple of any tile height or chunk.
        check(rnd, new Layer(rnd, 24, 3 * LANES + 1, true), 1001, Activation.RELU6,
                Residual.SEPARATE, 1, 1);
    }

    @Test
    void nullBiasMeansZeros() {
        Random rnd = new Random(5);
        for (int cout : new int[] {1, LANES, 2 * LANES + 3, 96}) {
            Layer layer = new Layer(rnd, 17, cout, false);
            for (Activation act : Activation.values()) {
                check(rnd, layer, 23, act, Residual.SEPARATE, 0, 0);
            }
            // And equal to packing explicit zeros.
            float[] in = values(rnd, 9 * 17, 8f);
            float[] a = new float[9 * cout], b = new float[9 * cout];
            VECTOR.pointwise(in, 0, 9, layer.vector, Activation.LINEAR, null, 0, a, 0);
            PackedWeights zeros = VECTOR.packPointwise(layer.w, new float[cout], 17, cout);
            VECTOR.pointwise(in, 0, 9, zeros, Activation.LINEAR, null, 0, b, 0);
            assertTrue(Arrays.equals(a, b), "null bias differs from zero bias, cout=" + cout);
        }
    }

    @Test
    void relu6ClampsAndKeepsNaNLikeMathMaxMin() {
        // One input channel with weight 0, so out = bias + 1 * 0 exactly (-0 becomes +0).
        float[] bias = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
                -3f, 3f, 6f, 6.5f, 1e30f, -1e30f, Float.MIN_VALUE, 5.999999f};
        int cout = bias.length;
        float[] w = new float[cout];
        PackedWeights packed = VECTOR.packPointwise(w, bias, 1, cout);
        int pixels = 9;
        float[] in = new float[pixels];
        Arrays.fill(in, 1f);
        float[] out = new float[pixels * cout];
        VECTOR.pointwise(in, 0, pixels, packed, Activation.RELU6, null, 0, out, 0);
        for (int p = 0; p < pixels; p++) {
            for (int co = 0; co < cout; co++) {
                float expected = Activation.RELU6.apply(bias[co] + 0f);
                assertEquals(Float.floatToIntBits(expected),
                        Float.floatToIntBits(out[p * cout + co]),
                        "relu6(" + bias[co] + ") at pixel " + p + ": got " + out[p * cout + co]);
            }
        }
        float[] linear = new float[pixels * cout];
        VECTOR.pointwise(in, 0, pixels, packed, Activation.LINEAR, null, 0, linear, 0);
        for (int co = 0; co < cout; co++) {
            assertEquals(Float.floatToIntBits(bias[co] + 0f), Float.floatToIntBits(linear[co]),
                    "linear(" + bias[co] + ")");
        }
    }

    @Test
    void writesOnlyItsOutputRegionUpToTheArrayEnd() {
        Random rnd = new Random(6);
        // Output ending exactly at the array end: masked tail stores must not overrun it.
        for (int cout : new int[] {1, LANES - 1, LANES + 1, 3 * LANES + 1, 24}) {
            Layer layer = new Layer(rnd, 5, cout, true);
            int pixels = 15;
            float[] in = values(rnd, pixels * 5, 8f);
            float[] out = new float[3 + pixels * cout];
            Arrays.fill(out, SENTINEL);
            float[] residual = values(rnd, pixels * cout, 8f);
            VECTOR.pointwise(in, 0, pixels, layer.vector, Activation.RELU6, residual, 0, out, 3);
            float[] expected = new float[pixels * cout];
            SCALAR.pointwise(in, 0, pixels, layer.scalar, Activation.RELU6, residual, 0,
                    expected, 0);
            for (int i = 0; i < 3; i++) {
                assertEquals(SENTINEL, out[i], "wrote before the output region");
            }
            assertClose(expected, 0, out, 3, in, 0, pixels, layer, residual, 0,
                    "array end, cout=" + cout);
        }
    }

    @Test
    void zeroInputChannelsGiveActivatedBias() {
        Random rnd = new Random(9);
        for (int cout : new int[] {1, LANES + 1, 3 * LANES + 1}) {
            Layer layer = new Layer(rnd, 0, cout, true);
            for (Activation act : Activation.values()) {
                check(rnd, layer, 15, act, Residual.SEPARATE, 0, 1);
            }
        }
    }

    @Test
    void zeroPixelsWritesNothing() {
        Layer layer = new Layer(new Random(7), 8, 8, true);
        float[] out = new float[64];
        Arrays.fill(out, SENTINEL);
        VECTOR.pointwise(new float[64], 0, 0, layer.vector, Activation.RELU6, null, 0, out, 0);
        for (float v : out) {
            assertEquals(SENTINEL, v);
        }
    }

    @Test
    void rejectsWeightsPackedByAnotherBackend() {
        Layer layer = new Layer(new Random(8), 4, 8, true);
        float[] in = new float[4], out = new float[8];
        assertThrows(IllegalArgumentException.class, () ->
                VECTOR.pointwise(in, 0, 1, layer.scalar, Activation.LINEAR, null, 0, out, 0));
        assertThrows(IllegalArgumentException.class, () ->
                SCALAR.pointwise(in, 0, 1, layer.vector, Activation.LINEAR, null, 0, out, 0));
        assertTrue(layer.vector.layout.contains(Integer.toString(VECTOR.vectorBitSize())),
                "layout names the width: " + layer.vector.layout);
    }

    @Test
    void packRejectsWrongLengths() {
        assertThrows(IllegalArgumentException.class,
                () -> VECTOR.packPointwise(new float[5], null, 2, 3));
        assertThrows(IllegalArgumentException.class,
                () -> VECTOR.packPointwise(new float[6], new float[2], 2, 3));
    }

    /**
     * Runs one case at the given offsets (margins before the regions) and compares with scalar;
     * also checks nothing outside the output region was written.
     */
    private static void check(Random rnd, Layer layer, int pixels, Activation act, Residual mode,
                              int inMargin, int outMargin) {
        final int cin = layer.cin, cout = layer.cout;
        final int n = pixels * cout;
        float[] in = new float[inMargin + pixels * cin + 2];
        float[] inValues = values(rnd, in.length, 8f); // beyond +-6 both ways before the weights
        System.arraycopy(inValues, 0, in, 0, in.length);
        float[] residualValues = values(rnd, n, 8f);

        float[] expected = new float[n];
        SCALAR.pointwise(in, inMargin, pixels, layer.scalar, act,
                mode == Residual.NONE ? null : residualValues, 0, expected, 0);

        float[] out = new float[outMargin + n + outMargin];
        Arrays.fill(out, SENTINEL);
        float[] residual = null;
        int residualOff = 0;
        if (mode == Residual.SEPARATE) {
            residual = new float[1 + n];
            System.arraycopy(residualValues, 0, residual, 1, n);
            residualOff = 1;
        } else if (mode == Residual.ALIASES_OUT) {
            System.arraycopy(residualValues, 0, out, outMargin, n);
            residual = out;
            residualOff = outMargin;
        }
        VECTOR.pointwise(in, inMargin, pixels, layer.vector, act, residual, residualOff, out,
                outMargin);

        String what = "cin=" + cin + " cout=" + cout + " pixels=" + pixels + " act=" + act
                + " residual=" + mode + " lanes=" + LANES;
        for (int i = 0; i < outMargin; i++) {
            assertEquals(SENTINEL, out[i], "wrote before the output: " + what);
            assertEquals(SENTINEL, out[outMargin + n + i], "wrote after the output: " + what);
        }
        assertClose(expected, 0, out, outMargin, in, inMargin, pixels, layer,
                mode == Residual.NONE ? null : residualValues, 0, what);
    }

    private static void assertClose(float[] expected, int expOff, float[] actual, int actOff,
                                    float[] in, int inOff, int pixels, Layer layer,
                                    float[] residual, int resOff, String what) {
        final int cin = layer.cin, cout = layer.cout;
        for (int p = 0; p < pixels; p++) {
            for (int co = 0; co < cout; co++) {
                float e = expected[expOff + p * cout + co];
                float a = actual[actOff + p * cout + co];
                if (Float.isNaN(e) || Float.isNaN(a)) {
                    if (Float.isNaN(e) != Float.isNaN(a)) {
                        fail("NaN mismatch at pixel " + p + " channel " + co + ": expected " + e
                                + ", got " + a + " (" + what + ")");
                    }
                    continue;
                }
                double magnitude = layer.bias == null ? 0 : Math.abs(layer.bias[co]);
                if (residual != null) {
                    magnitude += Math.abs(residual[resOff + p * cout + co]);
                }
                for (int ci = 0; ci < cin; ci++) {
                    magnitude += Math.abs((double) in[inOff + p * cin + ci]
                            * layer.w[ci * cout + co]);
                }
                double tol = 2.0 * (cin + 2) * EPS * magnitude + EPS * Math.abs(e);
                if (Math.abs((double) e - a) > tol) {
                    fail("pixel " + p + " channel " + co + ": expected " + e + ", got " + a
                            + " (tol " + tol + "; " + what + ")");
                }
            }
        }
    }
}
