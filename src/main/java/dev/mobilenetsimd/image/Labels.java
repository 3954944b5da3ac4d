package dev.mobilenetsimd.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Class names, one per line (line {@code i} names class {@code i}; for the TensorFlow ImageNet
 * models line 0 is "background"). A {@link Classifier} takes one name per class of its model, or
 * none ({@link #none()}); a class with an empty name, or without one, is called
 * {@code "class <i>"}.
 */
public final class Labels {
    /**
     * Largest labels file read: 256 MiB (2<sup>28</sup> bytes), some 268 bytes for each of the
     * {@link dev.mobilenetsimd.ModelConfig#MAX_CLASSES} classes a model may have. A larger file
     * is not a list of labels, and one over 2 GB failed with an OutOfMemoryError ("Required
     * array size too large") however large the heap.
     */
    public static final long MAX_FILE_BYTES = 256L << 20;
    private static final Labels NONE = new Labels(List.of());
    private static final String BYTE_ORDER_MARK = "\uFEFF";
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
     * Reads a UTF-8 text file with one label per line (trailing empty lines are ignored, and so
     * is a byte order mark at its start).
     *
     * @param file the labels file
     * @return the labels
     * @throws IOException if the file cannot be read, is not a regular file, has more than
     *                     {@link #MAX_FILE_BYTES} bytes or is not UTF-8 text
     * @throws IllegalArgumentException if {@code file} is the empty path
     * @throws NullPointerException if {@code file} is null
     */
    public static Labels read(Path file) throws IOException {
        return read(file, Integer.MAX_VALUE).orElseThrow();
    }

    /**
     * Reads a labels file as {@link #read(Path)} does, for a model of at most {@code maxNames}
     * classes: reading stops at the first name past that count, so that a file of millions of
     * short lines is not first turned into as many strings.
     *
     * @param file     the labels file
     * @param maxNames the most names to take
     * @return the labels, or empty if the file names more than {@code maxNames} classes
     * @throws IOException if the file cannot be read, is not a regular file, has more than
     *                     {@link #MAX_FILE_BYTES} bytes or is not UTF-8 text
     * @throws IllegalArgumentException if {@code maxNames} is negative or {@code file} is the
     *                                  empty path
     * @throws NullPointerException if {@code file} is null
     */
    public static Optional<Labels> read(Path file, int maxNames) throws IOException {
        java.util.Objects.requireNonNull(file, "labels file path is null");
        IoErrors.requireNonEmpty(file, "labels file path",
                "a text file with one label per line");
        requireCount(maxNames);
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
            return parse(Files.readString(file, StandardCharsets.UTF_8), maxNames);
        } catch (java.nio.charset.CharacterCodingException e) { // its message: "Input length = 1"
            // Naming the file as the checks above do: the message alone did not say which.
            FileSystemException notText = new FileSystemException(file.toString(), null,
                    "not UTF-8 text: expected a text file with one label per line");
            notText.initCause(e);
            throw notText;
        }
    }

    /**
     * Parses one label per line; surrounding white space is trimmed, trailing empty lines dropped,
     * a byte order mark (U+FEFF) before the first line skipped.
     *
     * @param text the labels, one per line
     * @return the labels
     */
    public static Labels parse(String text) {
        return parse(text, Integer.MAX_VALUE).orElseThrow();
    }

    /**
     * Parses as {@link #parse(String)} does, for a model of at most {@code maxNames} classes:
     * parsing stops at the first name past that count (16 MB of one-letter lines made 8 million
     * strings, 640 MB, before anything compared their count with the model's classes).
     *
     * @param text     the labels, one per line
     * @param maxNames the most names to take
     * @return the labels, or empty if {@code text} names more than {@code maxNames} classes
     * @throws IllegalArgumentException if {@code maxNames} is negative
     */
    public static Optional<Labels> parse(String text, int maxNames) {
        java.util.Objects.requireNonNull(text, "labels text is null");
        requireCount(maxNames);
        // Windows editors start UTF-8 files with one; strip() keeps it (not white space), so
        // class 0 was U+FEFF "background", unequal to "background" and printed with it.
        if (text.startsWith(BYTE_ORDER_MARK)) {
            text = text.substring(1);
        }
        List<String> names = new ArrayList<>();
        long blank = 0; // empty lines since the last name: kept only if a name follows
        for (Iterator<String> lines = text.lines().iterator(); lines.hasNext(); ) {
            String name = lines.next().strip();
            if (name.isEmpty()) {
                blank++;
            } else if (names.size() + blank >= maxNames) {
                return Optional.empty();
            } else {
                names.addAll(Collections.nCopies((int) blank, ""));
                blank = 0;
                names.add(name);
            }
        }
        return Optional.of(new Labels(names));
    }

    private static void requireCount(int maxNames) {
        if (maxNames < 0) {
            throw new IllegalArgumentException("maxNames = " + maxNames + ", expected >= 0");
        }
    }

    /**
     * The name of class {@code index}.
     *
     * @param index the class, 0 or more
     * @return its name, or {@code "class <index>"} if it has none
     * @throws IndexOutOfBoundsException if {@code index} is negative
     */
    public String get(int index) {
        if (index < 0) { // no class has one: it was named "class -1" without a word
            throw new IndexOutOfBoundsException("class index " + index + ": expected 0 or more");
        }
        return index < names.size() && !names.get(index).isEmpty()
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
