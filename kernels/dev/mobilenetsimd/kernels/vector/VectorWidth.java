package dev.mobilenetsimd.kernels.vector;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import dev.mobilenetsimd.kernels.KernelSets;
import java.util.logging.Logger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one float species every vector kernel uses. It is a {@code static final} so C2 sees a
 * constant and intrinsifies the Vector API calls; a species held in a plain field would silently
 * fall back to slow Java code. Chosen once from the system property
 * {@value KernelSets#VECTOR_BITS_PROPERTY}: {@code 128} (NEON-sized), {@code 256} (AVX2-sized),
 * {@code 512} (AVX-512-sized) or {@code preferred} (the default: the widest this CPU runs well).
 * A width past the JVM's widest vectors (the CPU's, or {@code -XX:MaxVectorSize}) still runs,
 * correctly but as slow Java code, so it is warned about once.
 */
final class VectorWidth {
    static final VectorSpecies<Float> SPECIES =
            choose(System.getProperty(KernelSets.VECTOR_BITS_PROPERTY, "preferred"));
    /** Floats per vector. */
    static final int LANES = SPECIES.length();
    /**
     * ReLU6 as compares and blends (x86) rather than lanewise MAX then MIN (AArch64, where
     * {@code fmax}/{@code fmin} already have Java's semantics and JDK 17's SVE back end does not
     * intrinsify the compare and blend); see the package docs. {@code -Dmobilenet.relu6=blend}
     * or {@code =minmax} overrides the choice, so tests can run either form on any machine.
     */
    static final boolean RELU6_BLEND = relu6Blend(System.getProperty("mobilenet.relu6", ""));

    /**
     * Whether C2 compiles masked array loads and stores ({@code fromArray}/{@code intoArray} with
     * a mask) to vector instructions: from JDK 18 on, on x86 and on AArch64 with SVE. JDK 17 runs
     * them as Java code that boxes the vector, and so does AArch64 without SVE (NEON has no
     * predicated store: JDK 25's C2 reports "not supported: op=storeMasked vlen=4 etype=float",
     * and the classifier's masked last vector at 1001 classes allocated 112 bytes per inference
     * on a Neoverse N1). There the hot paths use unmasked loads and scalar tail copies instead
     * (blocks 2 and 3's 24-channel projects ran 1.2–1.3x faster that way on JDK 17).
     */
    static final boolean MASKED_MEMORY_INTRINSICS = maskedMemoryIntrinsics(
            Runtime.version().feature(), System.getProperty("os.arch"));
    /**
     * Where a kernel without {@link #MASKED_MEMORY_INTRINSICS} stores a partial vector whole,
     * per thread, before copying its lanes out (JDK 17 and AArch64 without SVE: the stem's, the
     * depthwise channel tail's and the classifier's last vector). Each use stores and copies at
     * once, so one buffer per thread serves every kernel.
     */
    static final ThreadLocal<float[]> TAIL_SCRATCH =
            ThreadLocal.withInitial(() -> new float[LANES]);

    private VectorWidth() {}

    /** See {@link #MASKED_MEMORY_INTRINSICS}; package-private for the tests. */
    static boolean maskedMemoryIntrinsics(int jdkFeature, String osArch) {
        if (jdkFeature < 18) {
            return false;
        }
        return !"aarch64".equals(osArch) || aarch64Sve();
    }

    /**
     * Whether this AArch64 JVM uses SVE (HotSpot's {@code UseSVE} above 0). Where the flag cannot
     * be read (no {@code jdk.management} module, another JVM), no: the unmasked path is correct
     * everywhere and only a little slower on the tails.
     */
    private static boolean aarch64Sve() {
        try {
            HotSpotDiagnosticMXBean hotSpot =
                    ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hotSpot != null
                    && Integer.parseInt(hotSpot.getVMOption("UseSVE").getValue()) > 0;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    private static boolean relu6Blend(String form) {
        switch (form.trim()) {
            case "": return !"aarch64".equals(System.getProperty("os.arch"));
            case "blend": return true;
            case "minmax": return false;
            default:
                throw new IllegalArgumentException("-Dmobilenet.relu6=" + form
                        + " is not supported: expected blend or minmax");
        }
    }

    private static VectorSpecies<Float> choose(String bits) {
        VectorSpecies<Float> species = species(bits);
        int widest = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (species.vectorBitSize() > widest) {
            // C2 intrinsifies no species wider than the preferred one: every vector operation
            // then runs as Java code (0.35/96: 18 ms at 512 bits with -XX:MaxVectorSize=16,
            // 0.73 ms at 128). Kept rather than refused, as the kernel tests run every width on
            // any machine; a user timing it must not take it for the width's speed.
            Logger.getLogger(VectorWidth.class.getName()).warning("-D"
                    + KernelSets.VECTOR_BITS_PROPERTY + "=" + bits.trim() + " is wider than the "
                    + widest + "-bit vectors this JVM compiles (the CPU's, or -XX:MaxVectorSize):"
                    + " the vector kernels run as slow Java code, tens of times slower. Use "
                    + widest + " or less, or preferred.");
        }
        return species;
    }

    private static VectorSpecies<Float> species(String bits) {
        switch (bits.trim()) {
            case "preferred":
            case "":
                return FloatVector.SPECIES_PREFERRED;
            case "128": return FloatVector.SPECIES_128;
            case "256": return FloatVector.SPECIES_256;
            case "512": return FloatVector.SPECIES_512;
            default:
                throw new IllegalArgumentException("-D" + KernelSets.VECTOR_BITS_PROPERTY + "="
                        + bits + " is not supported: expected 128, 256, 512 or preferred");
        }
    }
}
