package dev.mobilenetsimd.plan;

/**
 * A region of the session arena that a step reads or writes.
 *
 * @param buffer name of the arena region, e.g. {@code "act0"}
 * @param offset first float of the region used
 * @param length floats used
 */
public record BufferUse(String buffer, int offset, int length) {
    @Override
    public String toString() {
        return buffer + "[" + offset + "+" + length + "]";
    }
}
