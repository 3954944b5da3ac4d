package dev.mobilenetsimd.kernels.vector;

/** Argument checks shared by the vector packers (packing is rare, so clear messages matter more than speed). */
final class PackChecks {
    private PackChecks() {}

    /** Throws {@link IllegalArgumentException} unless {@code a} holds exactly {@code expected} floats. */
    static void length(String what, float[] a, int expected) {
        if (a == null) {
            throw new IllegalArgumentException(what + " is null; expected " + expected + " floats");
        }
        if (a.length != expected) {
            throw new IllegalArgumentException(what + " has " + a.length + " floats; expected " + expected);
        }
    }
}
