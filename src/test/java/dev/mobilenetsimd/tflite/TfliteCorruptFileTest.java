package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.mobilenetsimd.testdata.RealData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged copies of the real model (made in memory or a temp folder) fail with a clear ModelFormatException. */
class TfliteCorruptFileTest {
    /** Where the flatbuffer of the primary model ends and its appended label zip begins. */
    private static int flatbufferEnd(byte[] file) {
        for (int i = 8; i < file.length - 4; i++) {
            if (file[i] == 'P' && file[i + 1] == 'K' && file[i + 2] == 3 && file[i + 3] == 4 && i > file.length / 2) {
                return i;
            }
        }
        return file.length;
    }

    private static byte[] real() throws IOException {
        return Files.readAllBytes(RealData.model(RealData.TF1_QUANT));
    }

    @Test
    void truncatedFilesAreReported() throws IOException {
        byte[] file = real();
        int end = flatbufferEnd(file);
        for (int len : new int[] {0, 3, 7, 8, 64, 4096, end / 4, end / 2, end - 4096, end - 1}) {
            byte[] cut = Arrays.copyOf(file, len);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfliteModel.read(cut),
                    "truncated to " + len + " bytes");
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("not a TensorFlow Lite model"),
                    len + ": " + e.getMessage());
        }
    }

    @Test
    void truncatedFileOnDiskNamesTheFile(@TempDir Path dir) throws IOException {
        byte[] file = real();
        Path p = dir.resolve("cut.tflite");
        Files.write(p, Arrays.copyOf(file, file.length / 3));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfliteModel.load(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    }

    /** Over 2 GB (a sparse file): refused by its size, not an OutOfMemoryError from reading it. */
    @Test
    void fileLargerThanAnArrayIsRefusedBeforeReading(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("huge.tflite");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> TfliteModel.load(p));
        assertTrue(e.getMessage().startsWith(p + ": 3221225472 bytes, more than"), e.getMessage());
    }

    /**
     * A device or a directory is refused by its type before anything is read: {@code /dev/zero}
     * was read up to the 2 GB limit, and a directory failed as "Is a directory" without its path.
     */
    @Test
    void nonRegularFilesAreRefusedBeforeReading(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("model.tflite"));
        IOException e = assertThrows(IOException.class, () -> TfliteModel.load(folder));
        assertTrue(e.getMessage().equals(folder + ": a directory, expected a regular .tflite file"),
                e.getMessage());
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero), "no /dev/zero here");
        e = assertThrows(IOException.class, () -> TfliteModel.load(zero));
        assertTrue(e.getMessage().equals(zero + ": not a regular file, expected a regular .tflite"
                + " file"), e.getMessage());
    }

    @Test
    void wrongIdentifierIsReported() throws IOException {
        byte[] file = real();
        file[4] = 'X';
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TfliteModel.read(file));
        assertTrue(e.getMessage().contains("file identifier is 'XFL3'"), e.getMessage());
    }

    @Test
    void garbageIsReported() {
        byte[] junk = new byte[100_000];
        new Random(1).nextBytes(junk);
        junk[4] = 'T';
        junk[5] = 'F';
        junk[6] = 'L';
        junk[7] = '3';
        assertThrows(ModelFormatException.class, () -> TfliteModel.read(junk));
    }

    /**
     * Random byte flips: the import either succeeds (a flip in weight data cannot be detected) or
     * fails with a ModelFormatException, never with another exception. Half the flips hit the
     * graph structure (the part of the flatbuffer before and after the big weight buffers).
     */
    @Test
    void flippedBytesNeverCrash() throws IOException {
        byte[] file = real();
        int end = flatbufferEnd(file);
        Random rnd = new Random(42);
        int rejected = 0;
        for (int trial = 0; trial < 40; trial++) {
            byte[] bad = file.clone();
            int flips = 1 + rnd.nextInt(8);
            for (int f = 0; f < flips; f++) {
                int pos = trial % 2 == 0 ? rnd.nextInt(end) : (rnd.nextBoolean() ? rnd.nextInt(20_000)
                        : end - 1 - rnd.nextInt(40_000));
                bad[pos] ^= (byte) (1 << rnd.nextInt(8));
            }
            try {
                TfliteModel.read(bad);
            } catch (ModelFormatException e) {
                rejected++;
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
            } catch (RuntimeException | Error e) {
                fail("trial " + trial + ": " + e, e);
            }
        }
        System.out.println("flipped-byte trials rejected with ModelFormatException: " + rejected + " of 40");
    }

    /**
     * A 2 MB file whose 250,000 tensors all point to one table with a 250,000-entry shape: read
     * naively that is 250 GB of shape arrays, and the import died of an OutOfMemoryError. The
     * reader now stops once it has copied more than twice the file's size.
     */
    @Test
    void tablesSharingOneLargeVectorAreRefusedNotReadOverAndOver() {
        int n = 250_000;
        FlatBufferBuilder fb = new FlatBufferBuilder(1 << 20);
        fb.startVector(4, n, 4);
        for (int i = 0; i < n; i++) {
            fb.addInt(1);
        }
        int shape = fb.endVector();
        fb.startTable(5);
        fb.addOffset(0, shape, 0); // Tensor.shape
        int tensor = fb.endTable();
        fb.startVector(4, n, 4);
        for (int i = 0; i < n; i++) {
            fb.addOffset(tensor); // every entry the same table
        }
        int tensors = fb.endVector();
        fb.startTable(4);
        fb.addOffset(0, tensors, 0); // SubGraph.tensors
        int subgraph = fb.endTable();
        int subgraphs = fb.createVectorOfTables(new int[] {subgraph});
        fb.startTable(5);
        fb.addInt(0, 3, 0); // Model.version
        fb.addOffset(2, subgraphs, 0);
        int model = fb.endTable();
        fb.finish(model, "TFL3");
        byte[] file = fb.sizedByteArray();
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> TfliteModel.read(file));
        assertTrue(e.getMessage().startsWith("corrupt or truncated TensorFlow Lite file: its tables"
                + " share the same data over and over"), e.getMessage());
    }
}
