package dev.mobilenetsimd.plan;

import java.lang.management.ManagementFactory;

/**
 * Where this JVM puts the floats of a large {@code float[]}, so that the plan's arena and the
 * model's weight store can start every tensor and every weight panel on a 64-byte boundary.
 *
 * <p>A 512-bit load or store that is not 64-byte aligned touches two cache lines and costs two
 * line accesses; on the AVX-512 host of {@code reports/}, aligning the arena and the weights made
 * the depthwise layers 25% and the whole network 12% faster. Java exposes no array
 * addresses, so this relies on how HotSpot places large arrays: G1 puts an array of at least half
 * a region at the start of regions of its own (a humongous object, never moved to another
 * offset), and ZGC puts objects over 4 MB on pages of their own. The floats then start
 * {@code arrayBaseOffset} bytes past a 64-byte boundary: 16 with the default object headers.
 * With other collectors (Serial, Parallel) an array can sit anywhere and be moved by a collection:
 * the alignment is then a matter of luck. Only speed depends on it, never results.
 */
public final class HeapLayout {
    /** Floats in 64 bytes: tensors and panels start on multiples of this (plus the phase). */
    public static final int ALIGN_FLOATS = 16;
    /** Most floats one Java array holds on every JVM (HotSpot refuses a few short of 2^31 - 1). */
    public static final int MAX_ARRAY_FLOATS = Integer.MAX_VALUE - 8;
    /** Padding beyond this is not worth it (G1 regions set above 64 MB by hand). */
    private static final long MAX_LARGE_BYTES = 32L << 20;

    private static final int PHASE;
    private static final int LARGE_ARRAY_FLOATS;

    static {
        int base = 16;
        long large = 0;
        try {
            var vm = ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            if (flag(vm, "UseCompactObjectHeaders")) {
                base = 12; // one 8-byte header word, then the 4-byte length
            } else if (!flag(vm, "UseCompressedClassPointers")) {
                base = Runtime.version().feature() >= 22 ? 20 : 24;
            }
            if (flag(vm, "UseG1GC")) {
                large = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue()) / 2;
            } else if (flag(vm, "UseZGC")) {
                large = (4L << 20) + 64;
            }
        } catch (RuntimeException | LinkageError e) {
            // no jdk.management, or not HotSpot: assume default headers, no padding
        }
        PHASE = (64 - base % 64) % 64 / Float.BYTES;
        LARGE_ARRAY_FLOATS = large <= 0 || large > MAX_LARGE_BYTES ? 0
                : (int) ((large + 64) / Float.BYTES);
    }

    private HeapLayout() {}

    private static boolean flag(com.sun.management.HotSpotDiagnosticMXBean vm, String name) {
        try {
            return Boolean.parseBoolean(vm.getVMOption(name).getValue());
        } catch (IllegalArgumentException e) {
            return false; // the option does not exist on this JDK
        }
    }

    /**
     * Float index {@code i} of a large array is 64-byte aligned when
     * {@code i % ALIGN_FLOATS == phase()} (12 with default object headers).
     *
     * @return the aligned indices' remainder modulo {@link #ALIGN_FLOATS}
     */
    public static int phase() {
        return PHASE;
    }

    /**
     * The first index at or after {@code index} that is 64-byte aligned in a large array.
     *
     * @param index a float index, 0 to the largest aligned {@code long},
     *              {@code Long.MAX_VALUE - ALIGN_FLOATS + 1 + phase()}
     * @return the aligned index, {@code index} itself if it is aligned
     * @throws IllegalArgumentException if {@code index} is negative or past the largest aligned
     *                                  {@code long}
     */
    public static long alignUp(long index) {
        // Past the last aligned long the sum wrapped to a negative "index"; a negative index
        // is no float's (and came back as a negative aligned one).
        long max = Long.MAX_VALUE - ALIGN_FLOATS + 1 + PHASE;
        if (index < 0 || index > max) {
            throw new IllegalArgumentException("index " + index + ": expected 0 to " + max
                    + " (the largest " + ALIGN_FLOATS * Float.BYTES + "-byte aligned index)");
        }
        return index + Math.floorMod(PHASE - index, ALIGN_FLOATS);
    }

    /**
     * Floats an array needs for this JVM's collector to place it as a large object (see the class
     * comment), or 0 when the collector gives no such guarantee. At most 8 M + 16 floats (32 MB
     * and 64 bytes).
     *
     * @return the length, or 0
     */
    public static int largeArrayFloats() {
        return LARGE_ARRAY_FLOATS;
    }

    /**
     * Length to allocate for an array of {@code floats} that should be placed as a large object:
     * {@code floats}, or {@link #largeArrayFloats()} if that is more.
     *
     * @param floats the floats needed
     * @return the length to allocate
     */
    public static int largeArrayLength(int floats) {
        return Math.max(floats, LARGE_ARRAY_FLOATS);
    }
}
