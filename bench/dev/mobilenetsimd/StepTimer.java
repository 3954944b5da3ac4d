package dev.mobilenetsimd;

import dev.mobilenetsimd.runtime.CompiledNetwork;

/**
 * One model's session, timed step by step with {@link System#nanoTime} around each step: the
 * shared part of {@link StepProfile} and {@link PairedSteps}. Runs steps on the session's arena
 * (package-private {@code Session.arena()}), which one whole inference must have filled first.
 *
 * <p>Both measurements of a step, in network order and hot, are taken in the same round
 * ({@link #timeRound}). Taken in two phases, one after the other, a change of the host's state
 * between the phases (this shared host moves by 10–30% within minutes) would pass for what cold
 * caches cost.
 */
final class StepTimer {
    final Session session;
    private final float[] arena;
    private final CompiledNetwork net;
    /** Written a slice after each of the first {@link #ballastSteps} steps, if not null. */
    private float[] ballast;
    private int ballastSteps;

    StepTimer(MobileNetV2 model) {
        this.session = model.newSession();
        this.arena = session.arena();
        this.net = model.network();
    }

    /**
     * A probe of why layer by layer is slower even on steps whose code is the same in both modes:
     * {@code bytes} of memory written, a slice after each of steps {@code 0} to
     * {@code steps - 1} wherever they run, outside the timed regions of network order, so that an
     * inference sweeps as much memory as a larger arena would (the layer-by-layer one is 10.5 MB
     * at 1.0/224, the fused one 2 MB).
     */
    void ballast(long bytes, int steps) {
        ballast = new float[Math.toIntExact(bytes / Float.BYTES)];
        ballastSteps = steps;
    }

    /** Writes the ballast's slice for step {@code s}, if it has one. */
    private void touchBallast(int s) {
        if (ballast == null || s >= ballastSteps) {
            return;
        }
        int from = (int) ((long) ballast.length * s / ballastSteps);
        int to = (int) ((long) ballast.length * (s + 1) / ballastSteps);
        java.util.Arrays.fill(ballast, from, to, s);
    }

    /**
     * One round, three parts:
     * <ol>
     *   <li>if {@code settle}, one untimed inference, so that the timed one follows an inference
     *       of this session, as in real use, and not whatever ran before (another mode's
     *       inference, with its own weights' and tensors' traffic);</li>
     *   <li>one inference in network order, step {@code s} timed into
     *       {@code order[s][round]}: its weights and input as cold as in real use;</li>
     *   <li>each row {@code [from, to]} of {@code rows}, in network order, run twice more, the
     *       second run timed into {@code hot[row][round]}: its weights and input just used.</li>
     * </ol>
     */
    void timeRound(boolean settle, long[][] order, int[][] rows, long[][] hot, int round) {
        int steps = order.length;
        if (settle) {
            if (ballast == null) {
                net.runSteps(0, steps, arena, null);
            } else {
                for (int s = 0; s < steps; s++) {
                    net.runStep(s, arena);
                    touchBallast(s);
                }
            }
        }
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            net.runStep(s, arena);
            order[s][round] = System.nanoTime() - t0;
            touchBallast(s);
        }
        for (int row = 0; row < rows.length; row++) {
            timeHot(rows[row][0], rows[row][1]);
            for (int s = rows[row][0]; s <= rows[row][1]; s++) {
                touchBallast(s);
            }
            hot[row][round] = timeHot(rows[row][0], rows[row][1]);
        }
    }

    /** Steps {@code [from, to]} once, timed. */
    private long timeHot(int from, int to) {
        long t0 = System.nanoTime();
        for (int s = from; s <= to; s++) {
            net.runStep(s, arena);
        }
        return System.nanoTime() - t0;
    }
}
