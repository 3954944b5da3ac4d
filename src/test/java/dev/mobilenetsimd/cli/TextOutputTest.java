package dev.mobilenetsimd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text outputs keep one line per item whatever the paths and labels hold. */
class TextOutputTest {
    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        CliRun r = CliRun.of(args);
        return new Result(r.status(), r.out(), r.err());
    }

    /** No control character but the line ends: the text's lines are the lines it prints. */
    private static void assertOnlyLineEndsAreControls(String text) {
        assertTrue(text.replace(System.lineSeparator(), "").chars()
                .noneMatch(c -> Character.isISOControl(c) || c == 0x2028 || c == 0x2029),
                text);
    }

    /**
     * A path with a newline, a carriage return and an escape sequence, and labels with a
     * vertical tab, ESC, DEL, U+2028 and U+0085: each item on its own line, its control
     * characters escaped (they reached the terminal as such: the path was cut in two lines,
     * ESC started a terminal command), the probabilities in one column.
     */
    @Test
    void classifyTextKeepsEachPathAndLabelOnItsLine(@TempDir Path dir) throws Exception {
        Path model = JsonOutputTest.smallModel(dir);
        List<String> labels = List.of("a \"quoted\" back\\slash\u0001ctl",
                "vertical\u000btab caf\u00e9 \ud83d\udc31",
                "del\u007f esc\u001b[2J line\u2028nel\u0085");
        Path labelFile = Files.writeString(dir.resolve("labels.txt"),
                String.join("\n", labels) + "\n");
        Path img = JsonOutputTest.image(dir, "new\nline\rcr\u001b[2J.png");
        Path missing = dir.resolve("no\nsuch.png");
        Result r = run("classify", "--normalization", "imagenet", "--labels",
                labelFile.toString(), "--model", model.toString(), img.toString(),
                missing.toString(), img.toString());
        assertEquals(1, r.status, r.err);
        assertOnlyLineEndsAreControls(r.out);
        assertOnlyLineEndsAreControls(r.err);
        List<String> lines = r.out.lines().toList();
        assertEquals(2 + 2 * (1 + 3), lines.size(), r.out); // header, then the two good images
        String shown = dir.resolve("new\\nline\\rcr\\u001b[2J.png").toString();
        assertTrue(lines.get(2).startsWith(shown + "  (inference "), r.out);
        List<String> rows = lines.subList(3, 6);
        for (String row : rows) { // the probabilities in one column
            assertEquals(rows.get(0).length(), row.length(), r.out);
            assertTrue(row.matches(" +\\d  .* \\d\\.\\d{4}"), row);
        }
        assertTrue(r.out.contains("a \"quoted\" back\\slash\\u0001ctl "), r.out);
        assertTrue(r.out.contains("vertical\\u000btab caf\u00e9 \ud83d\udc31 "), r.out);
        assertTrue(r.out.contains("del\\u007f esc\\u001b[2J line\\u2028nel\\u0085 "), r.out);
        assertEquals(List.of("error: cannot read image " + dir.resolve("no\\nsuch.png")
                + ": no such file or directory"), r.err.lines().toList(), r.err);
    }

    /**
     * Image paths that are not files to read: one error line each, in the one form
     * "cannot read image FILE: " and why, the image that is a file classified all the same.
     */
    @Test
    void imagePathsThatAreNotFilesAreNamedInOneForm(@TempDir Path dir) throws Exception {
        Path model = JsonOutputTest.smallModel(dir);
        Path img = JsonOutputTest.image(dir, "ok.png");
        Path missing = dir.resolve("missing.png");
        Path folder = Files.createDirectory(dir.resolve("folder.jpg"));
        List<String> args = new java.util.ArrayList<>(List.of("classify", "--normalization",
                "imagenet", "--model", model.toString(), missing.toString(), folder.toString(),
                img.toString()));
        List<String> expected = new java.util.ArrayList<>(List.of(
                "error: cannot read image " + missing + ": no such file or directory",
                "error: cannot read image " + folder + ": a directory, expected a JPEG, PNG or"
                        + " BMP file"));
        Path device = Path.of("/dev/null");
        if (Files.exists(device) && !Files.isRegularFile(device)) {
            args.add(device.toString());
            expected.add("error: cannot read image /dev/null: not a regular file, expected a"
                    + " JPEG, PNG or BMP file");
        }
        Result r = run(args.toArray(String[]::new));
        assertEquals(1, r.status, r.err);
        assertEquals(expected, r.err.lines().toList(), r.err);
        assertTrue(r.out.contains(img + "  (inference "), r.out);
    }

    /** Every error line too: a model, labels or output path may hold anything. */
    @Test
    void errorLinesKeepTheirPathsOnOneLine(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("bad\nmodel\u001b[2J.tflite");
        Result r = run("classify", "--model", model.toString(), "cat.png");
        assertEquals(2, r.status, r.err);
        assertOnlyLineEndsAreControls(r.err);
        assertEquals(1, r.err.lines().count(), r.err);
        assertTrue(r.err.startsWith("error: cannot load " + dir.resolve("bad\\nmodel\\u001b[2J"
                + ".tflite") + ": no such file or directory"), r.err);
        Path labels = dir.resolve("no\rlabels.txt");
        r = run("classify", "--labels", labels.toString(), "--model",
                JsonOutputTest.smallModel(dir).toString(), "--normalization", "imagenet",
                "cat.png");
        assertEquals(2, r.status, r.err);
        assertOnlyLineEndsAreControls(r.err);
        assertTrue(r.err.contains(dir.resolve("no\\rlabels.txt").toString()), r.err);
        Path out = dir.resolve("no\ndir").resolve("m.onnx");
        r = run("export-onnx", "-a", "0.35", "-r", "32", "-k", "3", "-o", out.toString());
        assertEquals(1, r.status, r.err);
        assertOnlyLineEndsAreControls(r.err);
        assertEquals(1, r.err.lines().count(), r.err);
    }

    /** export-onnx names the file it wrote on one line. */
    @Test
    void exportOnnxNamesItsFileOnOneLine(@TempDir Path dir) {
        Path out = dir.resolve("two\nlines.onnx");
        Result r = run("export-onnx", "-a", "0.35", "-r", "32", "-k", "3", "-o", out.toString());
        assertEquals(0, r.status, r.err);
        assertOnlyLineEndsAreControls(r.out);
        assertTrue(r.out.startsWith("wrote " + dir.resolve("two\\nlines.onnx") + ": "), r.out);
        assertEquals(1, r.out.lines().count(), r.out);
    }
}
