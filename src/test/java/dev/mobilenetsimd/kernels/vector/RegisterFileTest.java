package dev.mobilenetsimd.kernels.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Checks that a test run meant for 16-register CPUs (the {@code kernels-avx2} execution of the
 * build, {@code -XX:UseAVX=2}) really takes their code paths: otherwise it would silently test
 * the 32-register ones a second time.
 */
class RegisterFileTest {
    @Test
    void theExpectedRegisterFileIsTheOneTheKernelsAssume() {
        String expected = System.getProperty("mobilenet.expectRegisters");
        assumeTrue(expected != null, "no register file expected in this run");
        String arch = System.getProperty("os.arch");
        // -XX:UseAVX is an x86 option: AArch64 JVMs ignore it and keep their 32 registers.
        assumeTrue("amd64".equals(arch) || "x86_64".equals(arch), "not x86: " + arch);
        assertEquals(Integer.parseInt(expected) >= 32, PointwiseGemm.WIDE_REGISTER_FILE,
                "preferred species " + FloatVector.SPECIES_PREFERRED);
    }
}
