package dev.mobilenetsimd.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The 6x2 and 7x1 GEMM tiles, which only CPUs with 16 vector registers (AVX2, SSE) run: on an
 * AVX-512 or AArch64 test host {@code PointwiseGemm.WIDE_REGISTER_FILE} is true at every
 * {@code -Dmobilenet.vectorBits}, so no pointwise test reaches them. Called directly here, each
 * tile row must be bitwise the one-row tile of the same panel on that pixel (both start at the
 * bias and add the input channels in increasing order with FMAs).
 */
class NarrowRegisterFileTilesTest {
    private static final int L = VectorWidth.LANES;
    private static final float SENTINEL = -12345.678f;

    @Test
    void sixByTwoRowsAreTheOneRowTile() {
        check(GemmMr6Nr2v.ROWS, GemmMr6Nr2v.VECTORS, GemmMr6Nr2v::tile, GemmMr1Nr2v::tile);
    }

    @Test
    void sevenByOneRowsAreTheOneRowTile() {
        check(GemmMr7Nr1v.ROWS, GemmMr7Nr1v.VECTORS, GemmMr7Nr1v::tile, GemmMr1Nr1v::tile);
    }

    private interface Tile {
        void run(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] scratch);
    }

    private static void check(int rows, int vectors, Tile tile, Tile oneRow) {
        SplittableRandom r = new SplittableRandom(rows * 31 + vectors);
        final int panel = vectors * L;
        for (int cin : new int[] {1, 2, 3, 8, 17, 64}) {
            // offsets: the tile must read from inOff and panelOff, not from 0
            int inOff = 3, panelOff = 5;
            float[] in = random(r, inOff + rows * cin);
            float[] wd = random(r, panelOff + (cin + 1) * panel); // cin weight rows + bias
            float[] got = new float[rows * panel + L];
            java.util.Arrays.fill(got, SENTINEL);
            tile.run(in, inOff, cin, wd, panelOff, got);
            float[] one = new float[panel];
            for (int p = 0; p < rows; p++) {
                oneRow.run(in, inOff + p * cin, cin, wd, panelOff, one);
                for (int i = 0; i < panel; i++) {
                    assertEquals(one[i], got[p * panel + i], "cin " + cin + ", pixel " + p
                            + ", channel " + i);
                }
            }
            for (int i = rows * panel; i < got.length; i++) {
                assertEquals(SENTINEL, got[i], "scratch written past the tile at " + i);
            }
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return a;
    }
}
