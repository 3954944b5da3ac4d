package dev.mobilenetsimd.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.Labels;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * Labels from the zip archive appended to a model (written here by hand, so that entries can
 * be damaged): only the labels entry is read, and only up to {@link TfliteModel#MAX_LABEL_BYTES}.
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

    /** {@link #MODEL} with a zip archive of {@code entries} appended (offsets archive-relative). */
    private static byte[] withArchive(Entry... entries) {
        ByteBuffer z = ByteBuffer.allocate(MODEL.length + (1 << 20)
                + List.of(entries).stream().mapToInt(e -> e.data().length).sum())
                .order(ByteOrder.LITTLE_ENDIAN);
        z.put(MODEL);
        int[] at = new int[entries.length];
        for (int i = 0; i < entries.length; i++) {
            Entry e = entries[i];
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            at[i] = z.position() - MODEL.length;
            z.putInt(0x04034b50).putShort((short) 20).putShort((short) 0)
                    .putShort((short) e.method()).putInt(0).putInt(e.crc())
                    .putInt(e.data().length).putInt(e.size()).putShort((short) name.length)
                    .putShort((short) 0).put(name).put(e.data());
        }
        int cd = z.position();
        for (int i = 0; i < entries.length; i++) {
            Entry e = entries[i];
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            z.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0)
                    .putShort((short) e.method()).putInt(0).putInt(e.crc())
                    .putInt(e.data().length).putInt(e.size()).putShort((short) name.length)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt(at[i]).put(name);
        }
        int cdSize = z.position() - cd;
        z.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) entries.length).putShort((short) entries.length)
                .putInt(cdSize).putInt(cd - MODEL.length).putShort((short) 0);
        byte[] file = new byte[z.position()];
        z.flip().get(file);
        return file;
    }

    private static List<String> labels(byte[] file) throws ModelFormatException {
        return TfliteModel.read(file).labels().names();
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
            List<String> l = labels(withArchive(deflated("labels.txt", text)));
            assertEquals(extra == 0 ? 7 : 0, l.size(), "labels of " + text.length + " bytes");
        }
    }
}
