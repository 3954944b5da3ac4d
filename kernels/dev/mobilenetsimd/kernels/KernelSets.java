package dev.mobilenetsimd.kernels;

import dev.mobilenetsimd.kernels.scalar.ScalarKernels;
import java.lang.invoke.MethodHandles;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Chooses a {@link KernelSet} at run time, the way Lucene's vectorization provider does: the
 * Vector API backend when the {@code jdk.incubator.vector} module is in the boot layer (start the
 * JVM with {@code --add-modules jdk.incubator.vector}), otherwise the scalar backend with one
 * warning. The vector width is fixed at class-initialisation time by the system property
 * {@value #VECTOR_BITS_PROPERTY} ({@code 128}, {@code 256}, {@code 512} or {@code preferred}).
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
     * @throws UnsupportedOperationException if {@code jdk.incubator.vector} is not present
     */
    public static KernelSet vector() {
        return loadVector().orElseThrow(() -> new UnsupportedOperationException(
                "the vector backend needs the Vector API: start java with --add-modules jdk.incubator.vector"));
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

    private static final class Holder {
        static final KernelSet BEST = choose();

        private static KernelSet choose() {
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
