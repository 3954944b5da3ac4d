package dev.mobilenetsimd.tflite;

import com.google.flatbuffers.Table;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a TensorFlow Lite flatbuffer into a {@link TfliteGraph}. The accessors are written here
 * from the field order of TensorFlow Lite's {@code schema.fbs} (field {@code n} of a table lives
 * at vtable slot {@code 4 + 2n}); only the tables and fields the importer needs are read.
 *
 * <p>Every offset and vector length is checked against the buffer before it is followed, so a
 * truncated or corrupt file fails with a {@link ModelFormatException} instead of reading garbage
 * or allocating absurd arrays.
 */
final class TfliteReader {
    /** The file identifier of TensorFlow Lite flatbuffers (bytes 4 to 7). */
    static final String IDENTIFIER = "TFL3";

    // BuiltinOptions union members for the option tables we read.
    private static final int CONV_2D_OPTIONS = 1, DEPTHWISE_CONV_2D_OPTIONS = 2,
            POOL_2D_OPTIONS = 5, FULLY_CONNECTED_OPTIONS = 8, SOFTMAX_OPTIONS = 9, ADD_OPTIONS = 11,
            RESHAPE_OPTIONS = 17, REDUCER_OPTIONS = 27;
    /** The schema's name of each option table we read, by its union type, for messages. */
    private static final java.util.Map<Integer, String> OPTION_TABLES = java.util.Map.of(
            CONV_2D_OPTIONS, "Conv2DOptions", DEPTHWISE_CONV_2D_OPTIONS, "DepthwiseConv2DOptions",
            POOL_2D_OPTIONS, "Pool2DOptions", FULLY_CONNECTED_OPTIONS, "FullyConnectedOptions",
            SOFTMAX_OPTIONS, "SoftmaxOptions", ADD_OPTIONS, "AddOptions",
            REDUCER_OPTIONS, "ReducerOptions", RESHAPE_OPTIONS, "ReshapeOptions");

    /**
     * Most entries read from one vector of tables (operator codes, subgraphs, buffers, tensors,
     * operators): hundreds of times what a MobileNetV2 has (about 170 tensors, 70 operators).
     * Each entry costs some 200 bytes of heap against 4 bytes of file: 12 million tensor offsets
     * in a 48 MB file, all pointing to one table, ran the reader out of memory.
     */
    static final int MAX_TABLES = 100_000;

    private TfliteReader() {}

    /**
     * Thrown inside the reader for structural damage; turned into a {@link ModelFormatException}.
     */
    private static final class Corrupt extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Corrupt(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Bytes the reader may still copy out of the file into arrays and strings. Tables may share a
     * vector (many tensors pointing to one shape), so a small hostile file could make the reader
     * copy one vector over and over until the heap ran out; a real model copies each of its
     * vectors about once, a small part of the file.
     */
    private static final class Budget {
        long left;

        Budget(int fileBytes) {
            this.left = 2L * fileBytes + (1 << 20);
        }

        void take(long n, long elemSize) {
            left -= n * elemSize;
            if (left < 0) {
                throw new Corrupt("its tables share the same data over and over (more than twice"
                        + " the file's size read out of it): not a model a converter writes");
            }
        }
    }

    /** A flatbuffer table with bounds-checked field access. */
    private static final class Node extends Table {
        private final Budget budget;

        Node(ByteBuffer bb, int pos, String what, Budget budget) {
            this.budget = budget;
            if (pos < 0 || pos > bb.limit() - 4) {
                throw new Corrupt(what + " table offset " + pos + " lies outside the " + bb.limit()
                        + "-byte file");
            }
            long vtable = (long) pos - bb.getInt(pos); // long: an int difference could wrap
            if (vtable < 0 || vtable > bb.limit() - 4) {
                throw new Corrupt(what + " table at " + pos + " has its vtable outside the file");
            }
            int vtableSize = Short.toUnsignedInt(bb.getShort((int) vtable));
            if (vtableSize < 4 || vtable + vtableSize > bb.limit()) {
                throw new Corrupt(what + " table at " + pos + " has a vtable of " + vtableSize
                        + " bytes");
            }
            __reset(pos, bb);
        }

        /** Absolute position of field {@code id} ({@code size} bytes), or -1 when absent. */
        private int field(int id, int size) {
            int o = __offset(4 + 2 * id);
            if (o == 0) {
                return -1;
            }
            if (o < 0) { // Table reads it as a signed short: it would point before the table
                throw new Corrupt("field " + id + " of the table at " + bb_pos + " has offset "
                        + (o & 0xFFFF) + " (32 KB or more): not a table a converter writes");
            }
            long p = (long) bb_pos + o;
            if (p + size > bb.limit()) {
                throw new Corrupt("field " + id + " of the table at " + bb_pos
                        + " lies outside the file");
            }
            return (int) p;
        }

        int int32(int id, int dflt) {
            int p = field(id, 4);
            return p < 0 ? dflt : bb.getInt(p);
        }

        long int64(int id, long dflt) {
            int p = field(id, 8);
            return p < 0 ? dflt : bb.getLong(p);
        }

        int int8(int id, int dflt) {
            int p = field(id, 1);
            return p < 0 ? dflt : bb.get(p);
        }

        int uint8(int id, int dflt) {
            int p = field(id, 1);
            return p < 0 ? dflt : Byte.toUnsignedInt(bb.get(p));
        }

        float float32(int id, float dflt) {
            int p = field(id, 4);
            return p < 0 ? dflt : bb.getFloat(p);
        }

        /** The position the offset stored in field {@code id} points to, or -1. */
        private int target(int id) {
            int p = field(id, 4);
            if (p < 0) {
                return -1;
            }
            long t = (long) p + Integer.toUnsignedLong(bb.getInt(p));
            if (t > bb.limit() - 4) {
                throw new Corrupt("field " + id + " of the table at " + bb_pos
                        + " points outside the file");
            }
            return (int) t;
        }

        Node table(int id, String what) {
            int t = target(id);
            return t < 0 ? null : new Node(bb, t, what, budget);
        }

        /** As {@link #vector(int, int, int[])}, for elements copied out (charged to the budget). */
        private int copied(int id, int elemSize, int[] len) {
            int p = vector(id, elemSize, len);
            budget.take(len[0], elemSize);
            return p;
        }

        /**
         * Start of the elements of vector field {@code id},
         * checking they fit; length in {@code len[0]}.
         */
        private int vector(int id, int elemSize, int[] len) {
            int t = target(id);
            if (t < 0) {
                len[0] = 0;
                return -1;
            }
            long n = Integer.toUnsignedLong(bb.getInt(t));
            if (t + 4L + n * elemSize > bb.limit()) {
                throw new Corrupt("vector of " + n + " elements at " + t
                        + " runs past the end of the " + bb.limit() + "-byte file");
            }
            len[0] = (int) n;
            return t + 4;
        }

        int[] ints(int id) {
            int[] n = new int[1];
            int p = copied(id, 4, n);
            int[] a = new int[n[0]];
            for (int i = 0; i < a.length; i++) {
                a[i] = bb.getInt(p + 4 * i);
            }
            return a;
        }

        float[] floats(int id) {
            int[] n = new int[1];
            int p = copied(id, 4, n);
            float[] a = new float[n[0]];
            for (int i = 0; i < a.length; i++) {
                a[i] = bb.getFloat(p + 4 * i);
            }
            return a;
        }

        long[] longs(int id) {
            int[] n = new int[1];
            int p = copied(id, 8, n);
            long[] a = new long[n[0]];
            for (int i = 0; i < a.length; i++) {
                a[i] = bb.getLong(p + 8 * i);
            }
            return a;
        }

        /** Where byte vector {@code id}'s data ends in the file, or 0 when it is absent. */
        int bytesEnd(int id) {
            int[] n = new int[1];
            int p = vector(id, 1, n);
            return p < 0 ? 0 : p + n[0];
        }

        /** A view of byte vector {@code id}, or {@code null} when absent or empty. */
        ByteBuffer bytes(int id) {
            int[] n = new int[1];
            int p = vector(id, 1, n);
            if (n[0] == 0) {
                return null;
            }
            return bb.duplicate().position(p).limit(p + n[0]).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
        }

        String string(int id) {
            ByteBuffer b = bytes(id);
            if (b == null) {
                return "";
            }
            budget.take(b.remaining(), 1);
            byte[] a = new byte[b.remaining()];
            b.get(a);
            // Decoding with replacement: a damaged name must not stop the import on its own.
            return new String(a, StandardCharsets.UTF_8);
        }

        List<Node> tables(int id, String what) throws ModelFormatException {
            int[] n = new int[1];
            int p = vector(id, 4, n);
            if (n[0] > MAX_TABLES) {
                throw new ModelFormatException("not a MobileNetV2 model: it lists " + n[0] + " "
                        + what + " tables, more than the " + MAX_TABLES
                        + " this importer reads (a MobileNetV2 has a few hundred)");
            }
            budget.take(n[0], 4); // each entry a Node object, however often it repeats one table
            List<Node> list = new ArrayList<>(n[0]);
            for (int i = 0; i < n[0]; i++) {
                int slot = p + 4 * i;
                long t = (long) slot + Integer.toUnsignedLong(bb.getInt(slot));
                if (t > bb.limit() - 4) {
                    throw new Corrupt(what + " " + i + " points outside the file");
                }
                list.add(new Node(bb, (int) t, what + " " + i, budget));
            }
            return list;
        }
    }

    /**
     * Decodes the model in {@code file} (the whole file; it may carry appended data such as a zip
     * of labels after the flatbuffer).
     *
     * @throws ModelFormatException if it is not a TensorFlow Lite model or is damaged
     */
    static TfliteGraph read(ByteBuffer file) throws ModelFormatException {
        ByteBuffer bb = file.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (bb.limit() < 8) {
            throw new ModelFormatException("not a TensorFlow Lite model: the file has only "
                    + bb.limit() + " bytes");
        }
        byte[] id = new byte[4];
        bb.get(4, id, 0, 4);
        String ident = new String(id, StandardCharsets.ISO_8859_1);
        if (!IDENTIFIER.equals(ident)) {
            throw new ModelFormatException("not a TensorFlow Lite model: file identifier is '"
                    + printable(ident) + "', expected '" + IDENTIFIER + "'");
        }
        try {
            return decode(bb);
        } catch (Corrupt e) {
            throw new ModelFormatException("corrupt or truncated TensorFlow Lite file: "
                    + e.getMessage());
        } catch (IndexOutOfBoundsException | BufferUnderflowException
                | IllegalArgumentException e) {
            throw new ModelFormatException("corrupt or truncated TensorFlow Lite file (" + e + ")",
                    e);
        }
    }

    private static TfliteGraph decode(ByteBuffer bb) throws ModelFormatException {
        Node model = new Node(bb, bb.getInt(0), "Model", new Budget(bb.limit()));
        int version = model.int32(0, 0);
        if (version != 3) {
            throw new ModelFormatException("unsupported TensorFlow Lite schema version " + version
                    + ": expected 3");
        }
        List<Node> codes = model.tables(1, "OperatorCode");
        List<Node> subgraphs = model.tables(2, "SubGraph");
        String description = model.string(3);
        List<Node> bufferTables = model.tables(4, "Buffer");
        if (subgraphs.isEmpty()) {
            throw new ModelFormatException("the model has no subgraph");
        }

        int[] builtin = new int[codes.size()];
        String[] custom = new String[codes.size()];
        for (int i = 0; i < codes.size(); i++) {
            Node c = codes.get(i);
            // Codes above 127 live in builtin_code; deprecated_builtin_code then holds 127.
            builtin[i] = Math.max(c.int8(0, 0), c.int32(3, 0));
            custom[i] = c.string(1);
        }

        List<ByteBuffer> buffers = new ArrayList<>(bufferTables.size());
        int dataEnd = 0;
        for (Node b : bufferTables) {
            ByteBuffer data = b.bytes(0);
            dataEnd = Math.max(dataEnd, b.bytesEnd(0));
            long offset = b.int64(1, 0);
            long size = b.int64(2, 0);
            if (data == null && Long.compareUnsigned(offset, 1) > 0) {
                // Models over 2 GB keep tensor data after the flatbuffer, addressed from the file
                // start. Both fields are ulong in the schema, hence compared unsigned; and
                // size > limit - offset, as offset + size could wrap past 2^64 into the file.
                if (Long.compareUnsigned(offset, bb.limit()) > 0
                        || Long.compareUnsigned(size, bb.limit() - offset) > 0) {
                    throw new Corrupt("buffer #" + buffers.size() + ": data at offset "
                            + Long.toUnsignedString(offset) + " (" + Long.toUnsignedString(size)
                            + " bytes) lies outside the " + bb.limit() + "-byte file");
                }
                data = bb.duplicate().position((int) offset).limit((int) (offset + size)).slice()
                        .order(ByteOrder.LITTLE_ENDIAN);
                dataEnd = Math.max(dataEnd, (int) (offset + size));
            }
            buffers.add(data);
        }

        Node sg = subgraphs.get(0);
        List<Node> tensorTables = sg.tables(0, "Tensor");
        List<TfliteGraph.Tensor> tensors = new ArrayList<>(tensorTables.size());
        for (int i = 0; i < tensorTables.size(); i++) {
            Node t = tensorTables.get(i);
            Node q = t.table(4, "QuantizationParameters");
            TfliteGraph.Quantization quant = q == null
                    ? new TfliteGraph.Quantization(new float[0], new long[0], 0)
                    : new TfliteGraph.Quantization(q.floats(2), q.longs(3), q.int32(6, 0));
            TfliteGraph.Tensor tensor = new TfliteGraph.Tensor(i, t.string(3), t.ints(0),
                    t.int8(1, 0), t.int32(2, 0), quant);
            // Its data is in the order of its traversal and blocks: read as dense, row-major
            // weights when it had the dense size.
            if (t.table(6, "SparsityParameters") != null) {
                throw new ModelFormatException(tensor.describe() + " is sparse (it has sparsity"
                        + " parameters); only dense tensors are supported");
            }
            tensors.add(tensor);
        }

        List<Node> opTables = sg.tables(3, "Operator");
        List<TfliteGraph.Operator> ops = new ArrayList<>(opTables.size());
        for (int i = 0; i < opTables.size(); i++) {
            Node o = opTables.get(i);
            int codeIndex = o.int32(0, 0);
            if (codeIndex < 0 || codeIndex >= builtin.length) {
                throw new ModelFormatException("operator #" + i + " uses operator code " + codeIndex
                        + ", but the model lists " + builtin.length);
            }
            int code = builtin[codeIndex];
            ops.add(new TfliteGraph.Operator(i, code, custom[codeIndex], o.ints(1), o.ints(2),
                    options(o, code)));
        }
        return new TfliteGraph(tensors, ops, sg.ints(1), sg.ints(2), buffers, dataEnd,
                description);
    }

    /**
     * The builtin options of operator {@code o}, read from the table its builtin {@code code}
     * implies. Without such a table (none, or one of another union type) they are
     * {@link TfliteGraph.Options#defaults}, as TensorFlow Lite's parsers then leave its
     * parameters zeroed: the importer refuses them where TensorFlow Lite cannot classify with
     * those.
     */
    private static TfliteGraph.Options options(Node o, int code) {
        int expected = switch (code) {
            case BuiltinOperators.CONV_2D -> CONV_2D_OPTIONS;
            case BuiltinOperators.DEPTHWISE_CONV_2D -> DEPTHWISE_CONV_2D_OPTIONS;
            case BuiltinOperators.AVERAGE_POOL_2D -> POOL_2D_OPTIONS;
            case BuiltinOperators.FULLY_CONNECTED -> FULLY_CONNECTED_OPTIONS;
            case BuiltinOperators.SOFTMAX -> SOFTMAX_OPTIONS;
            case BuiltinOperators.ADD -> ADD_OPTIONS;
            case BuiltinOperators.MEAN -> REDUCER_OPTIONS;
            case BuiltinOperators.RESHAPE -> RESHAPE_OPTIONS;
            default -> 0;
        };
        if (expected == 0) {
            return TfliteGraph.Options.NONE;
        }
        int type = o.uint8(3, 0);
        Node t = o.table(4, "builtin options");
        String want = "expected " + OPTION_TABLES.get(expected) + " (union type " + expected + ")";
        // TensorFlow Lite's builtin_options_as_X() is null for both; its Parse functions then
        // leave the parameters zeroed, and so do we, whatever the union type.
        if (type != expected) {
            return TfliteGraph.Options.defaults(type == 0 && t == null
                    ? "it has no builtin options (" + want + ")"
                    : "its builtin options are of union type " + type + ", " + want);
        }
        if (t == null) {
            return TfliteGraph.Options.defaults("its builtin options of union type " + type
                    + " have no table (" + want + ")");
        }
        switch (code) {
            case BuiltinOperators.CONV_2D:
                return new TfliteGraph.Options(t.int8(0, 0), t.int32(1, 0), t.int32(2, 0),
                        t.int32(4, 1), t.int32(5, 1), 1, 0, 0, t.int8(3, 0), false, 0f, 0);
            case BuiltinOperators.DEPTHWISE_CONV_2D:
                return new TfliteGraph.Options(t.int8(0, 0), t.int32(1, 0), t.int32(2, 0),
                        t.int32(5, 1), t.int32(6, 1), t.int32(3, 0), 0, 0, t.int8(4, 0),
                        false, 0f, 0);
            case BuiltinOperators.AVERAGE_POOL_2D:
                return new TfliteGraph.Options(t.int8(0, 0), t.int32(1, 0), t.int32(2, 0), 1, 1, 0,
                        t.int32(3, 0), t.int32(4, 0), t.int8(5, 0), false, 0f, 0);
            case BuiltinOperators.FULLY_CONNECTED: // activation, weights_format, keep_num_dims
                return new TfliteGraph.Options(0, 0, 0, 1, 1, 0, 0, 0, t.int8(0, 0),
                        t.int8(2, 0) != 0, 0f, t.int8(1, 0));
            case BuiltinOperators.SOFTMAX:
                return new TfliteGraph.Options(0, 0, 0, 1, 1, 0, 0, 0, 0, false,
                        t.float32(0, 0f), 0);
            case BuiltinOperators.ADD:
                return new TfliteGraph.Options(0, 0, 0, 1, 1, 0, 0, 0, t.int8(0, 0), false, 0f, 0);
            case BuiltinOperators.MEAN:
                return new TfliteGraph.Options(0, 0, 0, 1, 1, 0, 0, 0, 0, t.int8(0, 0) != 0, 0f, 0);
            case BuiltinOperators.RESHAPE:
                return new TfliteGraph.Options(0, 0, 0, 1, 1, 0, 0, 0, 0, false, 0f, 0,
                        t.target(0) < 0 ? null : t.ints(0), null);
            default:
                throw new AssertionError(code);
        }
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 32 && c < 127) {
                sb.append(c);
            } else {
                sb.append(String.format("\\x%02x", (int) c));
            }
        }
        return sb.toString();
    }
}
