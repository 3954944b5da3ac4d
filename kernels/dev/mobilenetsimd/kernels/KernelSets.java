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
    /**
     * System property choosing the vector width in bits; read once, when the vector kernels load.
     */
    public static final String VECTOR_BITS_PROPERTY = "mobilenet.vectorBits";

    private static final Logger LOG = Logger.getLogger(KernelSets.class.getName());
    private static final String VECTOR_CLASS = "dev.mobilenetsimd.kernels.vector.VectorKernels";

    private KernelSets() {}

    /**
     * The reference scalar kernels (always available).
     *
     * @return the scalar backend
     */
    public static KernelSet scalar() {
        return ScalarKernels.INSTANCE;
    }

    /**
     * Whether the Vector API module is present in this JVM.
     *
     * @return {@code true} if {@code jdk.incubator.vector} is in the boot layer
     */
    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * The Vector API kernels.
     *
     * @return the vector backend
     * @throws UnsupportedOperationException if {@code jdk.incubator.vector} is not present, or if
     *     the JVM does not use FMA instructions (a CPU without FMA, {@code -XX:UseAVX=0} or
     *     {@code -XX:-UseFMA}): the Vector API then computes every fused multiply-add in software,
     *     and the vector kernels, mostly FMAs, run hundreds of times slower than the scalar ones
     * @throws IllegalArgumentException if {@value #VECTOR_BITS_PROPERTY} or {@code mobilenet.relu6}
     *     has a value the vector kernels do not take (on every call)
     */
    public static KernelSet vector() {
        KernelSet v = loadVector().orElseThrow(() -> new UnsupportedOperationException(
                "the vector backend needs the Vector API: start java with --add-modules"
                + " jdk.incubator.vector"));
        if (!Fma.HARDWARE) {
            throw new UnsupportedOperationException("the vector backend needs hardware FMA: "
                    + NO_FMA + "; use the scalar backend");
        }
        return v;
    }

    /**
     * The fastest available backend: vector if possible, else scalar (warning once).
     *
     * @return the vector backend, or the scalar one
     * @throws IllegalArgumentException if {@value #VECTOR_BITS_PROPERTY} or
     *                                  {@code mobilenet.relu6} has a value the vector kernels do
     *                                  not take (on every call)
     */
    public static KernelSet best() {
        KernelSet best = Holder.BEST;
        if (best == null) {
            throw vectorFailed();
        }
        return best;
    }

    /**
     * Looks a backend up by name: {@code "vector"}, {@code "scalar"} or {@code "auto"}
     * (= {@link #best()}).
     *
     * @param name the backend's name, in any case, white space around it ignored (as
     *     {@code Padding.parse} does)
     * @return that backend
     * @throws IllegalArgumentException for any other name, or, for {@code "vector"} and
     *     {@code "auto"}, a kernel system property the vector kernels do not take (as
     *     {@link #vector()} and {@link #best()})
     * @throws UnsupportedOperationException for {@code "vector"} where {@link #vector()} throws it
     */
    public static KernelSet byName(String name) {
        switch (checkName(name)) {
            case "vector": return vector();
            case "scalar": return scalar();
            default: return best();
        }
    }

    /**
     * Checks that {@link #byName} takes {@code name}, without loading any kernels: a command
     * line can refuse a bad name before it reads its files, and choose the backend (which may
     * load the vector kernels and log a warning) after.
     *
     * @param name the backend's name, in any case, white space around it ignored
     * @return the name in lower case: {@code "vector"}, {@code "scalar"} or {@code "auto"}
     * @throws IllegalArgumentException for any other name, naming the three
     */
    public static String checkName(String name) {
        // strip, as Padding.parse: " scalar" from a config file or a shell variable was refused
        String given = name == null ? null : name.strip();
        String lower = given == null ? "" : given.toLowerCase(java.util.Locale.ROOT);
        switch (lower) {
            case "vector": case "scalar": case "auto":
                return lower;
            default:
                throw new IllegalArgumentException(
                        "unknown backend '" + given + "': expected one of vector, scalar, auto");
        }
    }

    /**
     * Why the vector kernels' class initialisation failed (a bad {@value #VECTOR_BITS_PROPERTY}
     * or {@code mobilenet.relu6}), kept so that every later call fails the same way: the JVM
     * reports only the first failure in full, and later ones as a bare NoClassDefFoundError.
     */
    private static volatile IllegalArgumentException vectorFailure;

    /** A fresh exception for {@link #vectorFailure}, thrown wherever the kernels are asked for. */
    private static IllegalArgumentException vectorFailed() {
        IllegalArgumentException failed = vectorFailure;
        return new IllegalArgumentException(failed.getMessage(), failed);
    }

    private static Optional<KernelSet> loadVector() {
        if (!vectorAvailable()) {
            return Optional.empty();
        }
        if (vectorFailure != null) {
            throw vectorFailed();
        }
        try {
            Class<?> c = Class.forName(VECTOR_CLASS);
            KernelSet instance = (KernelSet) MethodHandles.publicLookup()
                    .findStaticGetter(c, "INSTANCE", c).invoke();
            instance.name(); // initialises the width and its properties here, not at first use
            return Optional.of(instance);
        } catch (ExceptionInInitializerError e) {
            if (e.getCause() instanceof IllegalArgumentException) {
                vectorFailure = (IllegalArgumentException) e.getCause();
                throw vectorFailed();
            }
            throw e;
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
        /** Null when the vector kernels failed to load ({@link #vectorFailure}). */
        static final KernelSet BEST = chooseOrNull();

        private static KernelSet chooseOrNull() {
            try {
                return choose();
            } catch (IllegalArgumentException e) { // kept in vectorFailure, thrown by best()
                return null;
            }
        }

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
