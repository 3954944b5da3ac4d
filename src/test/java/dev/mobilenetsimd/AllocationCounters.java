package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;

/** The JVM's per-thread allocation counters, for tests that bound what a call allocates. */
public final class AllocationCounters {
    private AllocationCounters() {}

    /**
     * The counters, enabled; the calling test is skipped where the JVM has none.
     *
     * @return the thread MX bean with allocation counters
     */
    public static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean standard = ManagementFactory.getThreadMXBean();
        assumeTrue(standard instanceof com.sun.management.ThreadMXBean,
                "this JVM has no per-thread allocation counters");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) standard;
        assumeTrue(mx.isThreadAllocatedMemorySupported(),
                "per-thread allocation counters unsupported");
        mx.setThreadAllocatedMemoryEnabled(true);
        return mx;
    }
}
