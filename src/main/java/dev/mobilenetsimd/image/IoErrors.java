package dev.mobilenetsimd.image;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Why an I/O operation failed, in words, for a message that names the file itself. The JDK's
 * exceptions for a missing or unreadable file carry only the path as their message, so a message
 * built from it alone said "error: noread.bmp". {@link ImageDecoder} describes an image that
 * cannot be opened or read with these words, and the command line a model or labels file, so
 * that every file is described alike.
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
}
