package dev.mobilenetsimd.kernels;

import java.util.SplittableRandom;

/**
 * Seeds, case counts and value generators shared by the fuzz tests ({@code KernelFuzzTest},
 * {@code dev.mobilenetsimd.FuzzEquivalenceTest}).
 *
 * <p><b>Seeds.</b> Each run picks a fresh base seed unless {@value #SEED_PROPERTY} is set (decimal
 * or {@code 0x} hex). Case {@code i} runs on {@code caseSeed = base + i * GOLDEN}, so case 0 of
 * base {@code caseSeed} is exactly case {@code i}: a failure message names the case seed and the
 * flags that replay that single case ({@code -Dmobilenet.fuzz.seed=<caseSeed>
 * -Dmobilenet.fuzz.cases=1}, plus {@code -Dmobilenet.vectorBits} for the kernel tests).
 * {@value #CASES_PROPERTY} overrides the number of cases of every fuzz test method.
 */
public final class FuzzSupport {
    public static final String SEED_PROPERTY = "mobilenet.fuzz.seed";
    public static final String CASES_PROPERTY = "mobilenet.fuzz.cases";
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private FuzzSupport() {}

    /** One fuzz case, given its own random source. */
    @FunctionalInterface
    public interface Case {
        void run(SplittableRandom r) throws Exception;
    }

    /** The base seed: {@value #SEED_PROPERTY} if set, else a fresh one. */
    public static long baseSeed() {
        String s = System.getProperty(SEED_PROPERTY);
        if (s == null || s.isBlank()) {
            return new SplittableRandom().nextLong();
        }
        s = s.trim();
        try {
            return s.startsWith("0x") || s.startsWith("0X")
                    ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + SEED_PROPERTY + "=" + s
                    + ": expected a decimal or 0x-hex long", e);
        }
    }

    /** {@value #CASES_PROPERTY} if set, else {@code defaultCases}. */
    public static int cases(int defaultCases) {
        String s = System.getProperty(CASES_PROPERTY);
        if (s == null || s.isBlank()) {
            return defaultCases;
        }
        int n = Integer.parseInt(s.trim());
        if (n < 1) {
            throw new IllegalArgumentException("-D" + CASES_PROPERTY + "=" + n + ": expected >= 1");
        }
        return n;
    }

    /**
     * Runs {@code cases(defaultCases)} cases of {@code body}; a failing case is rethrown as an
     * {@link AssertionError} whose message names the test, the case, its seed and how to replay it.
     *
     * @return the number of cases run
     */
    public static int run(String test, int defaultCases, String replayFlags, Case body) {
        final long base = baseSeed();
        final int n = cases(defaultCases);
        for (int i = 0; i < n; i++) {
            final long seed = base + i * GOLDEN;
            try {
                body.run(new SplittableRandom(seed));
            } catch (Throwable t) {
                if (t instanceof VirtualMachineError) {
                    throw (VirtualMachineError) t;
                }
                throw new AssertionError(test + ": fuzz case " + i + " of " + n
                        + " failed (base seed " + base + ", case seed " + seed
                        + "). Replay this case with -Dtest='" + test + "' -D" + SEED_PROPERTY + "="
                        + seed + " -D" + CASES_PROPERTY + "=1"
                        + (replayFlags.isEmpty() ? "" : " " + replayFlags) + "\n  " + t, t);
            }
        }
        return n;
    }

    /** {@code -Dmobilenet.vectorBits=N} for the width under test. */
    static String vectorBitsFlag() {
        return "-D" + KernelSets.VECTOR_BITS_PROPERTY + "=" + KernelSets.vector().vectorBitSize();
    }

    // ---- values ------------------------------------------------------------------------------

    /**
     * A value of a random class: ±0, subnormal, tiny,
     * large (|v| <= large), integers, ReLU6 edges, plain.
     */
    public static float wild(SplittableRandom r, float large) {
        final float sign = r.nextBoolean() ? 1f : -1f;
        switch (r.nextInt(12)) {
            case 0:
                return sign * 0f;
            case 1: // subnormal
                return sign * Float.intBitsToFloat(r.nextInt(1, 0x800000));
            case 2: // tiny normal
                return sign * Float.MIN_NORMAL * (1 + r.nextFloat()) * (1 << r.nextInt(20));
            case 3: { // large: log-uniform in [1e4, large]
                double hi = Math.log(large), lo = Math.min(Math.log(1e4), hi - 2);
                return sign * (float) Math.min(large, Math.exp(lo + (hi - lo) * r.nextDouble()));
            }
            case 4:
                return r.nextInt(-7, 8);
            case 5: {
                float[] edges = {0f, -0f, 6f, Math.nextUp(6f), Math.nextDown(6f), Float.MIN_VALUE,
                        -Float.MIN_VALUE, 1f, -1f};
                return edges[r.nextInt(edges.length)];
            }
            default:
                return (float) (r.nextDouble() * 16 - 8);
        }
    }

    /** Plain uniform values in [-scale, scale). */
    public static float plain(SplittableRandom r, float scale) {
        return (float) ((r.nextDouble() * 2 - 1) * scale);
    }

    /** A value generator chosen per array: plain, or wild with some probability per element. */
    public interface Gen {
        float next(SplittableRandom r);
    }

    /**
     * Half the time plain values, else a mix with 10% .. 100% wild values bounded by {@code large}.
     */
    public static Gen gen(SplittableRandom r, float plainScale, float large) {
        if (r.nextBoolean()) {
            return x -> plain(x, plainScale);
        }
        final double wildShare = 0.1 + 0.9 * r.nextDouble();
        return x -> x.nextDouble() < wildShare ? wild(x, large) : plain(x, plainScale);
    }

    public static float[] fill(SplittableRandom r, Gen g, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = g.next(r);
        }
        return a;
    }
}
