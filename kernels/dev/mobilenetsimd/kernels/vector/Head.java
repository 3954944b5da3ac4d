package dev.mobilenetsimd.kernels.vector;

import static dev.mobilenetsimd.kernels.vector.VectorWidth.MASKED_MEMORY_INTRINSICS;
import static dev.mobilenetsimd.kernels.vector.VectorWidth.TAIL_SCRATCH;

import dev.mobilenetsimd.kernels.PackedWeights;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The network head: global average pool and the classifier GEMV.
 *
 * <p>Pool: channels along the lanes, four vectors of channels per sweep over the pixels (four
 * independent add chains), then single vectors, then one masked tail. Summation order per
 * channel is the scalar one (pixel 0 upwards, then one division), so results match it exactly.
 *
 * <p>Dense: memory-bound (1280 x 1001 floats = 5 MB, far beyond L2), so the packing exists to
 * make the weight stream strictly sequential: outputs are grouped in tiles of four vectors and
 * each tile's weights are stored input-major ({@code [i][4 * LANES]}), so the kernel reads one
 * contiguous run per tile, broadcasting {@code in[i]} into four FMAs. Leftover blocks (fewer than
 * four full vectors, plus the zero-padded partial one) are stored {@code [i][LANES]} each; only
 * the last store is masked (on JDK 17 and on AArch64 without SVE a whole store to scratch and a
 * copy instead, since there a masked store is Java code that allocates).
 *
 * <p>PrintIntrinsics (JDK 25, -XX:-TieredCompilation, 128/256/512 bits): no "failed to inline
 * (intrinsic)" in Head's methods (the only failures logged are JDK-internal Vector API methods
 * compiled standalone, where the species is not a constant; they are never our hot code).
 */
final class Head {
    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;
    private static final int L = VectorWidth.LANES;
    /** Output vectors per dense tile: 4 accumulators + 4 weight loads + 1 broadcast per input. */
    private static final int TILE = 4;
    /** Names the lane width: weights packed at one width are unusable at another. */
    static final String DENSE_LAYOUT = "vector-dense-tile" + TILE + "-lanes" + L;

    private Head() {}

    /** See {@link dev.mobilenetsimd.kernels.KernelSet#globalAveragePool}. */
    static void globalAveragePool(float[] in, int inOff, int pixels, int channels, float[] out,
                                  int outOff) {
        final float n = pixels;
        final int full = S.loopBound(channels);
        int ch = 0;
        for (; ch + TILE * L <= full; ch += TILE * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0, i = inOff + ch; p < pixels; p++, i += channels) {
                s0 = s0.add(FloatVector.fromArray(S, in, i));
                s1 = s1.add(FloatVector.fromArray(S, in, i + L));
                s2 = s2.add(FloatVector.fromArray(S, in, i + 2 * L));
                s3 = s3.add(FloatVector.fromArray(S, in, i + 3 * L));
            }
            s0.div(n).intoArray(out, outOff + ch);
            s1.div(n).intoArray(out, outOff + ch + L);
            s2.div(n).intoArray(out, outOff + ch + 2 * L);
            s3.div(n).intoArray(out, outOff + ch + 3 * L);
        }
        for (; ch < full; ch += L) {
            FloatVector s = FloatVector.zero(S);
            for (int p = 0, i = inOff + ch; p < pixels; p++, i += channels) {
                s = s.add(FloatVector.fromArray(S, in, i));
            }
            s.div(n).intoArray(out, outOff + ch);
        }
        if (ch < channels) {
            VectorMask<Float> m = S.indexInRange(ch, channels);
            FloatVector s = FloatVector.zero(S);
            for (int p = 0, i = inOff + ch; p < pixels; p++, i += channels) {
                s = s.add(FloatVector.fromArray(S, in, i, m));
            }
            s.div(n).intoArray(out, outOff + ch, m);
        }
    }

    /** Packs canonical {@code w[i * k + o]} and {@code bias[k]} (null = zeros) into tiles. */
    static PackedWeights packDense(float[] w, float[] bias, int inFeatures, int outFeatures) {
        final int n = inFeatures, k = outFeatures;
        PackChecks.channels(n, k);
        PackChecks.length("weights", w, (long) n * k);
        if (bias != null) {
            PackChecks.length("bias", bias, k);
        }
        final int blocks = (k + L - 1) / L;
        final int tiles = (k / L) / TILE;
        float[] d = new float[PackChecks.packedLength(denseFloats(n, k))];
        for (int o = 0; o < k; o++) {
            int blk = o / L, lane = o % L;
            int t = blk / TILE;
            for (int i = 0; i < n; i++) {
                int idx;
                if (t < tiles) {
                    idx = t * n * TILE * L + i * TILE * L + (blk % TILE) * L + lane;
                } else {
                    idx = blk * n * L + i * L + lane;
                }
                d[idx] = w[i * k + o];
            }
            d[blocks * n * L + o] = bias == null ? 0f : bias[o];
        }
        return new PackedWeights(DENSE_LAYOUT, n, k, d);
    }

    /** The floats of {@link #DENSE_LAYOUT}: per block of lanes, n weights and the bias. */
    private static long denseFloats(int n, int k) {
        return ((long) k + L - 1) / L * L * (n + 1L);
    }

    /** See {@link dev.mobilenetsimd.kernels.KernelSet#dense}. */
    static void dense(float[] in, int inOff, PackedWeights w, float[] out, int outOff) {
        w.requireLayout(DENSE_LAYOUT, denseFloats(w.inChannels, w.outChannels));
        final int n = w.inChannels, k = w.outChannels;
        final float[] wd = w.data;
        final int blocks = (k + L - 1) / L;
        final int tiles = (k / L) / TILE;
        final int base = w.offset;
        final int biasOff = base + blocks * n * L;
        for (int t = 0; t < tiles; t++) {
            final int o = t * TILE * L;
            FloatVector a0 = FloatVector.fromArray(S, wd, biasOff + o);
            FloatVector a1 = FloatVector.fromArray(S, wd, biasOff + o + L);
            FloatVector a2 = FloatVector.fromArray(S, wd, biasOff + o + 2 * L);
            FloatVector a3 = FloatVector.fromArray(S, wd, biasOff + o + 3 * L);
            for (int i = 0, wi = base + t * n * TILE * L; i < n; i++, wi += TILE * L) {
                FloatVector x = FloatVector.broadcast(S, in[inOff + i]);
                a0 = x.fma(FloatVector.fromArray(S, wd, wi), a0);
                a1 = x.fma(FloatVector.fromArray(S, wd, wi + L), a1);
                a2 = x.fma(FloatVector.fromArray(S, wd, wi + 2 * L), a2);
                a3 = x.fma(FloatVector.fromArray(S, wd, wi + 3 * L), a3);
            }
            a0.intoArray(out, outOff + o);
            a1.intoArray(out, outOff + o + L);
            a2.intoArray(out, outOff + o + 2 * L);
            a3.intoArray(out, outOff + o + 3 * L);
        }
        for (int blk = tiles * TILE; blk < blocks; blk++) {
            final int o = blk * L;
            FloatVector a = FloatVector.fromArray(S, wd, biasOff + o);
            for (int i = 0, wi = base + blk * n * L; i < n; i++, wi += L) {
                a = FloatVector.broadcast(S, in[inOff + i])
                        .fma(FloatVector.fromArray(S, wd, wi), a);
            }
            if (o + L <= k) {
                a.intoArray(out, outOff + o);
            } else if (MASKED_MEMORY_INTRINSICS) {
                a.intoArray(out, outOff + o, S.indexInRange(o, k));
            } else { // JDK 17 and NEON box a masked store: a whole store to scratch, then the lanes
                final float[] tail = TAIL_SCRATCH.get();
                a.intoArray(tail, 0);
                System.arraycopy(tail, 0, out, outOff + o, k - o);
            }
        }
    }
}
