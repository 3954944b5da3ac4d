package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.mobilenetsimd.testdata.RealData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged copies of the real model (made in memory or a
 * temp folder) fail with a clear ModelFormatException.
 */
class TfliteCorruptFileTest {
    /** Where the flatbuffer of the primary model ends and its appended label zip begins. */
    private static int flatbufferEnd(byte[] file) {
        for (int i = 8; i < file.length - 4; i++) {
            if (file[i] == 'P' && file[i + 1] == 'K' && file[i + 2] == 3 && file[i + 3] == 4
                    && i > file.length / 2) {
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
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> TfliteModel.read(cut), "truncated to " + len + " bytes");
            assertTrue(e.getMessage().contains("truncated")
                    || e.getMessage().contains("not a TensorFlow Lite model"),
                    len + ": " + e.getMessage());
        }
    }

    @Test
    void truncatedFileOnDiskNamesTheFile(@TempDir Path dir) throws IOException {
        byte[] file = real();
        Path p = dir.resolve("cut.tflite");
        Files.write(p, Arrays.copyOf(file, file.length / 3));
        ModelFormatException e =
                assertThrows(ModelFormatException.class, () -> TfliteModel.load(p));
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
        ModelFormatException e =
                assertThrows(ModelFormatException.class, () -> TfliteModel.read(file));
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
                int pos = trial % 2 == 0 ? rnd.nextInt(end)
                        : (rnd.nextBoolean() ? rnd.nextInt(20_000) : end - 1 - rnd.nextInt(40_000));
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
        System.out.println("flipped-byte trials rejected with ModelFormatException: " + rejected
                + " of 40");
    }

    /** A model whose {@code tensors} tensors all point to one table, shaped {@code dims} 1s. */
    private static byte[] sharedTensors(int tensors, int dims) {
        FlatBufferBuilder fb = new FlatBufferBuilder(4 * (tensors + dims) + 1024);
        fb.startVector(4, dims, 4);
        for (int i = 0; i < dims; i++) {
            fb.addInt(1);
        }
        int shape = fb.endVector();
        fb.startTable(5);
        fb.addOffset(0, shape, 0); // Tensor.shape
        int tensor = fb.endTable();
        fb.startVector(4, tensors, 4);
        for (int i = 0; i < tensors; i++) {
            fb.addOffset(tensor); // every entry the same table
        }
        int vector = fb.endVector();
        fb.startTable(4);
        fb.addOffset(0, vector, 0); // SubGraph.tensors
        int subgraph = fb.endTable();
        int subgraphs = fb.createVectorOfTables(new int[] {subgraph});
        fb.startTable(5);
        fb.addInt(0, 3, 0); // Model.version
        fb.addOffset(2, subgraphs, 0);
        int model = fb.endTable();
        fb.finish(model, "TFL3");
        return fb.sizedByteArray();
    }

    /**
     * A 1.4 MB file whose 100,000 tensors all point to one table with a 250,000-entry shape:
     * read naively that is 100 GB of shape arrays, and the import died of an
     * OutOfMemoryError. The reader now stops once it has copied more than twice the file's size.
     */
    @Test
    void tablesSharingOneLargeVectorAreRefusedNotReadOverAndOver() {
        byte[] file = sharedTensors(TfliteReader.MAX_TABLES, 250_000);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> TfliteModel.read(file));
        assertTrue(e.getMessage().startsWith("corrupt or truncated TensorFlow Lite file: its tables"
                + " share the same data over and over"), e.getMessage());
    }

    /**
     * Vectors of tables are read up to {@link TfliteReader#MAX_TABLES} entries: each entry costs
     * some 200 bytes of heap for 4 bytes of file, and a 48 MB file of 12 million tensor offsets
     * (to one table) ran the reader out of memory. One more is refused before allocating.
     */
    @Test
    void moreTablesThanTheCapAreRefused() throws ModelFormatException {
        int max = TfliteReader.MAX_TABLES;
        assertEquals(max, TfliteReader.read(ByteBuffer.wrap(sharedTensors(max, 1))).tensors.size());
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> TfliteModel.read(sharedTensors(max + 1, 1)));
        assertEquals("not a MobileNetV2 model: it lists " + (max + 1) + " Tensor tables, more than"
                + " the " + max + " this importer reads (a MobileNetV2 has a few hundred)",
                e.getMessage());
    }

    /**
     * A model whose buffer 1 keeps its data outside the flatbuffer ({@code offset} and
     * {@code size}, as models over 2 GB do), with {@code appended} after the flatbuffer.
     */
    private static byte[] modelWithExternalBuffer(long offset, long size, byte[] appended) {
        FlatBufferBuilder fb = new FlatBufferBuilder(1024);
        fb.forceDefaults(true); // the same layout whatever the values, zeros included
        fb.startTable(4);
        int subgraph = fb.endTable();
        int subgraphs = fb.createVectorOfTables(new int[] {subgraph});
        fb.startTable(3);
        int empty = fb.endTable();
        fb.startTable(3);
        fb.addLong(1, offset, 0); // Buffer.offset
        fb.addLong(2, size, 0);   // Buffer.size
        int external = fb.endTable();
        int buffers = fb.createVectorOfTables(new int[] {empty, external});
        fb.startTable(5);
        fb.addInt(0, 3, 0); // Model.version
        fb.addOffset(2, subgraphs, 0);
        fb.addOffset(4, buffers, 0);
        fb.finish(fb.endTable(), "TFL3");
        byte[] model = fb.sizedByteArray();
        byte[] file = Arrays.copyOf(model, model.length + appended.length);
        System.arraycopy(appended, 0, file, model.length, appended.length);
        return file;
    }

    /** The length of the flatbuffer {@link #modelWithExternalBuffer} writes, for any values. */
    private static int externalBufferModelLength() {
        return modelWithExternalBuffer(2, 2, new byte[0]).length;
    }

    /** Data after the flatbuffer, addressed by offset and size, is read where they say. */
    @Test
    void bufferDataOutsideTheFlatbufferIsRead() throws ModelFormatException {
        byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
        int at = externalBufferModelLength();
        for (int size : new int[] {8, 5}) {
            byte[] file = modelWithExternalBuffer(at, size, data);
            ByteBuffer b = TfliteReader.read(ByteBuffer.wrap(file)).buffers.get(1);
            byte[] read = new byte[b.remaining()];
            b.get(read);
            assertArrayEquals(Arrays.copyOf(data, size), read);
        }
    }

    /**
     * Buffer offsets and sizes are unsigned 64-bit numbers: each that reaches past the file is
     * refused by name. An offset of 2^63 - 2^32 + 16 with a size of 2^32 + 64 added up past
     * Long.MAX_VALUE to a negative end, passed "offset + size > length", and the int casts
     * sliced file bytes 16 to 79 as the buffer: a silently wrong bias. An offset of 2^63 or more
     * (negative as a long) was taken for "no external data", an empty buffer.
     */
    @Test
    void bufferOffsetAndSizePastTheFileAreRefusedWithoutWrapping() {
        byte[] data = new byte[100];
        int at = externalBufferModelLength();
        long end = at + 100L;
        long[][] cases = { // offset, size
                {0x7FFFFFFF00000010L, 0x100000040L},
                {Long.MAX_VALUE, Long.MAX_VALUE},
                {Long.MIN_VALUE + 16, 64},
                {-1, 0},
                {16, -1},
                {16, Long.MIN_VALUE},
                {(1L << 32) + 16, 64},
                {at, 101},
                {end + 1, 0}};
        for (long[] c : cases) {
            byte[] file = modelWithExternalBuffer(c[0], c[1], data);
            assertEquals(end, file.length);
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> TfliteReader.read(ByteBuffer.wrap(file)),
                    c[0] + ", " + c[1]);
            assertEquals("corrupt or truncated TensorFlow Lite file: buffer #1: data at offset "
                    + Long.toUnsignedString(c[0]) + " (" + Long.toUnsignedString(c[1])
                    + " bytes) lies outside the " + end + "-byte file", e.getMessage());
        }
    }

    /**
     * A vtable entry of 32 KB or more: the flatbuffers library reads it as a negative short,
     * a field before its table. It is refused by name; it read whatever lay before the table.
     */
    @Test
    void fieldOffsetOf32KbOrMoreIsRefused() {
        byte[] file = modelWithExternalBuffer(0, 0, new byte[0]);
        ByteBuffer bb = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int model = bb.getInt(0);
        int vtable = model - bb.getInt(model);
        bb.putShort(vtable + 4, (short) 0xFFFC); // Model.version, 4 bytes before the table
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> TfliteReader.read(bb.rewind()));
        assertEquals("corrupt or truncated TensorFlow Lite file: field 0 of the table at " + model
                + " has offset 65532 (32 KB or more): not a table a converter writes",
                e.getMessage());
    }
}
