package dev.mobilenetsimd.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Shared helpers of the kernel tests: deterministic data, full-layer drivers built on the
 * {@link KernelSet} row kernels, and the tolerance rule.
 *
 * <p>Tolerance: a vector kernel may sum in another order and fuses multiply-adds, so it is
 * compared with the scalar oracle to within {@code (terms + 2) * eps * sum|a_i * w_i|} (plus
 * {@code |bias|} in the sum), the textbook bound for two summation orders of {@code terms}
 * products in float ({@code eps = 2^-23}). The magnitude is computed per output element by
 * running the scalar kernel on {@code |inputs|}, {@code |weights|} and {@code |bias|} with a
 * linear activation. ReLU6 is 1-Lipschitz, so the same bound holds after it.
 */
final class KernelTestSupport {
    static final float EPS = Math.ulp(1f);
    /** A value no kernel computes from the test data: marks elements that must stay untouched. */
    static final float SENTINEL = -12345.678f;

    private KernelTestSupport() {}

    /** Floats per vector at the width under test ({@code -Dmobilenet.vectorBits}). */
    static int lanes() {
        return KernelSets.vector().vectorBitSize() / 32;
    }

    /** 1 .. 3 * lanes + 1, then the real MobileNetV2 counts given. */
    static int[] channelCounts(int... real) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int c = 1; c <= 3 * lanes() + 1; c++) {
            s.add(c);
        }
        for (int c : real) {
            s.add(c);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    static float[] random(SplittableRandom r, int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return a;
    }

    static float[] abs(float[] a) {
        if (a == null) {
            return null;
        }
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Math.abs(a[i]);
        }
        return b;
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /**
     * A whole depthwise layer via {@link KernelSet#depthwiseRow}: {@code in} holds {@code pre}
     * junk floats, then the {@code h x w x c} tensor, then one row of zeros that padding rows
     * point at. Output rows are {@code outH} (rows beyond the input also read the zero row).
     * Output is written at offset {@code pre} of an array pre-filled with {@link #SENTINEL},
     * with {@code pre} sentinel floats after it too.
     */
    static float[] depthwiseLayer(KernelSet k, float[] in, int pre, int h, int w, int c,
                                  int stride, int padTop, int padLeft, int outH, int outW,
                                  PackedWeights pw, Activation act) {
        final int zero = pre + h * w * c;
        float[] out = filled(pre + outH * outW * c + pre, SENTINEL);
        for (int y = 0; y < outH; y++) {
            int[] rows = new int[3];
            for (int ky = 0; ky < 3; ky++) {
                int iy = y * stride - padTop + ky;
                rows[ky] = iy >= 0 && iy < h ? pre + iy * w * c : zero;
            }
            k.depthwiseRow(in, rows[0], rows[1], rows[2], w, stride, padLeft, pw, act, out,
                    pre + y * outW * c, outW);
        }
        return out;
    }

    /** Input array for {@link #depthwiseLayer}: junk prefix, random tensor, zero row. */
    static float[] depthwiseInput(SplittableRandom r, int pre, int h, int w, int c) {
        float[] a = new float[pre + h * w * c + w * c];
        for (int i = 0; i < pre; i++) {
            a[i] = 1e30f; // junk a correct kernel never reads
        }
        float[] t = random(r, h * w * c, -8f, 8f);
        System.arraycopy(t, 0, a, pre, t.length);
        return a;
    }

    /** {@link #abs} that keeps the junk prefix at zero: magnitudes only count real taps. */
    static float[] absTensor(float[] a, int pre) {
        float[] b = abs(a);
        for (int i = 0; i < pre; i++) {
            b[i] = 0f;
        }
        return b;
    }

    /**
     * Asserts {@code |actual - expected| <= (terms + 2) * eps * magnitude} element-wise
     * (magnitude from the scalar kernel on absolute values), and exact equality wherever
     * {@code expected} is the {@link #SENTINEL} (elements the kernel must not write).
     */
    static void assertClose(String what, float[] expected, float[] actual, float[] magnitude,
                            int terms) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + " != " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], a = actual[i];
            if (e == SENTINEL || a == SENTINEL) {
                if (Float.floatToRawIntBits(e) != Float.floatToRawIntBits(a)) {
                    fail(what + ": element " + i + " is " + a + ", expected " + e
                            + " (sentinel: written out of range or not written)");
                }
                continue;
            }
            double tol = (terms + 2) * (double) EPS * magnitude[i] + Float.MIN_NORMAL;
            if (!(Math.abs((double) a - e) <= tol)) {
                fail(what + ": element " + i + " is " + a + ", expected " + e + " (tolerance "
                        + tol + ")");
            }
        }
    }
}
