package dev.mobilenetsimd.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Class names, one per line (line {@code i} names class {@code i}; for the TensorFlow ImageNet
 * models line 0 is "background"). A {@link Classifier} takes one name per class of its model, or
 * none ({@link #none()}); a class with an empty name, or without one, is called
 * {@code "class <i>"}.
 */
public final class Labels {
    /**
     * Largest labels file read: 256 bytes for each of
     * {@link dev.mobilenetsimd.ModelConfig#MAX_CLASSES} classes. A larger file is not a list of
     * labels, and one over 2 GB failed with an OutOfMemoryError ("Required array size too
     * large") however large the heap.
     */
    public static final long MAX_FILE_BYTES = 256L << 20;
    private static final Labels NONE = new Labels(List.of());
    private final List<String> names;

    private Labels(List<String> names) {
        this.names = List.copyOf(names);
    }

    /**
     * Labels from a list of names.
     *
     * @param names the names, class 0's first
     * @return the labels, a copy of {@code names}
     * @throws NullPointerException if {@code names} or one of the names is null
     */
    public static Labels of(List<String> names) {
        java.util.Objects.requireNonNull(names, "labels list is null");
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i) == null) { // List.copyOf's NullPointerException had no message
                throw new NullPointerException("label " + i + " is null (use \"\" for a class"
                        + " without a name)");
            }
        }
        return new Labels(names);
    }

    /**
     * No names: every class is called {@code "class <i>"}.
     *
     * @return the empty labels
     */
    public static Labels none() {
        return NONE;
    }

    /**
     * Reads a UTF-8 text file with one label per line (trailing empty lines are ignored).
     *
     * @param file the labels file
     * @return the labels
     * @throws IOException if the file cannot be read, is not a regular file, has more than
     *                     {@link #MAX_FILE_BYTES} bytes or is not UTF-8 text
     */
    public static Labels read(Path file) throws IOException {
        java.util.Objects.requireNonNull(file, "labels file path is null");
        // Before reading: a device such as /dev/zero was read until the heap ran out. A missing
        // file is left to the read, which names it.
        if (!Files.isRegularFile(file) && Files.exists(file)) {
            throw new FileSystemException(file.toString(), null, (Files.isDirectory(file)
                    ? "a directory" : "not a regular file") + ", expected a text file with one"
                    + " label per line");
        }
        if (Files.isRegularFile(file) && Files.size(file) > MAX_FILE_BYTES) {
            throw new FileSystemException(file.toString(), null, Files.size(file) + " bytes, more"
                    + " than the " + MAX_FILE_BYTES + " a labels file (one label per line) may"
                    + " have");
        }
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (java.nio.charset.CharacterCodingException e) { // its message: "Input length = 1"
            throw new IOException("not UTF-8 text: expected a text file with one label per line",
                    e);
        }
    }

    /**
     * Parses one label per line; surrounding white space is trimmed, trailing empty lines dropped.
     *
     * @param text the labels, one per line
     * @return the labels
     */
    public static Labels parse(String text) {
        java.util.Objects.requireNonNull(text, "labels text is null");
        List<String> lines = new java.util.ArrayList<>(text.lines().map(String::strip).toList());
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return new Labels(lines);
    }

    /**
     * The name of class {@code index}.
     *
     * @param index the class
     * @return its name, or {@code "class <index>"} if it has none
     */
    public String get(int index) {
        return index >= 0 && index < names.size() && !names.get(index).isEmpty()
                ? names.get(index) : "class " + index;
    }

    /**
     * Number of names.
     *
     * @return the number of names
     */
    public int size() {
        return names.size();
    }

    /**
     * The names, unmodifiable.
     *
     * @return the names
     */
    public List<String> names() {
        return names;
    }
}
