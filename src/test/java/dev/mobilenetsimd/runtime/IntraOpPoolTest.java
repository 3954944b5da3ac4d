package dev.mobilenetsimd.runtime;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The worker team when its session is closed by another thread in the middle of an inference. */
class IntraOpPoolTest {
    /**
     * A parked worker woken for a step that finds the pool closed used to exit without reporting
     * its share done, and the caller waited for it forever, spinning.
     */
    @Test
    void closingDuringAStepFailsItInsteadOfHanging() throws InterruptedException {
        for (int trial = 0; trial < 5; trial++) {
            IntraOpPool pool = new IntraOpPool(3, 16, 0, 16);
            Thread.sleep(50); // the workers park
            Op closesMidStep = new Op() {
                @Override
                public void run(float[] arena) {}

                @Override
                public int units() {
                    return 3;
                }

                @Override
                public void run(float[] arena, int start, int end, int shift) {
                    if (start == 0) { // the caller's share, while the workers wake
                        pool.close();
                    }
                }
            };
            IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> assertThrows(IllegalStateException.class,
                            () -> pool.run(closesMidStep, new float[64])));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }
}
