package dev.mobilenetsimd.runtime;

/** One compiled step: every offset, shape and packed weight bound in; runs on a session arena. */
interface Op {
    void run(float[] arena);
}
