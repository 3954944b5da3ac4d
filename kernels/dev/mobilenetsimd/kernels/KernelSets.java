package dev.mobilenetsimd.kernels;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.mobilenetsimd.kernels.scalar.ScalarKernels;
import java.lang.invoke.MethodHandles;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Chooses a {@link KernelSet} at run time, the way Lucene's vectorization provider does: the
 * Vector API backend when the {@code jdk.incubator.vector} module is in the boot layer (start the
 * JVM with {@code --add-modules jdk.incubator.vector}), otherwise the scalar backend with one
 * warning. The scalar backend is also chosen, with one warning, where the JVM has no hardware
 * FMA (see {@link #vector()}). The vector width is fixed at class-initialisation time by the
 * system property {@value #VECTOR_BITS_PROPERTY} ({@code 128}, {@code 256}, {@code 512} or
 * {@code preferred}).
 */
public final class KernelSets {
    /** System property choosing the vector width in bits; read once, when the vector kernels load. */
    public static final String VECTOR_BITS_PROPERTY = "mobilenet.vectorBits";

    private static final Logger LOG = Logger.getLogger(KernelSets.class.getName());
    private static final String VECTOR_CLASS = "dev.mobilenetsimd.kernels.vector.VectorKernels";

    private KernelSets() {}

    /** The reference scalar kernels (always available). */
    public static KernelSet scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** Whether the Vector API module is present in this JVM. */
    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * The Vector API kernels.
     *
     * @throws UnsupportedOperationException if {@code jdk.incubator.vector} is not present, or if
     *     the JVM does not use FMA instructions (a CPU without FMA, {@code -XX:UseAVX=0} or
     *     {@code -XX:-UseFMA}): the Vector API then computes every fused multiply-add in software,
     *     and the vector kernels, mostly FMAs, run hundreds of times slower than the scalar ones
     */
    public static KernelSet vector() {
        KernelSet v = loadVector().orElseThrow(() -> new UnsupportedOperationException(
                "the vector backend needs the Vector API: start java with --add-modules jdk.incubator.vector"));
        if (!Fma.HARDWARE) {
            throw new UnsupportedOperationException("the vector backend needs hardware FMA: "
                    + NO_FMA + "; use the scalar backend");
        }
        return v;
    }

    /** The fastest available backend: vector if possible, else scalar (warning once). */
    public static KernelSet best() {
        return Holder.BEST;
    }

    /**
     * Looks a backend up by name: {@code "vector"}, {@code "scalar"} or {@code "auto"} (= {@link #best()}).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static KernelSet byName(String name) {
        switch (name == null ? "" : name.toLowerCase(java.util.Locale.ROOT)) {
            case "vector": return vector();
            case "scalar": return scalar();
            case "auto": return best();
            default:
                throw new IllegalArgumentException(
                        "unknown backend '" + name + "': expected one of vector, scalar, auto");
        }
    }

    private static Optional<KernelSet> loadVector() {
        if (!vectorAvailable()) {
            return Optional.empty();
        }
        try {
            Class<?> c = Class.forName(VECTOR_CLASS);
            Object instance = MethodHandles.publicLookup()
                    .findStaticGetter(c, "INSTANCE", c).invoke();
            return Optional.of((KernelSet) instance);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot load the vector kernels", t);
        }
    }

    /** Why {@link Fma#HARDWARE} is false, for the warning and the exception. */
    private static final String NO_FMA = "this JVM does not use FMA instructions (UseFMA is off:"
            + " a CPU without FMA, -XX:UseAVX=0 or -XX:-UseFMA), so the Vector API computes each"
            + " lane's fused multiply-add in software, and the vector kernels would run hundreds"
            + " of times slower than the scalar ones";

    /**
     * Whether C2 compiles {@code FloatVector.fma} to FMA instructions. Measured: 0.35/96 took
     * 4.2 s per inference with {@code -XX:-UseFMA} at 512 bits (JDK 25), 8.7 s with
     * {@code -XX:UseAVX=0}, against ~25 ms on the scalar kernels. A lazy holder: the management
     * classes load only when the vector backend is asked for.
     */
    private static final class Fma {
        static final boolean HARDWARE = hardwareFma();

        private static boolean hardwareFma() {
            try {
                HotSpotDiagnosticMXBean hotSpot =
                        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
                return hotSpot == null || !"false".equals(hotSpot.getVMOption("UseFMA").getValue());
            } catch (LinkageError | RuntimeException e) {
                // no jdk.management module, or a JVM without the flag: cannot tell, so assume
                // the hardware has FMA (every x86 CPU with AVX2, every AArch64 one)
                return true;
            }
        }
    }

    private static final class Holder {
        static final KernelSet BEST = choose();

        private static KernelSet choose() {
            if (vectorAvailable() && !Fma.HARDWARE) {
                LOG.warning(NO_FMA + ": using the scalar kernels.");
                return ScalarKernels.INSTANCE;
            }
            Optional<KernelSet> v = loadVector();
            if (v.isPresent()) {
                return v.get();
            }
            LOG.warning("jdk.incubator.vector is not available: using the slow scalar kernels. "
                    + "Start java with --add-modules jdk.incubator.vector for the vector backend.");
            return ScalarKernels.INSTANCE;
        }
    }

}
