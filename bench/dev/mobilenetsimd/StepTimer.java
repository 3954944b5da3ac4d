package dev.mobilenetsimd;

import dev.mobilenetsimd.runtime.CompiledNetwork;

/**
 * One model's session, timed step by step with {@link System#nanoTime} around each step: the
 * shared part of {@link StepProfile} and {@link PairedSteps}. Runs steps on the session's arena
 * (package-private {@code Session.arena()}), which one whole inference must have filled first.
 */
final class StepTimer {
    final Session session;
    private final float[] arena;
    private final CompiledNetwork net;

    StepTimer(MobileNetV2 model) {
        this.session = model.newSession();
        this.arena = session.arena();
        this.net = model.network();
    }

    /** One inference in network order, step {@code s} timed into {@code into[s][round]}. */
    void timeSteps(long[][] into, int round) {
        for (int s = 0; s < into.length; s++) {
            long t0 = System.nanoTime();
            net.runStep(s, arena);
            into[s][round] = System.nanoTime() - t0;
        }
    }

    /** Steps {@code [from, to]} once, hot, timed. */
    long timeHot(int from, int to) {
        long t0 = System.nanoTime();
        for (int s = from; s <= to; s++) {
            net.runStep(s, arena);
        }
        return System.nanoTime() - t0;
    }
}
