package dev.mobilenetsimd.kernels.vector;

import dev.mobilenetsimd.kernels.KernelSets;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one float species every vector kernel uses. It is a {@code static final} so C2 sees a
 * constant and intrinsifies the Vector API calls; a species held in a plain field would silently
 * fall back to slow Java code. Chosen once from the system property
 * {@value KernelSets#VECTOR_BITS_PROPERTY}: {@code 128} (NEON-sized), {@code 256} (AVX2-sized),
 * {@code 512} (AVX-512-sized) or {@code preferred} (the default: the widest this CPU runs well).
 */
final class VectorWidth {
    static final VectorSpecies<Float> SPECIES = choose(System.getProperty(KernelSets.VECTOR_BITS_PROPERTY, "preferred"));
    /** Floats per vector. */
    static final int LANES = SPECIES.length();

    private VectorWidth() {}

    private static VectorSpecies<Float> choose(String bits) {
        switch (bits.trim()) {
            case "preferred":
            case "":
                return FloatVector.SPECIES_PREFERRED;
            case "128": return FloatVector.SPECIES_128;
            case "256": return FloatVector.SPECIES_256;
            case "512": return FloatVector.SPECIES_512;
            default:
                throw new IllegalArgumentException("-D" + KernelSets.VECTOR_BITS_PROPERTY + "=" + bits
                        + " is not supported: expected 128, 256, 512 or preferred");
        }
    }
}
