package dev.mobilenetsimd.image;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Why an I/O operation failed, in words, for a message that names the file itself. The JDK's
 * exceptions for a missing or unreadable file carry only the path as their message, so a message
 * built from it alone said "error: noread.bmp". {@link ImageDecoder} describes an image that
 * cannot be opened or read with these words, and the command line a model or labels file, so
 * that every file is described alike. {@link #requireNonEmpty} refuses the empty path for the
 * library's readers and writers alike.
 */
public final class IoErrors {
    private IoErrors() {}

    /**
     * The reason {@code e} gives, without the path: a {@link FileSystemException}'s reason when
     * it has one (a caller may have said which directory is missing), else "no such file or
     * directory" or "permission denied" for the two exceptions the JDK throws without one, else
     * the message of any other I/O exception; the exception's class name when there is nothing
     * else to say (a file system exception's message without a reason is only its path).
     *
     * @param e the failure
     * @return the reason, never null
     * @throws NullPointerException if {@code e} is null
     */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException) {
            String reason = ((FileSystemException) e).getReason();
            if (reason != null) {
                return reason;
            }
            return e instanceof NoSuchFileException ? "no such file or directory"
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * Refuses the empty path, before it is used: it names the working directory, and a reader
     * given it said "cannot read image : a directory" and a writer ": Is a directory", without
     * saying which argument was empty.
     *
     * @param file     the path given
     * @param what     what the path is, e.g. "image file path"
     * @param expected what is expected in its place, e.g. "a JPEG, PNG or BMP file"
     * @return {@code file}
     * @throws IllegalArgumentException if {@code file} is the empty path: "WHAT is the empty
     *                                  path: expected EXPECTED"
     * @throws NullPointerException     if an argument is null
     */
    public static Path requireNonEmpty(Path file, String what, String expected) {
        if (file.toString().isEmpty()) {
            throw new IllegalArgumentException(what + " is the empty path: expected " + expected);
        }
        return file;
    }
}
