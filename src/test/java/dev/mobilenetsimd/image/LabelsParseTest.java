package dev.mobilenetsimd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.AllocationCounters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Labels#parse(String, int)} and {@link Labels#read(Path, int)}: names up to a count. */
class LabelsParseTest {

    /**
     * Within the count, the names are those of {@link Labels#parse(String)}: lines ended by CR,
     * LF or CR LF, white space stripped, empty names kept but trailing empty lines dropped.
     */
    @Test
    void namesWithinTheCountAreThoseOfParse() {
        String seven = " a \r\n\nc\rd\n\u2003e\u2003\nf\n\tg\n\n \n\r\n";
        assertEquals(List.of("a", "", "c", "d", "e", "f", "g"), Labels.parse(seven).names());
        for (int max : new int[] {7, 8, 1000, Integer.MAX_VALUE}) {
            assertEquals(Labels.parse(seven).names(),
                    Labels.parse(seven, max).orElseThrow().names(), "max " + max);
        }
        // trailing empty lines do not count, however many
        assertEquals(7, Labels.parse("a\nb\nc\nd\ne\nf\ng" + "\n".repeat(1 << 20), 7)
                .orElseThrow().size());
        assertEquals(List.of(), Labels.parse(" \n\n", 0).orElseThrow().names());
    }

    /** A name past the count, even after empty lines, gives nothing. */
    @Test
    void aNamePastTheCountGivesNothing() {
        assertEquals(Optional.empty(), Labels.parse("a\nb\nc\nd\ne\nf\ng\nh\n", 7));
        assertEquals(Optional.empty(), Labels.parse("a\n\n\n\n\n\n\nb\n", 7));
        assertEquals(Optional.empty(), Labels.parse("a", 0));
        assertThrows(IllegalArgumentException.class, () -> Labels.parse("a", -1));
        assertThrows(NullPointerException.class, () -> Labels.parse(null, 1));
    }

    /**
     * 16 MB of one-letter lines made 8 million strings (640 MB) before their count was known:
     * parsing for 1001 classes now stops at the 1002nd name.
     */
    @Test
    void millionsOfLinesAreNotParsedWhole() {
        com.sun.management.ThreadMXBean mx = AllocationCounters.threads();
        String text = "a\n".repeat(8 << 20);
        long before = mx.getCurrentThreadAllocatedBytes();
        Optional<Labels> l = Labels.parse(text, 1001);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertEquals(Optional.empty(), l);
        assertTrue(allocated < (1 << 20), allocated + " bytes allocated to find more than 1001"
                + " names in 8 million lines");
    }

    /** {@link Labels#read(Path, int)}: the file's names, or nothing past the count. */
    @Test
    void readTakesAtMostTheCount(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("labels.txt"), "x\ny\nz\n",
                StandardCharsets.UTF_8);
        assertEquals(List.of("x", "y", "z"), Labels.read(file, 3).orElseThrow().names());
        assertEquals(List.of("x", "y", "z"), Labels.read(file).names());
        assertEquals(Optional.empty(), Labels.read(file, 2));
        assertThrows(IllegalArgumentException.class, () -> Labels.read(file, -1));
        assertThrows(IOException.class, () -> Labels.read(dir.resolve("missing.txt"), 3));
        // the count is checked before the file
        assertThrows(IllegalArgumentException.class,
                () -> Labels.read(dir.resolve("missing.txt"), -1));
    }

    /**
     * A UTF-8 file with a byte order mark (as Windows editors save it): the mark is no part of
     * the first name (class 0 was U+FEFF "background"); one later in the text is kept.
     */
    @Test
    void aByteOrderMarkIsNoPartOfTheFirstName(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("labels.txt");
        Files.write(file, "\uFEFFbackground\ncat\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("background", "cat"), Labels.read(file).names());
        assertEquals(List.of("background", "cat"),
                Labels.read(file, 2).orElseThrow().names());
        assertEquals(List.of("a", "\uFEFFb"), Labels.parse("\uFEFFa\n\uFEFFb").names());
        assertEquals(List.of("", "a"), Labels.parse("\uFEFF\na").names());
    }
}
