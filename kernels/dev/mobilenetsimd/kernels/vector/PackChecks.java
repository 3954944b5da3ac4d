package dev.mobilenetsimd.kernels.vector;

/**
 * Argument checks shared by the vector packers (packing
 * is rare, so clear messages matter more than speed).
 */
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
            throw new IllegalArgumentException(what + ": negative channel count (" + expected
                    + " floats)");
        }
        if (expected > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + ": " + expected
                    + " floats is more than one Java array holds");
        }
        if (a == null) {
            throw new IllegalArgumentException(what + " is null; expected " + expected + " floats");
        }
        if (a.length != expected) {
            throw new IllegalArgumentException(what + " has " + a.length + " floats; expected "
                    + expected);
        }
    }

    /**
     * {@code floats}, the length of a packed layout, as an array length. The layouts round the
     * channels up to whole vectors and add a bias row, so weights that fit one array can need
     * more than one holds: refused here rather than wrapped to a negative or small length.
     */
    static int packedLength(long floats) {
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the packed weights need " + floats
                    + " floats: more than one Java array holds");
        }
        return (int) floats;
    }
}
