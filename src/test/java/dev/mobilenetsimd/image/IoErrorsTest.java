package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One description of an I/O failure for images, models and labels files: the CLI's (for a model
 * or labels file) and the image reader's were two near-copies that differed, the image reader
 * dropping a reason a missing or unreadable file's exception carried ("its directory ... does not
 * exist"), the CLI printing the bare path of a file system exception without a reason.
 */
class IoErrorsTest {
    @Test
    void everyFileIsDescribedWithTheSameWords() {
        Map<IOException, String> cases = new LinkedHashMap<>();
        cases.put(new NoSuchFileException("m.bmp"), "no such file or directory");
        cases.put(new AccessDeniedException("m.bmp"), "permission denied");
        cases.put(new NoSuchFileException("m.bmp", null, "its directory /x does not exist"),
                "its directory /x does not exist");
        cases.put(new AccessDeniedException("m.bmp", null, "permission denied (in /x)"),
                "permission denied (in /x)");
        cases.put(new FileSystemException("m.bmp", null, "Input/output error"),
                "Input/output error");
        cases.put(new NotDirectoryException("m.bmp"), "NotDirectoryException");
        cases.put(new FileSystemException("m.bmp"), "FileSystemException");
        cases.put(new IOException("Stale file handle"), "Stale file handle");
        cases.put(new IOException(), "IOException");
        for (Map.Entry<IOException, String> c : cases.entrySet()) {
            IOException e = c.getKey();
            assertEquals(c.getValue(), IoErrors.reason(e), e.toString());
            IOException image = ImageDecoder.cannotOpen(Path.of("m.bmp"), e);
            assertEquals("cannot read image m.bmp: " + c.getValue(), image.getMessage(),
                    e.toString());
            assertEquals(e, image.getCause());
        }
    }
}
