package dev.mobilenetsimd.tflite;

import dev.mobilenetsimd.image.Labels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Labels from the zip archive TensorFlow Lite metadata appends to a model's flatbuffer: the
 * first {@code .txt} entry of the archive's central directory, when it has one line per class.
 *
 * <p>Only that entry is read, and at most {@link TfliteModel#MAX_LABEL_BYTES} of it: skipping
 * the entries before it with a {@link java.util.zip.ZipInputStream} inflated each of them
 * whole, and an 8 MB archive whose first entry inflated to 8 GB of zeros held a load up for
 * 17 s. The entry is read with the sizes, offset and CRC of its central directory entry, Zip64
 * ones included (a Zip64 end record, its extensible data skipped, and its locator before the
 * end record; Zip64 extra fields), so a streamed entry's data descriptor is never needed: Java
 * 17's ZipInputStream refused the 8-byte sizes of a Zip64 one. A locator's signature without a
 * consistent Zip64 end record behind it, before an end record with no placeholders for Zip64
 * values, is taken for the last bytes of a plain archive's directory: that end record's values
 * are read. Labels are optional (a file without them classifies with class numbers or the
 * caller's labels), so an archive that is damaged, or a labels entry that is larger, just means
 * no labels, and a problem that says why ({@link Found#problem}): a file cut short lost its
 * labels without a word. No archive, or none of its entries a {@code .txt} file, is no problem.
 */
final class EmbeddedLabels {
    private static final int END_SIGNATURE = 0x06054b50, END_LENGTH = 22;
    private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50, ZIP64_LOCATOR_LENGTH = 20;
    /** A Zip64 end record's fixed fields; extensible data may follow (common writers add none). */
    private static final int ZIP64_END_SIGNATURE = 0x06064b50, ZIP64_END_LENGTH = 56;
    private static final int CENTRAL_SIGNATURE = 0x02014b50, CENTRAL_LENGTH = 46;
    private static final int LOCAL_SIGNATURE = 0x04034b50, LOCAL_LENGTH = 30;
    private static final int ZIP64_EXTRA_ID = 1;
    private static final int COUNT_PLACEHOLDER = 0xFFFF;
    private static final long PLACEHOLDER = 0xFFFFFFFFL;
    private static final int STORED = 0, DEFLATED = 8;

    private final byte[] bytes;
    private final ByteBuffer b;
    private final int classes;
    /** Where the model's data ends: an archive appended to it starts there or later. */
    private final int dataEnd;

    private EmbeddedLabels(byte[] bytes, int classes, int dataEnd) {
        this.bytes = bytes;
        this.b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        this.classes = classes;
        this.dataEnd = Math.max(0, Math.min(dataEnd, bytes.length));
    }

    /**
     * What {@link #find} found.
     *
     * @param labels  the labels, or {@link Labels#none()}
     * @param problem why an archive the file carries gave no labels, or null: none when the
     *                labels were read, or there is no archive, or no {@code .txt} entry in it
     */
    record Found(Labels labels, String problem) {}

    /** The archive, its directory or the labels entry cannot be read: the message says why. */
    private static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The labels in the archive at the end of {@code file}, or {@link Labels#none()}.
     *
     * @param file    the bytes of a {@code .tflite} file
     * @param classes the model's class count: labels of another count are dropped
     * @return the labels, or none
     */
    static Labels read(byte[] file, int classes) {
        return find(file, classes, 0).labels();
    }

    /**
     * The labels in the archive at the end of {@code file}, and why there are none if an
     * archive is there.
     *
     * @param file    the bytes of a {@code .tflite} file
     * @param classes the model's class count: labels of another count are dropped
     * @param dataEnd where the model's data ends in {@code file} (0 if not known): a cut
     *                archive is looked for from there on
     * @return the labels or none, and the problem if any
     */
    static Found find(byte[] file, int classes, int dataEnd) {
        try {
            Labels l = new EmbeddedLabels(file, classes, dataEnd).labels();
            return new Found(l != null ? l : Labels.none(), null);
        } catch (Unreadable e) {
            return new Found(Labels.none(), e.getMessage());
        } catch (DataFormatException | RuntimeException e) {
            // Labels are optional: a damaged archive must not stop the model from loading.
            return new Found(Labels.none(), "the labels archive appended to the model is"
                    + " damaged (" + e + ")");
        }
    }

    /** A damaged archive: {@code what} is wrong. */
    private static Unreadable damaged(String what) {
        return new Unreadable("the labels archive appended to the model is damaged: " + what);
    }

    /**
     * The labels, or null when there is no archive or no labels entry in it.
     *
     * @throws Unreadable if the archive is cut short or damaged, or its labels entry is
     *                    encrypted, too large, compressed by a method not read or names
     *                    another number of classes than the model has
     */
    private Labels labels() throws DataFormatException, Unreadable {
        // The end record is the one whose comment reaches the file end: the comment may hold
        // its signature. Failing that (bytes after the archive), the last one.
        int end = -1;
        for (int i = bytes.length - END_LENGTH; i >= Math.max(0, bytes.length - END_LENGTH - 65535);
                i--) {
            if (b.getInt(i) == END_SIGNATURE) {
                if (end < 0) {
                    end = i;
                }
                if (i + END_LENGTH + u16(i + 20) == bytes.length) {
                    end = i;
                    break;
                }
            }
        }
        if (end < 0) {
            int local = cutArchive();
            if (local >= 0) {
                throw new Unreadable(String.format(Locale.ROOT, "the labels archive appended to"
                        + " the model (from byte %,d of %,d) has no end record: the file is cut"
                        + " short", local, bytes.length));
            }
            return null; // no archive
        }
        long entries = u16(end + 10);
        long cdSize = u32(end + 12);
        long cdOffset = u32(end + 16);
        int cdEnd = end;
        int locator = end - ZIP64_LOCATOR_LENGTH;
        if (locator >= 0 && b.getInt(locator) == ZIP64_LOCATOR_SIGNATURE) {
            // Zip64: the directory's count, size and offset are in the Zip64 end record, which
            // ends at the locator and starts where the directory ends.
            int z = zip64End(locator, entries, cdSize, cdOffset);
            if (z >= 0) {
                entries = b.getLong(z + 32);
                cdSize = b.getLong(z + 40);
                cdOffset = b.getLong(z + 48);
                cdEnd = z;
            } else if (entries == COUNT_PLACEHOLDER || cdSize == PLACEHOLDER
                    || cdOffset == PLACEHOLDER) {
                throw damaged("its end record needs the Zip64 end record's values, and that"
                        + " record is missing or contradicts it");
            }
            // Otherwise the end record has the values: the signature may be a plain archive's
            // directory's last bytes, by chance.
        }
        // Offsets in the archive may count from the file start or from the archive start.
        long shift = cdEnd - cdSize - cdOffset;
        if (!inRange(cdSize, cdEnd) || !inRange(cdOffset, cdEnd) || shift < 0) {
            throw damaged("its directory (" + cdSize + " bytes at offset " + cdOffset
                    + ") does not end where its end record starts");
        }
        int cd = (int) (cdOffset + shift);
        // Each central directory entry: 46 fixed bytes, then name, extra field and comment.
        // The count may be damaged: the entries' bytes bound the walk.
        for (long i = 0; i < entries; i++) {
            if (cd + CENTRAL_LENGTH > cdEnd || b.getInt(cd) != CENTRAL_SIGNATURE) {
                throw damaged("its directory holds " + i + " of the " + entries + " entries"
                        + " its end record counts");
            }
            int nameLength = u16(cd + 28);
            int next = cd + CENTRAL_LENGTH + nameLength + u16(cd + 30) + u16(cd + 32);
            if (next > cdEnd) {
                throw damaged("its directory's entry " + i + " runs past the directory");
            }
            String name = new String(bytes, cd + CENTRAL_LENGTH, nameLength,
                    StandardCharsets.UTF_8);
            if (name.endsWith(".txt")) {
                return entry(cd, name, cdOffset, shift);
            }
            cd = next;
        }
        return null; // no labels entry: not a problem, the archive may hold other files
    }

    /**
     * The start of an archive whose end is missing (the file cut short), or -1: a local file
     * header's signature at or after the model's data, its name, as far as the file holds it,
     * without control characters.
     */
    private int cutArchive() {
        for (int i = dataEnd; i <= bytes.length - 4; i++) {
            if (b.getInt(i) == LOCAL_SIGNATURE) {
                boolean plausible = true;
                if (i + LOCAL_LENGTH <= bytes.length) {
                    int n = u16(i + 26);
                    for (int k = i + LOCAL_LENGTH; k < Math.min(i + LOCAL_LENGTH + n,
                            bytes.length) && plausible; k++) {
                        plausible = (bytes[k] & 0xff) >= 0x20 && bytes[k] != 0x7f;
                    }
                    plausible &= n > 0;
                }
                if (plausible) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * The labels in the entry {@code name} whose central directory entry is at {@code p}. Its
     * data must lie between its local header (at an archive offset below {@code cdOffset}) and
     * the directory; {@code shift} turns archive offsets into file offsets.
     *
     * @throws Unreadable if the entry is damaged, encrypted, larger than
     *                    {@link TfliteModel#MAX_LABEL_BYTES}, compressed by another method than
     *                    deflate, or names another number of classes than the model has
     */
    private Labels entry(int p, String name, long cdOffset, long shift)
            throws DataFormatException, Unreadable {
        String labels = "its labels file " + name;
        if ((u16(p + 8) & 1) != 0) {
            throw new Unreadable("the labels file " + name + " appended to the model is"
                    + " encrypted");
        }
        int method = u16(p + 10);
        long crc = u32(p + 16);
        long compressed = u32(p + 20);
        long size = u32(p + 24);
        long offset = u32(p + 42);
        int nameLength = u16(p + 28);
        if (size == PLACEHOLDER || compressed == PLACEHOLDER || offset == PLACEHOLDER) {
            // Zip64: the values behind the placeholders, in this order, in the Zip64 extra field.
            int at = zip64Extra(p + CENTRAL_LENGTH + nameLength, u16(p + 30));
            if (at < 0) {
                throw damaged(labels + " has no Zip64 field for its sizes and offset");
            }
            int fieldsEnd = at + 4 + u16(at + 2);
            at += 4;
            long[] values = {size, compressed, offset};
            for (int i = 0; i < values.length; i++) {
                if (values[i] == PLACEHOLDER) {
                    if (at + 8 > fieldsEnd) {
                        throw damaged(labels + " has a Zip64 field too short for its sizes and"
                                + " offset");
                    }
                    values[i] = b.getLong(at);
                    at += 8;
                }
            }
            size = values[0];
            compressed = values[1];
            offset = values[2];
        }
        if (offset < 0 || offset >= cdOffset || compressed < 0 || size < 0) {
            throw damaged(labels + " has sizes or an offset outside the archive");
        }
        // A labels entry beyond the cap is not read: its last name could be cut.
        if (size > TfliteModel.MAX_LABEL_BYTES) {
            throw new Unreadable(String.format(Locale.ROOT, "the labels file %s appended to the"
                    + " model has %,d bytes, more than the %,d read", name, size,
                    TfliteModel.MAX_LABEL_BYTES));
        }
        int local = (int) (offset + shift);
        int cd = (int) (cdOffset + shift);
        if (local + LOCAL_LENGTH > cd || b.getInt(local) != LOCAL_SIGNATURE
                || u16(local + 26) != nameLength) {
            throw damaged(labels + " has no local header where its directory entry says");
        }
        int data = local + LOCAL_LENGTH + nameLength + u16(local + 28);
        if (data > cd || compressed > cd - data || !Arrays.equals(
                bytes, local + LOCAL_LENGTH, local + LOCAL_LENGTH + nameLength,
                bytes, p + CENTRAL_LENGTH, p + CENTRAL_LENGTH + nameLength)) {
            throw damaged(labels + "'s local header or data disagrees with its directory entry");
        }
        byte[] text;
        if (method == STORED) {
            if (compressed != size) {
                throw damaged(labels + " is stored with " + compressed + " bytes for "
                        + size);
            }
            text = Arrays.copyOfRange(bytes, data, data + (int) size);
        } else if (method == DEFLATED) {
            text = inflate(data, (int) compressed, (int) size);
            if (text == null) {
                throw damaged(labels + " does not inflate to its " + size + " bytes");
            }
        } else {
            throw new Unreadable("the labels file " + name + " appended to the model is"
                    + " compressed by method " + method + ": only stored and deflated files"
                    + " are read");
        }
        CRC32 c = new CRC32();
        c.update(text);
        if (c.getValue() != crc) {
            throw damaged(labels + "'s CRC-32 does not match its data");
        }
        Labels l = Labels.parse(new String(text, StandardCharsets.UTF_8), classes).orElse(null);
        if (l == null || l.size() != classes) {
            throw new Unreadable("the labels file " + name + " appended to the model names "
                    + (l == null ? "more than " + classes : String.valueOf(l.size()))
                    + " classes, the model has " + classes);
        }
        return l;
    }

    /**
     * The position of the Zip64 end record of the locator at {@code locator}, or -1 if it is
     * missing, or contradicts the end record's {@code entries}, {@code cdSize} or
     * {@code cdOffset} (each the value or its placeholder), its locator or the file.
     */
    private int zip64End(int locator, long entries, long cdSize, long cdOffset) {
        // The locator gives the record's offset from the file or the archive start, which is
        // not known yet: the record is the nearest one before the locator whose size field
        // ends it there, 56 bytes or longer with extensible data (skipped). The archive starts
        // in the file, so the walk stops at that offset: one pass over the file at most.
        long offset = b.getLong(locator + 8);
        if (offset < 0 || offset > locator - ZIP64_END_LENGTH) {
            return -1;
        }
        int z = locator - ZIP64_END_LENGTH;
        while (z >= offset && (b.getInt(z) != ZIP64_END_SIGNATURE
                || b.getLong(z + 4) != locator - z - 12)) {
            z--;
        }
        if (z < offset) {
            return -1;
        }
        long entries64 = b.getLong(z + 32), cdSize64 = b.getLong(z + 40);
        long cdOffset64 = b.getLong(z + 48);
        // The end record holds the same values, or placeholders for those too large.
        return agrees(entries, COUNT_PLACEHOLDER, entries64)
                && agrees(cdSize, PLACEHOLDER, cdSize64)
                && agrees(cdOffset, PLACEHOLDER, cdOffset64)
                && inRange(cdSize64, z) && inRange(cdOffset64, z)
                && inRange(entries64, cdSize64 / CENTRAL_LENGTH)
                && offset == cdOffset64 + cdSize64 ? z : -1;
    }

    /** The start of the Zip64 field among the extra fields at {@code from}, or -1. */
    private int zip64Extra(int from, int length) {
        int end = from + length;
        for (int at = from; at + 4 <= end; at += 4 + u16(at + 2)) {
            if (at + 4 + u16(at + 2) > end) {
                return -1;
            }
            if (u16(at) == ZIP64_EXTRA_ID) {
                return at;
            }
        }
        return -1;
    }

    /**
     * The {@code size} bytes the deflate stream of {@code length} bytes at {@code from}
     * inflates to, or null if it is damaged or inflates to another size.
     */
    private byte[] inflate(int from, int length, int size) throws DataFormatException {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(bytes, from, length);
            byte[] text = new byte[size];
            for (int n = 0; n < size; ) {
                int got = inf.inflate(text, n, size - n);
                if (got == 0) { // finished, out of input or a dictionary needed: too short
                    return null;
                }
                n += got;
            }
            // The stream must end here, at the end of its bytes, as the directory says.
            return inf.inflate(new byte[1]) == 0 && inf.finished() && inf.getRemaining() == 0
                    ? text : null;
        } finally {
            inf.end();
        }
    }

    /** Whether a 32-bit (or 16-bit) field agrees with its Zip64 value, or is the placeholder. */
    private static boolean agrees(long field, long placeholder, long zip64) {
        return field == placeholder || field == zip64;
    }

    /** Whether {@code value} is from 0 to {@code limit}. */
    private static boolean inRange(long value, long limit) {
        return value >= 0 && value <= limit;
    }

    private int u16(int at) {
        return Short.toUnsignedInt(b.getShort(at));
    }

    private long u32(int at) {
        return Integer.toUnsignedLong(b.getInt(at));
    }
}
