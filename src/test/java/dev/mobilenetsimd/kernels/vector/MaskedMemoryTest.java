package dev.mobilenetsimd.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The kernels use masked loads and stores only where C2 compiles them: JDK 18 on, on x86 and on
 * AArch64 with SVE. On NEON, JDK 25's C2 reports "not supported: op=storeMasked vlen=4
 * etype=float" and runs the store as Java code, so the classifier's masked last vector (1001
 * classes) allocated 112 bytes per inference there and {@code SteadyStateAllocationTest} failed
 * on a Neoverse N1 (qemu) with JDK 25.
 */
class MaskedMemoryTest {
    @Test
    void maskedLoadsAndStoresOnlyWhereC2CompilesThem() {
        int jdk = Runtime.version().feature();
        String arch = System.getProperty("os.arch");
        boolean expected = jdk >= 18;
        if ("aarch64".equals(arch)) {
            HotSpotDiagnosticMXBean hotSpot =
                    ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            expected &= Integer.parseInt(hotSpot.getVMOption("UseSVE").getValue()) > 0;
        }
        assertEquals(expected, VectorWidth.MASKED_MEMORY_INTRINSICS,
                "JDK " + jdk + " on " + arch + ", species " + VectorWidth.SPECIES);
    }

    @Test
    void jdk17NeverAndX86FromJdk18() {
        assertFalse(VectorWidth.maskedMemoryIntrinsics(17, "amd64"));
        assertFalse(VectorWidth.maskedMemoryIntrinsics(17, "aarch64"));
        assertTrue(VectorWidth.maskedMemoryIntrinsics(18, "amd64"));
        assertTrue(VectorWidth.maskedMemoryIntrinsics(25, "amd64"));
    }
}
