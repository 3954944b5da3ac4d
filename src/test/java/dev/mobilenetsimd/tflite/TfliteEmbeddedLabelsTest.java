package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.AllocationCounters;
import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Labels from the zip archive appended to a model (written here by hand, so that entries can
 * be damaged): only the labels entry is read, and only up to {@link TfliteModel#MAX_LABEL_BYTES},
 * from plain and Zip64 archives.
 */
class TfliteEmbeddedLabelsTest {
    private static final String NAMES = "a\nb\nc\nd\ne\nf\ng\n";

    /** A synthetic 7-class model. */
    private static final byte[] MODEL = TfliteWriter.mobileNet(
            Weights.random(new ModelConfig(0.35, 32, 7, Padding.TF_SAME), 7),
            new TfliteWriter.Variant());

    /** One archive entry: its name, method (0 stored, 8 deflated), data as stored, CRC, size. */
    private record Entry(String name, int method, byte[] data, int crc, int size) {}

    private static Entry stored(String name, byte[] content) {
        return new Entry(name, 0, content, crc(content), content.length);
    }

    private static Entry deflated(String name, byte[] content) {
        Deflater d = new Deflater(9, true);
        d.setInput(content);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return new Entry(name, 8, out.toByteArray(), crc(content), content.length);
    }

    private static int crc(byte[] content) {
        CRC32 crc = new CRC32();
        crc.update(content);
        return (int) crc.getValue();
    }

    /** How a hand-written archive is laid out beyond a plain zip. */
    private enum Feature {
        /** A Zip64 end record and locator before the end record. */
        ZIP64_END,
        /** The end record's count, size and offset as placeholders (with ZIP64_END). */
        END_PLACEHOLDERS,
        /** Central directory sizes and offsets as placeholders, their values in Zip64 extras. */
        CENTRAL_ZIP64,
        /** Local header sizes as placeholders, their values in Zip64 extra fields. */
        LOCAL_ZIP64,
        /** CRC and sizes after the data (8-byte sizes with LOCAL_ZIP64), 0 in the header. */
        DATA_DESCRIPTOR,
        /** Offsets counted from the file start, as an archive appended in place has them. */
        FILE_OFFSETS
    }

    /** {@link #MODEL} with a plain zip archive of {@code entries} appended. */
    private static byte[] withArchive(Entry... entries) {
        return withArchive(EnumSet.noneOf(Feature.class), entries);
    }

    /**
     * {@link #MODEL} with a zip archive of {@code entries} appended, laid out as {@code f} says
     * (offsets archive-relative unless FILE_OFFSETS). A Zip64 extra field in the central
     * directory follows an extended timestamp one, as Info-ZIP's zip writes them.
     */
    private static byte[] withArchive(Set<Feature> f, Entry... entries) {
        return withArchive(f, new byte[0], entries);
    }

    /**
     * {@link #withArchive(Set, Entry...)}, with {@code extensible} as the Zip64 end record's
     * extensible data (with ZIP64_END; its size field counting it).
     */
    private static byte[] withArchive(Set<Feature> f, byte[] extensible, Entry... entries) {
        ByteBuffer z = ByteBuffer.allocate(MODEL.length + (1 << 20)
                + List.of(entries).stream().mapToInt(e -> e.data().length).sum())
                .order(ByteOrder.LITTLE_ENDIAN);
        z.put(MODEL);
        int base = f.contains(Feature.FILE_OFFSETS) ? 0 : MODEL.length;
        boolean local64 = f.contains(Feature.LOCAL_ZIP64);
        boolean descriptor = f.contains(Feature.DATA_DESCRIPTOR);
        boolean central64 = f.contains(Feature.CENTRAL_ZIP64);
        short version = (short) (f.isEmpty() || f.equals(EnumSet.of(Feature.FILE_OFFSETS))
                ? 20 : 45); // 4.5: Zip64
        int[] at = new int[entries.length];
        for (int i = 0; i < entries.length; i++) {
            Entry e = entries[i];
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            at[i] = z.position() - base;
            z.putInt(0x04034b50).putShort(version).putShort((short) (descriptor ? 8 : 0))
                    .putShort((short) e.method()).putInt(0).putInt(descriptor ? 0 : e.crc())
                    .putInt(local64 ? -1 : descriptor ? 0 : e.data().length)
                    .putInt(local64 ? -1 : descriptor ? 0 : e.size())
                    .putShort((short) name.length).putShort((short) (local64 ? 20 : 0)).put(name);
            if (local64) {
                z.putShort((short) 1).putShort((short) 16).putLong(descriptor ? 0 : e.size())
                        .putLong(descriptor ? 0 : e.data().length);
            }
            z.put(e.data());
            if (descriptor) {
                z.putInt(0x08074b50).putInt(e.crc());
                if (local64) {
                    z.putLong(e.data().length).putLong(Integer.toUnsignedLong(e.size()));
                } else {
                    z.putInt(e.data().length).putInt(e.size());
                }
            }
        }
        int cd = z.position();
        for (int i = 0; i < entries.length; i++) {
            Entry e = entries[i];
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            z.putInt(0x02014b50).putShort(version).putShort(version)
                    .putShort((short) (descriptor ? 8 : 0)).putShort((short) e.method()).putInt(0)
                    .putInt(e.crc()).putInt(central64 ? -1 : e.data().length)
                    .putInt(central64 ? -1 : e.size()).putShort((short) name.length)
                    .putShort((short) (central64 ? 9 + 28 : 0)).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0)
                    .putInt(central64 ? -1 : at[i]).put(name);
            if (central64) {
                z.putShort((short) 0x5455).putShort((short) 5).put((byte) 1).putInt(0);
                z.putShort((short) 1).putShort((short) 24).putLong(Integer.toUnsignedLong(e.size()))
                        .putLong(e.data().length).putLong(at[i]);
            }
        }
        int cdSize = z.position() - cd;
        if (f.contains(Feature.ZIP64_END)) {
            int record = z.position();
            z.putInt(0x06064b50).putLong(44 + extensible.length).putShort((short) 45)
                    .putShort((short) 45).putInt(0).putInt(0).putLong(entries.length)
                    .putLong(entries.length).putLong(cdSize).putLong(cd - base).put(extensible);
            z.putInt(0x07064b50).putInt(0).putLong(record - base).putInt(1);
        }
        boolean placeholders = f.contains(Feature.END_PLACEHOLDERS);
        short count = (short) (placeholders ? 0xFFFF : entries.length);
        z.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort(count)
                .putShort(count).putInt(placeholders ? -1 : cdSize)
                .putInt(placeholders ? -1 : cd - base).putShort((short) 0);
        byte[] file = new byte[z.position()];
        z.flip().get(file);
        return file;
    }

    private static List<String> labels(byte[] file) throws ModelFormatException {
        return TfliteModel.read(file).labels().names();
    }

    /** Why {@code file}'s archive gave no labels, or null. */
    private static String problem(byte[] file) throws ModelFormatException {
        return TfliteModel.read(file).labelsProblem().orElse(null);
    }

    /**
     * The JDK's zip reader finds {@code names} as {@code labels.txt} in {@code file}'s archive:
     * the test built a valid one. With offsets from the file start, the whole file is the
     * archive; otherwise the bytes after the model.
     */
    private static void assertValidArchive(Path dir, byte[] file, boolean fileOffsets,
                                           byte[] names, Object what) throws IOException {
        Path zip = dir.resolve("archive.zip");
        Files.write(zip, fileOffsets ? file : Arrays.copyOfRange(file, MODEL.length, file.length));
        try (ZipFile z = new ZipFile(zip.toFile());
                InputStream in = z.getInputStream(z.getEntry("labels.txt"))) {
            assertArrayEquals(names, in.readAllBytes(), what + ": the test's own archive");
        }
    }

    private static final List<String> EXPECTED = Labels.parse(NAMES).names();

    @Test
    void labelsAreReadStoredOrDeflatedAfterOtherEntries() throws ModelFormatException {
        byte[] names = NAMES.getBytes(StandardCharsets.UTF_8);
        assertEquals(EXPECTED, labels(withArchive(stored("labels.txt", names))));
        assertEquals(EXPECTED, labels(withArchive(deflated("x/", new byte[0]),
                deflated("vocab.bin", new byte[1000]), deflated("labels.txt", names),
                stored("other.txt", "h\n".getBytes(StandardCharsets.UTF_8)))));
        assertEquals(List.of(), labels(withArchive(stored("labels.txt", "a\nb\n".getBytes(
                StandardCharsets.UTF_8)))), "2 names for 7 classes");
        assertEquals(List.of(), labels(MODEL));
    }

    /**
     * An archive that is there but gives no labels says why: cut short (the file truncated,
     * anywhere past its first four bytes), damaged, or of another number of names. Its labels
     * were dropped without a word. No archive, or one without a labels file, is no problem.
     */
    @Test
    void anArchiveThatGivesNoLabelsSaysWhy() throws ModelFormatException {
        byte[] names = NAMES.getBytes(StandardCharsets.UTF_8);
        byte[] good = withArchive(deflated("vocab.bin", new byte[1000]),
                deflated("labels.txt", names));
        assertEquals(EXPECTED, labels(good));
        assertEquals(null, problem(good));
        assertEquals(null, problem(MODEL), "no archive");
        assertEquals(null, problem(withArchive(stored("vocab.bin", new byte[10]))),
                "no labels file");
        int dataEnd = TfliteReader.read(ByteBuffer.wrap(good)).dataEnd;
        assertTrue(dataEnd > 0 && dataEnd <= MODEL.length, dataEnd + " of " + MODEL.length);
        for (int length : new int[] {MODEL.length + 4, MODEL.length + 30,
                (MODEL.length + good.length) / 2, good.length - 30, good.length - 1}) {
            byte[] cut = Arrays.copyOf(good, length);
            assertEquals(List.of(), labels(cut), length + " of " + good.length);
            assertEquals("the labels archive appended to the model (from byte "
                    + String.format(java.util.Locale.ROOT, "%,d of %,d", MODEL.length, length)
                    + ") has no end record: the file is cut short", problem(cut));
        }
        byte[] crc = good.clone();
        crc[lastIndexOf(crc, new byte[] {'P', 'K', 1, 2}) + 16] ^= 1;
        assertEquals("the labels archive appended to the model is damaged: its labels file"
                + " labels.txt's CRC-32 does not match its data", problem(crc));
        assertEquals("the labels file labels.txt appended to the model names 2 classes, the"
                + " model has 7", problem(withArchive(stored("labels.txt",
                        "a\nb\n".getBytes(StandardCharsets.UTF_8)))));
        assertEquals("the labels file labels.txt appended to the model names more than 7"
                + " classes, the model has 7", problem(withArchive(stored("labels.txt",
                        (NAMES + "h\n").getBytes(StandardCharsets.UTF_8)))));
    }

    /**
     * An entry before the labels is never inflated: here its data is no deflate stream at all
     * (block type 3). Skipping it with a ZipInputStream inflated it whole, which failed here
     * (no labels) and took 17 s for an 8 MB entry inflating to 8 GB of zeros.
     */
    @Test
    void entriesBeforeTheLabelsAreNotInflated() throws ModelFormatException {
        byte[] bad = new byte[4096];
        Arrays.fill(bad, (byte) 0xFF);
        Entry bomb = new Entry("a.bin", 8, bad, 0, Integer.MAX_VALUE);
        assertEquals(EXPECTED, labels(withArchive(bomb,
                deflated("labels.txt", NAMES.getBytes(StandardCharsets.UTF_8)))));
    }

    /**
     * A labels entry of more than {@link TfliteModel#MAX_LABEL_BYTES} gives no labels: it was
     * cut at that size, and the names before the cut taken (here 7, the last one cut).
     */
    @Test
    void labelsEntryLargerThanTheCapGivesNoLabels() throws ModelFormatException {
        for (int extra : new int[] {0, 1}) {
            byte[] text = new byte[TfliteModel.MAX_LABEL_BYTES + extra];
            Arrays.fill(text, (byte) 'g');
            byte[] six = "a\nb\nc\nd\ne\nf\n".getBytes(StandardCharsets.UTF_8);
            System.arraycopy(six, 0, text, 0, six.length);
            byte[] file = withArchive(deflated("labels.txt", text));
            assertEquals(extra == 0 ? 7 : 0, labels(file).size(), "labels of " + text.length
                    + " bytes");
            assertEquals(extra == 0 ? null : "the labels file labels.txt appended to the model"
                    + " has 16,777,217 bytes, more than the 16,777,216 read", problem(file));
        }
    }

    /**
     * A labels entry of 16 MB of one-letter lines, 16 KB deflated, gives no labels for a model
     * of 7 classes without a large allocation: it was parsed whole before its names were
     * counted: 8 million strings, 640 MB (an OutOfMemoryError in a 256 MB heap).
     */
    @Test
    void labelsEntryOfMillionsOfLinesIsNotParsedWhole() {
        com.sun.management.ThreadMXBean mx = AllocationCounters.threads();
        byte[] text = new byte[TfliteModel.MAX_LABEL_BYTES];
        for (int i = 0; i < text.length; i += 2) {
            text[i] = 'a';
            text[i + 1] = '\n';
        }
        byte[] file = withArchive(deflated("labels.txt", text));
        long before = mx.getCurrentThreadAllocatedBytes();
        Labels l = EmbeddedLabels.read(file, 7);
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, l.size());
        // The entry inflated and as a string: 32 MB.
        assertTrue(allocated < 3L * TfliteModel.MAX_LABEL_BYTES, allocated
                + " bytes allocated to find 8 million names for 7 classes");
    }

    /**
     * Names are found line by line as {@link Labels#parse} finds them: lines ended by CR, LF or
     * CR LF, white space stripped, empty names kept but trailing empty lines dropped, however
     * many there are.
     */
    @Test
    void labelsAreFoundAsLabelsParseFindsThem() {
        String seven = " a \r\n\nc\rd\n\u2003e\u2003\nf\n\tg\n\n \n\r\n";
        String many = "a\nb\nc\nd\ne\nf\ng" + "\n".repeat(1 << 20);
        for (String text : List.of(seven, many)) {
            Labels l = EmbeddedLabels.read(withArchive(deflated("labels.txt",
                    text.getBytes(StandardCharsets.UTF_8))), 7);
            assertEquals(Labels.parse(text).names(), l.names());
            assertEquals(7, l.size());
        }
        for (String text : List.of("a\n\n\n\n\n\n\nb\n", "a\nb\nc\nd\ne\nf\n", " \n\n")) {
            assertEquals(List.of(), EmbeddedLabels.read(withArchive(deflated("labels.txt",
                    text.getBytes(StandardCharsets.UTF_8))), 7).names(), text);
        }
    }

    /**
     * An archive comment holding an end record signature with at least 18 bytes after it gave
     * no labels: the scan from the file end took it for the end record. The end record whose
     * comment reaches the file end is the archive's, as {@link ZipFile} takes it too.
     */
    @Test
    void endSignatureInTheArchiveCommentIsNotTheEndRecord(@TempDir Path dir) throws IOException {
        byte[] plain = withArchive(stored("labels.txt", NAMES.getBytes(StandardCharsets.UTF_8)));
        byte[] comment = "PK\u0005\u0006 in a comment, read as an end record"
                .getBytes(StandardCharsets.UTF_8);
        byte[] file = Arrays.copyOf(plain, plain.length + comment.length);
        System.arraycopy(comment, 0, file, plain.length, comment.length);
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN)
                .putShort(plain.length - 2, (short) comment.length);
        Path zip = dir.resolve("comment.zip");
        Files.write(zip, Arrays.copyOfRange(file, MODEL.length, file.length));
        try (ZipFile z = new ZipFile(zip.toFile());
                InputStream in = z.getInputStream(z.getEntry("labels.txt"))) {
            assertEquals(NAMES, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(EXPECTED, labels(file));
    }

    /**
     * Zip64 archives in every layout written here: Zip64 end record and locator (the end
     * record keeping the values, as Python's zipfile and Info-ZIP's zip write it, or holding
     * placeholders), sizes and offsets in Zip64 extra fields, a Zip64 data descriptor, offsets
     * from the file or the archive start. An archive with a Zip64 end record, or with
     * placeholders in the central directory, gave no labels: the directory was looked for
     * right before the end record, and an offset of 0xFFFFFFFF taken as it was. A stored
     * entry with a data descriptor gave none too (ZipInputStream refuses it), as did a Zip64
     * data descriptor on Java 17 (its ZipInputStream read the sizes as 4-byte ones). Each
     * archive is checked with {@link ZipFile}, an independent reader, first.
     */
    @Test
    void labelsAreReadFromZip64Archives(@TempDir Path dir) throws IOException {
        byte[] names = NAMES.getBytes(StandardCharsets.UTF_8);
        List<Entry[]> contents = List.of(new Entry[] {stored("labels.txt", names)},
                new Entry[] {deflated("x/", new byte[0]), deflated("vocab.bin", new byte[1000]),
                    deflated("labels.txt", names), stored("other.txt", new byte[] {'h'})});
        Feature[] all = Feature.values();
        int layouts = 0;
        for (int mask = 0; mask < 1 << all.length; mask++) {
            Set<Feature> f = EnumSet.noneOf(Feature.class);
            for (Feature x : all) {
                if ((mask & 1 << x.ordinal()) != 0) {
                    f.add(x);
                }
            }
            if (f.contains(Feature.END_PLACEHOLDERS) && !f.contains(Feature.ZIP64_END)) {
                continue; // no Zip64 record behind the placeholders: damage, tested below
            }
            layouts++;
            for (Entry[] entries : contents) {
                byte[] file = withArchive(f, entries);
                assertValidArchive(dir, file, f.contains(Feature.FILE_OFFSETS), names, f);
                assertEquals(EXPECTED, labels(file), f + ", " + entries.length + " entries");
            }
        }
        assertEquals(48, layouts);
    }

    /**
     * Zip64 archives made by real writers, appended to {@link #MODEL}: Python 3.11's zipfile
     * ({@code labels-zip64-python.zip}: Zip64 end record and every size and offset in Zip64
     * extra fields, made by {@code make_python.py} below) and Info-ZIP's zip 3.0
     * ({@code labels-zip64-infozip.zip}, {@code zip -fz labels-zip64-infozip.zip labels.txt}:
     * the directory offset a placeholder, the size in a Zip64 extra field after two others).
     * Both gave no labels. {@code make_python.py}:
     * <pre>
     * import zipfile
     * zipfile.ZIP64_LIMIT = -1          # Zip64 records for a small archive
     * zipfile.ZIP_FILECOUNT_LIMIT = 0
     * with zipfile.ZipFile('labels-zip64-python.zip', 'w', allowZip64=True) as z:
     *     for name, data in [('vocab.bin', bytes(1000)), ('labels.txt', b'a\nb\nc\nd\ne\nf\ng\n')]:
     *         info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
     *         info.compress_type = zipfile.ZIP_DEFLATED
     *         with z.open(info, 'w', force_zip64=True) as f:
     *             f.write(data)
     * </pre>
     */
    @Test
    void labelsAreReadFromZip64ArchivesOfPythonAndInfoZip() throws IOException {
        for (String name : List.of("labels-zip64-python.zip", "labels-zip64-infozip.zip")) {
            byte[] zip;
            try (InputStream in = getClass().getResourceAsStream(name)) {
                assertNotNull(in, "missing test resource " + name);
                zip = in.readAllBytes();
            }
            byte[] file = Arrays.copyOf(MODEL, MODEL.length + zip.length);
            System.arraycopy(zip, 0, file, MODEL.length, zip.length);
            assertEquals(EXPECTED, labels(file), name);
        }
    }

    /**
     * Damaged Zip64 records and fields give no labels, without an exception, a long walk or a
     * large array: the Zip64 end record (signature, length, count, directory size and offset),
     * its locator, an end record value it contradicts, the labels entry's Zip64 extra field
     * (sizes, offset, its length) and its sizes.
     */
    @Test
    void damagedZip64ArchivesGiveNoLabels() throws ModelFormatException {
        byte[] names = NAMES.getBytes(StandardCharsets.UTF_8);
        Entry labels = deflated("labels.txt", names);
        Set<Feature> f = EnumSet.of(Feature.ZIP64_END, Feature.END_PLACEHOLDERS,
                Feature.CENTRAL_ZIP64, Feature.LOCAL_ZIP64);
        byte[] good = withArchive(f, deflated("vocab.bin", new byte[1000]), labels);
        assertEquals(EXPECTED, labels(good));
        int end = good.length - 22, locator = end - 20, record = locator - 56;
        int central = lastIndexOf(good, new byte[] {'P', 'K', 1, 2});
        int extra = central + 46 + "labels.txt".length() + 9; // after the timestamp field
        ByteBuffer g = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
        long cdSize = g.getLong(record + 40), cdOffset = g.getLong(record + 48);
        long offset = g.getLong(extra + 20);
        long[][] edits = { // {position, bytes (2, 4 or 8), value}
            {record, 4, 0}, {record + 4, 8, 45}, {record + 32, 8, Long.MAX_VALUE},
            {record + 32, 8, -1}, {record + 32, 8, cdSize / 46 + 1},
            {record + 40, 8, Long.MAX_VALUE}, {record + 40, 8, -1}, {record + 40, 8, cdSize - 1},
            {record + 40, 8, cdSize + (1L << 32)}, {record + 48, 8, Long.MIN_VALUE},
            {record + 48, 8, -1}, {record + 48, 8, cdOffset + 1},
            {record + 48, 8, cdOffset + (1L << 32)}, {locator, 4, 0},
            {locator + 8, 8, cdOffset + cdSize + 1}, {locator + 8, 8, Long.MAX_VALUE},
            {end + 16, 4, cdOffset + 1}, {end + 10, 2, 3},
            {extra, 2, 0x5455}, {extra + 2, 2, 16}, {extra + 2, 2, 29},
            {extra + 4, 8, TfliteModel.MAX_LABEL_BYTES + 1L}, {extra + 4, 8, 1L << 40},
            {extra + 4, 8, -1}, {extra + 4, 8, names.length - 1},
            {extra + 12, 8, Long.MAX_VALUE}, {extra + 12, 8, labels.data().length + 1},
            {extra + 12, 8, labels.data().length - 1}, {extra + 20, 8, Long.MIN_VALUE},
            {extra + 20, 8, -1}, {extra + 20, 8, offset + 1}, {extra + 20, 8, offset + (1L << 32)},
            {extra + 20, 8, Long.MAX_VALUE}};
        for (long[] e : edits) {
            byte[] bad = good.clone();
            ByteBuffer b = ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN);
            int at = (int) e[0];
            if (e[1] == 2) {
                b.putShort(at, (short) e[2]);
            } else if (e[1] == 4) {
                b.putInt(at, (int) e[2]);
            } else {
                b.putLong(at, e[2]);
            }
            assertEquals(List.of(), labels(bad), "byte " + (at - end) + " from the end record set"
                    + " to " + e[2]);
            assertNotNull(problem(bad), "byte " + (at - end) + " from the end record set to "
                    + e[2]);
        }
        // Placeholders in the end record without Zip64 records behind them.
        assertEquals(List.of(), labels(withArchive(EnumSet.of(Feature.END_PLACEHOLDERS),
                labels)));
    }

    /**
     * A plain archive whose directory ends, by chance, in the Zip64 locator's signature and 16
     * more bytes (here in the last entry's name), pointing at no Zip64 end record, beyond the
     * file, or at a 56-byte record before it (in the name too) that contradicts the end record.
     * It gave no labels. The end record holds no placeholders, so it needs no Zip64 values:
     * they are read from it, as {@link ZipFile} reads them. With placeholders for the counts
     * the archive does need Zip64 values, and gives none.
     */
    @Test
    void zip64LocatorSignatureInAPlainArchiveIsNotZip64(@TempDir Path dir) throws IOException {
        byte[] names = NAMES.getBytes(StandardCharsets.UTF_8);
        ByteBuffer record = ByteBuffer.allocate(56 + 20).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45)
                .putInt(0).putInt(0).putLong(5).putLong(5).putLong(0).putLong(0)
                .put(locator(0));
        // Bytes below 0x80 only: the name is written as UTF-8.
        byte[][] tails = {locator(0), locator(0x7a7a7a7a7a7a7a7aL), record.array()};
        for (byte[] tail : tails) {
            String last = "x" + new String(tail, StandardCharsets.ISO_8859_1);
            byte[] file = withArchive(stored("labels.txt", names), stored(last, new byte[] {'h'}));
            int end = file.length - 22;
            assertArrayEquals(Arrays.copyOfRange(tail, tail.length - 20, tail.length),
                    Arrays.copyOfRange(file, end - 20, end), "the locator before the end record");
            assertValidArchive(dir, file, false, names, "plain");
            assertEquals(EXPECTED, labels(file), tail.length + " bytes of Zip64 records");
            ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putShort(end + 8, (short) -1)
                    .putShort(end + 10, (short) -1);
            assertEquals(List.of(), labels(file), "count placeholders, " + tail.length + " bytes");
        }
    }

    /** A Zip64 end of central directory locator (20 bytes) pointing at {@code offset}. */
    private static byte[] locator(long offset) {
        return ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putInt(0x07064b50)
                .putInt(0).putLong(offset).putInt(1).array();
    }

    /**
     * A Zip64 end record with extensible data after its 56 bytes of fixed fields, its size
     * field counting it: a block of header ID, length and data, or data holding the record's
     * signature where a record of 56 bytes would start. It gave no labels: the record was
     * looked for only 56 bytes before the locator. The data is skipped, as {@link ZipFile}
     * skips it; a size field that does not end the record at the locator gives no labels.
     */
    @Test
    void zip64EndRecordWithExtensibleDataIsRead(@TempDir Path dir) throws IOException {
        byte[] names = NAMES.getBytes(StandardCharsets.UTF_8);
        Entry[] entries = {deflated("vocab.bin", new byte[1000]), deflated("labels.txt", names)};
        byte[] block = ByteBuffer.allocate(2 + 4 + 10).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x6666).putInt(10)
                .put("extensible".getBytes(StandardCharsets.US_ASCII)).array();
        byte[] signature = new byte[100];
        ByteBuffer.wrap(signature).order(ByteOrder.LITTLE_ENDIAN).putInt(100 - 56, 0x06064b50);
        for (byte[] extensible : List.of(block, signature)) {
            for (Set<Feature> more : List.of(EnumSet.noneOf(Feature.class),
                    EnumSet.of(Feature.END_PLACEHOLDERS), EnumSet.of(Feature.FILE_OFFSETS),
                    EnumSet.of(Feature.END_PLACEHOLDERS, Feature.CENTRAL_ZIP64,
                            Feature.FILE_OFFSETS))) {
                Set<Feature> f = EnumSet.of(Feature.ZIP64_END);
                f.addAll(more);
                byte[] file = withArchive(f, extensible, entries);
                assertValidArchive(dir, file, f.contains(Feature.FILE_OFFSETS), names, f);
                assertEquals(EXPECTED, labels(file), f + ", " + extensible.length + " bytes");
            }
        }
        byte[] good = withArchive(EnumSet.of(Feature.ZIP64_END, Feature.END_PLACEHOLDERS),
                block, entries);
        int record = good.length - 22 - 20 - 56 - block.length;
        assertEquals(0x06064b50, ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN)
                .getInt(record));
        for (long size : new long[] {44, 44 + block.length - 1, 44 + block.length + 1,
                Long.MAX_VALUE, -1}) {
            byte[] bad = good.clone();
            ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(record + 4, size);
            assertEquals(List.of(), labels(bad), "record size " + size);
        }
    }

    private static int lastIndexOf(byte[] a, byte[] what) {
        for (int i = a.length - what.length; i >= 0; i--) {
            if (Arrays.equals(a, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
