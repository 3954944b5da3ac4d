package dev.mobilenetsimd.kernels.vector;

/** Argument checks shared by the vector packers (packing is rare, so clear messages matter more than speed). */
final class PackChecks {
    private PackChecks() {}

    /** Throws {@link IllegalArgumentException} if a channel count is negative. */
    static void channels(int in, int out) {
        if (in < 0 || out < 0) {
            throw new IllegalArgumentException("negative channel count: in=" + in + ", out=" + out);
        }
    }

    /**
     * Throws {@link IllegalArgumentException} unless {@code a} holds exactly {@code expected}
     * floats ({@code long}, so a product of channel counts cannot overflow into a small length).
     */
    static void length(String what, float[] a, long expected) {
        if (expected < 0) {
            throw new IllegalArgumentException(what + ": negative channel count (" + expected + " floats)");
        }
        if (expected > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + ": " + expected
                    + " floats is more than one Java array holds");
        }
        if (a == null) {
            throw new IllegalArgumentException(what + " is null; expected " + expected + " floats");
        }
        if (a.length != expected) {
            throw new IllegalArgumentException(what + " has " + a.length + " floats; expected " + expected);
        }
    }
}
