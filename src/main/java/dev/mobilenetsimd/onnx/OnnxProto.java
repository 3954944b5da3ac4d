package dev.mobilenetsimd.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The few ONNX protobuf messages MobileNetV2 import and export need, as plain records, with
 * readers and writers on the protobuf wire format ({@link CodedInputStream} /
 * {@link CodedOutputStream}) keyed by the field numbers of {@code onnx.proto}. Fields we do not
 * model are skipped when reading. Repeated scalars are accepted packed and unpacked.
 */
final class OnnxProto {
    private OnnxProto() {}

    // ---- TensorProto.DataType ------------------------------------------------------------------
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int UINT16 = 4;
    static final int INT16 = 5;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;

    // ---- AttributeProto.AttributeType ----------------------------------------------------------
    static final int ATTR_FLOAT = 1;
    static final int ATTR_INT = 2;
    static final int ATTR_STRING = 3;
    static final int ATTR_TENSOR = 4;
    static final int ATTR_FLOATS = 6;
    static final int ATTR_INTS = 7;

    /** The types {@link Tensor#toFloats} reads, for messages. */
    static final String FLOAT_TYPES = "float32, float16 or float64";
    /** The types {@link Tensor#toLongs} reads, for messages. */
    static final String INTEGER_TYPES = "int64, int32, int16, int8 or bool";

    /** Name of an ONNX data type, for messages. */
    static String typeName(int dataType) {
        switch (dataType) {
            case FLOAT: return "float32";
            case UINT8: return "uint8";
            case INT8: return "int8";
            case UINT16: return "uint16";
            case INT16: return "int16";
            case INT32: return "int32";
            case INT64: return "int64";
            case BOOL: return "bool";
            case FLOAT16: return "float16";
            case DOUBLE: return "float64";
            // the rest of TensorProto.DataType, named in messages only
            case 0: return "undefined (data type 0)";
            case 8: return "string";
            case 12: return "uint32";
            case 13: return "uint64";
            case 14: return "complex64";
            case 15: return "complex128";
            case 16: return "bfloat16";
            case 17: return "float8e4m3fn";
            case 18: return "float8e4m3fnuz";
            case 19: return "float8e5m2";
            case 20: return "float8e5m2fnuz";
            case 21: return "uint4";
            case 22: return "int4";
            case 23: return "float4e2m1";
            default: return "data type " + dataType;
        }
    }

    /** Name of an AttributeProto type, for messages. */
    static String attributeTypeName(int type) {
        switch (type) {
            case 0: return "UNDEFINED";
            case ATTR_FLOAT: return "FLOAT";
            case ATTR_INT: return "INT";
            case ATTR_STRING: return "STRING";
            case ATTR_TENSOR: return "TENSOR";
            case 5: return "GRAPH";
            case ATTR_FLOATS: return "FLOATS";
            case ATTR_INTS: return "INTS";
            case 8: return "STRINGS";
            default: return "type " + type;
        }
    }

    /** Bytes per element of the types we hold as raw little-endian data; 0 for others. */
    static int elementBytes(int dataType) {
        switch (dataType) {
            case UINT8: case INT8: case BOOL: return 1;
            case UINT16: case INT16: case FLOAT16: return 2;
            case FLOAT: case INT32: return 4;
            case INT64: case DOUBLE: return 8;
            default: return 0;
        }
    }

    /** OperatorSetIdProto: {@code domain = 1}, {@code version = 2}. */
    record OpsetId(String domain, long version) {}

    /**
     * ModelProto: {@code ir_version = 1}, {@code producer_name = 2}, {@code producer_version = 3},
     * {@code graph = 7}, {@code opset_import = 8}, {@code metadata_props = 14}.
     */
    record Model(long irVersion, List<OpsetId> opsets, String producerName, String producerVersion,
                 Graph graph, Map<String, String> metadata) {

        /**
         * The opset version of the default ({@code ""} or {@code "ai.onnx"}) domain, or -1; of
         * two imports of it the last, as ONNX Runtime takes it.
         */
        long defaultOpset() {
            long version = -1;
            for (OpsetId o : opsets) {
                if (o.domain().isEmpty() || o.domain().equals("ai.onnx")) {
                    version = o.version();
                }
            }
            return version;
        }
    }

    /**
     * GraphProto: {@code node = 1}, {@code name = 2}, {@code initializer = 5}, {@code input = 11},
     * {@code output = 12}.
     */
    record Graph(String name, List<Node> nodes, List<Tensor> initializers, List<ValueInfo> inputs,
                 List<ValueInfo> outputs) {}

    /**
     * NodeProto: {@code input = 1}, {@code output = 2}, {@code name = 3}, {@code op_type = 4},
     * {@code attribute = 5}, {@code domain = 7}.
     */
    record Node(String name, String opType, String domain, List<String> inputs,
            List<String> outputs,
                List<Attribute> attributes) {

        /** The attribute called {@code name}, or {@code null}. */
        Attribute attribute(String attributeName) {
            for (Attribute a : attributes) {
                if (a.name().equals(attributeName)) {
                    return a;
                }
            }
            return null;
        }

        /** Input {@code i}, or {@code ""} (ONNX's "omitted") when there are fewer inputs. */
        String input(int i) {
            return i < inputs.size() ? inputs.get(i) : "";
        }

        /** {@code Conv 'stem.conv'}, for messages. */
        String describe() {
            return opType + (name.isEmpty()
                    ? " producing '" + (outputs.isEmpty() ? "?" : outputs.get(0)) + "'"
                    : " '" + name + "'");
        }
    }

    /**
     * AttributeProto: {@code name = 1}, {@code f = 2}, {@code i = 3}, {@code s = 4}, {@code t = 5},
     * {@code floats = 7}, {@code ints = 8}, {@code type = 20}.
     */
    record Attribute(String name, int type, float f, long i, byte[] s, Tensor t, float[] floats,
            long[] ints) {

        static Attribute ofInt(String name, long value) {
            return new Attribute(name, ATTR_INT, 0f, value, null, null, null, null);
        }

        static Attribute ofInts(String name, long... values) {
            return new Attribute(name, ATTR_INTS, 0f, 0, null, null, null, values);
        }

        static Attribute ofFloat(String name, float value) {
            return new Attribute(name, ATTR_FLOAT, value, 0, null, null, null, null);
        }

        static Attribute ofString(String name, String value) {
            return new Attribute(name, ATTR_STRING, 0f, 0,
                    value.getBytes(java.nio.charset.StandardCharsets.UTF_8), null, null, null);
        }

        static Attribute ofTensor(String name, Tensor value) {
            return new Attribute(name, ATTR_TENSOR, 0f, 0, null, value, null, null);
        }

        String string() {
            return s == null ? "" : new String(s, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * TensorProto: {@code dims = 1}, {@code data_type = 2}, {@code float_data = 4},
     * {@code int32_data = 5}, {@code int64_data = 7}, {@code name = 8}, {@code raw_data = 9},
     * {@code double_data = 10}, {@code external_data = 13}, {@code data_location = 14}. Whatever
     * field held the values, they are kept here as raw little-endian bytes of the element type
     * ({@code data}); {@code external} marks data stored outside the file (not supported).
     */
    record Tensor(String name, int dataType, long[] dims, byte[] data, boolean external) {

        /** A float32 tensor of {@code values} with shape {@code dims}. */
        static Tensor ofFloats(String name, float[] values, long... dims) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            return new Tensor(name, FLOAT, dims, b.array(), false);
        }

        /** An int64 tensor of {@code values} with shape {@code dims}. */
        static Tensor ofLongs(String name, long[] values, long... dims) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(values);
            return new Tensor(name, INT64, dims, b.array(), false);
        }

        /**
         * Number of elements (product of the dims; 1 for a scalar), or -1 if a dim is negative or
         * the product exceeds what one Java array can hold.
         */
        long elements() {
            long n = 1;
            for (long d : dims) {
                if (d < 0 || (d > 0 && n > Integer.MAX_VALUE / d)) {
                    return -1;
                }
                n *= d;
            }
            return n;
        }

        /** {@code 'name' float32 [32, 3, 3, 3]}, for messages. */
        String describe() {
            return "'" + name + "' " + typeName(dataType) + " " + Arrays.toString(dims);
        }

        /**
         * The data, checked: its type one of {@link #FLOAT_TYPES} ({@code floats}) or of
         * {@link #INTEGER_TYPES}, then its size. The type comes first: uint8 and uint16, which
         * no tensor of ours may be, passed the size check, and a tensor of the wrong size was
         * refused for its size rather than its type.
         */
        private ByteBuffer checkedData(boolean floats) throws OnnxFormatException {
            if (external) {
                throw new OnnxFormatException("tensor " + describe()
                        + " keeps its data in an external file; "
                        + "only weights stored inside the .onnx file are supported");
            }
            boolean isFloat = dataType == FLOAT || dataType == FLOAT16 || dataType == DOUBLE;
            boolean isInteger = dataType == INT64 || dataType == INT32 || dataType == INT16
                    || dataType == INT8 || dataType == BOOL;
            if (!isFloat && !isInteger) {
                throw new OnnxFormatException("tensor " + describe() + ": "
                        + typeName(dataType) + " is not a supported data type; expected "
                        + FLOAT_TYPES + " (weights) or " + INTEGER_TYPES + " (shapes, axes)");
            }
            if (floats != isFloat) {
                throw new OnnxFormatException("tensor " + describe() + " is "
                        + typeName(dataType) + "; expected " + (floats
                        ? "floating-point values (" + FLOAT_TYPES + ")"
                        : "integers (" + INTEGER_TYPES + ")"));
            }
            int size = elementBytes(dataType);
            long n = elements();
            if (n < 0 || n * size != data.length) {
                throw new OnnxFormatException("tensor " + describe() + " should hold " + n
                        + " elements (" + (n * size) + " bytes) but has " + data.length
                        + " bytes of data");
            }
            return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** The values as floats (from float32, float16 or float64). */
        float[] toFloats() throws OnnxFormatException {
            ByteBuffer b = checkedData(true);
            float[] out = new float[(int) elements()];
            switch (dataType) {
                case FLOAT:
                    b.asFloatBuffer().get(out);
                    break;
                case DOUBLE:
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) b.getDouble(8 * i);
                    }
                    break;
                case FLOAT16:
                    for (int i = 0; i < out.length; i++) {
                        out[i] = halfToFloat(b.getShort(2 * i));
                    }
                    break;
                default:
                    throw new AssertionError(typeName(dataType)); // checkedData refused it
            }
            return out;
        }

        /** The values as longs (from int64, int32, int16, int8 or bool). */
        long[] toLongs() throws OnnxFormatException {
            ByteBuffer b = checkedData(false);
            long[] out = new long[(int) elements()];
            for (int i = 0; i < out.length; i++) {
                switch (dataType) {
                    case INT64: out[i] = b.getLong(8 * i); break;
                    case INT32: out[i] = b.getInt(4 * i); break;
                    case INT16: out[i] = b.getShort(2 * i); break;
                    case INT8: out[i] = b.get(i); break;
                    case BOOL: out[i] = b.get(i); break;
                    default:
                        throw new AssertionError(typeName(dataType)); // checkedData refused it
                }
            }
            return out;
        }
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat is JDK 20+). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h >>> 15) << 31;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * ValueInfoProto ({@code name = 1}, {@code type = 2}) with its TypeProto.Tensor
     * ({@code tensor_type = 1}: {@code elem_type = 1}, {@code shape = 2}) flattened in:
     * {@code dims} is {@code null} when no shape is given; a dim is a {@link Long} (dim_value) or a
     * {@link String} (dim_param), or {@code null} when neither is set.
     */
    record ValueInfo(String name, int elemType, List<Object> dims) {}

    // ==== reading ================================================================================

    /**
     * Parses a ModelProto.
     *
     * @throws OnnxFormatException if the bytes are not a well-formed protobuf message, or hold
     *                             more than {@link #MAX_ENTRIES} entries or packed numbers of
     *                             more than twice their size, or give a metadata key twice
     */
    static Model readModel(byte[] bytes) throws OnnxFormatException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        try {
            return readModel(in, new Entries(bytes.length));
        } catch (OnnxFormatException e) {
            throw e;
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxFormatException("not a readable ONNX file (truncated or corrupt protobuf:"
                    + " " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OnnxFormatException("not a readable ONNX file: " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code head}, the start of a file of {@code size} bytes, starts as a ModelProto
     * does. Protobuf writers put the fields in number order, so a model starts with its
     * ir_version (field 1, a varint; 1 to 100 here, 10 in 2024), then may have its producer's
     * name and version, domain, model version and doc string (text), then its graph (field 7)
     * or opset imports (8). That is what {@code head} must hold, up to the graph's or an
     * opset's first field tag: a graph's first node (field 1), an opset's domain (1) or version
     * (2). No length may pass the file's end.
     */
    static boolean startsLikeModel(byte[] head, long size) {
        CodedInputStream in = CodedInputStream.newInstance(head);
        try {
            // tags read as 64-bit varints: readTag would keep a longer one's low 32 bits
            long ir = in.readRawVarint64() == 0x08 ? in.readRawVarint64() : 0;
            if (ir < 1 || ir > 100) {
                return false;
            }
            long last = 1;
            while (!in.isAtEnd()) {
                long tag = in.readRawVarint64();
                long field = tag >>> 3;
                if (field < last || (tag & 7) != modelStartWireType(field)) {
                    return false;
                }
                last = field;
                long value = in.readRawVarint64(); // a varint field's value, else its length
                int at = in.getTotalBytesRead();
                if (value < 0) { // past 2^63
                    return false;
                }
                if (field == 7 || field == 8) {
                    return value <= size - at && at < head.length
                            && (head[at] == 0x0a || field == 8 && head[at] == 0x10);
                }
                if ((tag & 7) == WireFormat.WIRETYPE_LENGTH_DELIMITED) { // text
                    if (value > head.length - at || !isText(head, at, (int) value)) {
                        return false;
                    }
                    in.skipRawBytes((int) value);
                }
            }
        } catch (IOException e) { // a varint cut by the head's end, or over ten bytes
            return false;
        }
        return false; // no graph within the head
    }

    /**
     * The wire type of the ModelProto fields before the graph and opsets (0 varint, 2
     * length-delimited), or -1.
     */
    private static int modelStartWireType(long field) {
        if (field == 5) { // model_version
            return WireFormat.WIRETYPE_VARINT;
        }
        // producer name and version, domain, doc string, graph, opset imports
        return field >= 2 && field <= 8 ? WireFormat.WIRETYPE_LENGTH_DELIMITED : -1;
    }

    /** Whether {@code b[from, from + length)} has no control characters but tab and newlines. */
    private static boolean isText(byte[] b, int from, int length) {
        for (int i = from; i < from + length; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * Most entries (nodes, attributes, initializers, graph inputs and outputs, node input and
     * output names, shape dims, opsets, metadata) one file may hold; our MobileNetV2 export has
     * 869, one with batch norm unfolded and the weights listed as graph inputs a few thousand.
     * Each takes up to a hundred bytes or so of memory and as few as two of file: a 50 MB file
     * of 25 million empty nodes ran out of memory.
     */
    static final int MAX_ENTRIES = 100_000;

    /**
     * Counts the entries read against {@link #MAX_ENTRIES}, and the bytes of the numbers of
     * repeated scalar fields (dims, float_data, int32_data, ints...) against twice the file's
     * size: a one-byte varint is held as an 8-byte long, so a 100 MB file of packed dims ran a
     * 1 GB heap out of memory. A model's numbers take about their size in the file, or half
     * more (float16 bit patterns in int32_data, two or three bytes each).
     */
    private static final class Entries {
        private int count;
        private long valueBytesLeft;

        Entries(int fileBytes) {
            this.valueBytesLeft = 2L * fileBytes + (1 << 20);
        }

        /** One more number of {@code bytes} bytes held. */
        void value(int bytes) throws OnnxFormatException {
            valueBytesLeft -= bytes;
            if (valueBytesLeft < 0) {
                throw new OnnxFormatException("the file holds packed numbers (dims, tensor"
                        + " data, attribute values) that take more than twice the file's size"
                        + " in memory: not a model an exporter writes");
            }
        }

        void add() throws OnnxFormatException {
            if (++count > MAX_ENTRIES) {
                throw new OnnxFormatException("more than " + MAX_ENTRIES + " nodes, attributes,"
                        + " tensors, names and other entries; a MobileNetV2 has a few thousand");
            }
        }
    }

    private static Model readModel(CodedInputStream in, Entries entries) throws IOException {
        long ir = 0;
        List<OpsetId> opsets = new ArrayList<>();
        String producer = "", producerVersion = "";
        Graph graph = null;
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1:
                    expect(tag, WireFormat.WIRETYPE_VARINT, "ModelProto.ir_version");
                    ir = in.readInt64();
                    break;
                case 2: producer = readString(in, tag, "ModelProto.producer_name"); break;
                case 3: producerVersion = readString(in, tag, "ModelProto.producer_version"); break;
                case 7: {
                    int old = enter(in, tag, "ModelProto.graph");
                    graph = readGraph(in, entries, graph);
                    in.popLimit(old);
                    break;
                }
                case 8: {
                    int old = enter(in, tag, "ModelProto.opset_import");
                    entries.add();
                    opsets.add(readOpset(in));
                    in.popLimit(old);
                    break;
                }
                case 14: {
                    int old = enter(in, tag, "ModelProto.metadata_props");
                    entries.add();
                    String[] kv = readStringPair(in);
                    // the ONNX checker refuses it; of two normalisations the last was taken
                    if (metadata.put(kv[0], kv[1]) != null) {
                        throw new OnnxFormatException("metadata key '" + kv[0] + "' is given"
                                + " twice; expected each key once");
                    }
                    in.popLimit(old);
                    break;
                }
                default:
                    in.skipField(tag);
            }
        }
        return new Model(ir, opsets, producer, producerVersion, graph, metadata);
    }

    private static OpsetId readOpset(CodedInputStream in) throws IOException {
        String domain = "";
        long version = 0;
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1: domain = readString(in, tag, "OperatorSetIdProto.domain"); break;
                case 2:
                    expect(tag, WireFormat.WIRETYPE_VARINT, "OperatorSetIdProto.version");
                    version = in.readInt64();
                    break;
                default: in.skipField(tag);
            }
        }
        return new OpsetId(domain, version);
    }

    private static String[] readStringPair(CodedInputStream in) throws IOException {
        String[] kv = {"", ""};
        for (int tag; (tag = in.readTag()) != 0; ) {
            int f = WireFormat.getTagFieldNumber(tag);
            if (f == 1 || f == 2) {
                kv[f - 1] = readString(in, tag, "StringStringEntryProto");
            } else {
                in.skipField(tag);
            }
        }
        return kv;
    }

    /**
     * Reads a GraphProto merged into {@code earlier} (null if none, else read here), as
     * protobuf merges a message field given twice: its lists appended to, not copied (a copy
     * per part of a graph in a million parts would be quadratic), the name replaced if given.
     */
    private static Graph readGraph(CodedInputStream in, Entries entries, Graph earlier)
            throws IOException {
        String name = earlier == null ? "" : earlier.name();
        List<Node> nodes = earlier == null ? new ArrayList<>() : earlier.nodes();
        List<Tensor> inits = earlier == null ? new ArrayList<>() : earlier.initializers();
        List<ValueInfo> inputs = earlier == null ? new ArrayList<>() : earlier.inputs();
        List<ValueInfo> outputs = earlier == null ? new ArrayList<>() : earlier.outputs();
        for (int tag; (tag = in.readTag()) != 0; ) {
            int old;
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1:
                    old = enter(in, tag, "GraphProto.node");
                    entries.add();
                    nodes.add(readNode(in, entries));
                    in.popLimit(old);
                    break;
                case 2: name = readString(in, tag, "GraphProto.name"); break;
                case 5:
                    old = enter(in, tag, "GraphProto.initializer");
                    entries.add();
                    inits.add(readTensor(in, entries));
                    in.popLimit(old);
                    break;
                case 11:
                    old = enter(in, tag, "GraphProto.input");
                    entries.add();
                    inputs.add(readValueInfo(in, entries));
                    in.popLimit(old);
                    break;
                case 12:
                    old = enter(in, tag, "GraphProto.output");
                    entries.add();
                    outputs.add(readValueInfo(in, entries));
                    in.popLimit(old);
                    break;
                default:
                    in.skipField(tag);
            }
        }
        return new Graph(name, nodes, inits, inputs, outputs);
    }

    private static Node readNode(CodedInputStream in, Entries entries) throws IOException {
        String name = "", op = "", domain = "";
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        List<Attribute> attrs = new ArrayList<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 || field == 2 || field == 5) {
                entries.add();
            }
            switch (field) {
                case 1: inputs.add(readString(in, tag, "NodeProto.input")); break;
                case 2: outputs.add(readString(in, tag, "NodeProto.output")); break;
                case 3: name = readString(in, tag, "NodeProto.name"); break;
                case 4: op = readString(in, tag, "NodeProto.op_type"); break;
                case 5: {
                    int old = enter(in, tag, "NodeProto.attribute");
                    attrs.add(readAttribute(in, entries));
                    in.popLimit(old);
                    break;
                }
                case 7: domain = readString(in, tag, "NodeProto.domain"); break;
                default: in.skipField(tag);
            }
        }
        return new Node(name, op, domain, inputs, outputs, attrs);
    }

    private static Attribute readAttribute(CodedInputStream in, Entries entries)
            throws IOException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        byte[] s = null;
        Tensor t = null;
        FloatList floats = new FloatList();
        LongList ints = new LongList();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1: name = readString(in, tag, "AttributeProto.name"); break;
                case 2:
                    expect(tag, WireFormat.WIRETYPE_FIXED32, "AttributeProto.f");
                    f = in.readFloat();
                    break;
                case 3:
                    expect(tag, WireFormat.WIRETYPE_VARINT, "AttributeProto.i");
                    i = in.readInt64();
                    break;
                case 4:
                    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "AttributeProto.s");
                    s = in.readByteArray();
                    break;
                case 5: {
                    int old = enter(in, tag, "AttributeProto.t");
                    t = readTensor(in, entries);
                    in.popLimit(old);
                    break;
                }
                case 7: readFloats(in, tag, floats, entries, "AttributeProto.floats"); break;
                case 8: readLongs(in, tag, ints, entries, "AttributeProto.ints"); break;
                case 20:
                    expect(tag, WireFormat.WIRETYPE_VARINT, "AttributeProto.type");
                    type = in.readInt32();
                    break;
                default: in.skipField(tag);
            }
        }
        return new Attribute(name, type, f, i, s, t, floats.toArray(), ints.toArray());
    }

    private static Tensor readTensor(CodedInputStream in, Entries entries) throws IOException {
        LongList dims = new LongList();
        int type = 0;
        String name = "";
        byte[] raw = null;
        boolean external = false;
        FloatList floatData = new FloatList();
        IntList int32Data = new IntList(); // ints: float16 bit patterns there take 2 or 3 bytes
        LongList int64Data = new LongList();
        LongList doubleData = new LongList(); // the bits of each double
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1: readLongs(in, tag, dims, entries, "TensorProto.dims"); break;
                case 2:
                    expect(tag, WireFormat.WIRETYPE_VARINT, "TensorProto.data_type");
                    type = in.readInt32();
                    break;
                case 4: readFloats(in, tag, floatData, entries, "TensorProto.float_data"); break;
                case 5: readInts(in, tag, int32Data, entries, "TensorProto.int32_data"); break;
                case 7: readLongs(in, tag, int64Data, entries, "TensorProto.int64_data"); break;
                case 8: name = readString(in, tag, "TensorProto.name"); break;
                case 9:
                    expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "TensorProto.raw_data");
                    raw = in.readByteArray();
                    break;
                case 10:
                    if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int old = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            entries.value(8);
                            doubleData.add(in.readRawLittleEndian64());
                        }
                        in.popLimit(old);
                    } else {
                        expect(tag, WireFormat.WIRETYPE_FIXED64, "TensorProto.double_data");
                        entries.value(8);
                        doubleData.add(in.readRawLittleEndian64());
                    }
                    break;
                case 13: external = true; in.skipField(tag); break;
                case 14:
                    expect(tag, WireFormat.WIRETYPE_VARINT, "TensorProto.data_location");
                    external |= in.readInt32() == 1;
                    break;
                default: in.skipField(tag);
            }
        }
        if (raw == null) {
            int size = elementBytes(type);
            ByteBuffer b;
            switch (type) {
                case FLOAT:
                    b = le(floatData.size * 4);
                    for (int k = 0; k < floatData.size; k++) {
                        b.putFloat(floatData.values[k]);
                    }
                    break;
                case INT64:
                    b = le(int64Data.size * 8);
                    for (int k = 0; k < int64Data.size; k++) {
                        b.putLong(int64Data.values[k]);
                    }
                    break;
                case DOUBLE:
                    b = le(doubleData.size * 8);
                    for (int k = 0; k < doubleData.size; k++) {
                        b.putLong(doubleData.values[k]);
                    }
                    break;
                default:
                    // int32_data carries int32, int16, int8, uint16,
                    // uint8, bool and float16 (bit patterns).
                    b = le(size == 0 ? 0 : int32Data.size * size);
                    for (int k = 0; k < int32Data.size && size > 0; k++) {
                        int v = int32Data.values[k];
                        if (size == 1) {
                            b.put((byte) v);
                        } else if (size == 2) {
                            b.putShort((short) v);
                        } else {
                            b.putInt((int) v);
                        }
                    }
            }
            raw = b.array();
        }
        return new Tensor(name, type, dims.toArray(), raw, external);
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ValueInfo readValueInfo(CodedInputStream in, Entries entries)
            throws IOException {
        String name = "";
        int elemType = 0;
        List<Object> dims = null;
        for (int tag; (tag = in.readTag()) != 0; ) {
            int f = WireFormat.getTagFieldNumber(tag);
            if (f == 1) {
                name = readString(in, tag, "ValueInfoProto.name");
            } else if (f == 2) {
                int typeLimit = enter(in, tag, "ValueInfoProto.type");
                for (int t2; (t2 = in.readTag()) != 0; ) {
                    if (WireFormat.getTagFieldNumber(t2) != 1) {
                        in.skipField(t2);
                        continue;
                    }
                    int tensorLimit = enter(in, t2, "TypeProto.tensor_type");
                    for (int t3; (t3 = in.readTag()) != 0; ) {
                        int f3 = WireFormat.getTagFieldNumber(t3);
                        if (f3 == 1) {
                            expect(t3, WireFormat.WIRETYPE_VARINT, "TypeProto.Tensor.elem_type");
                            elemType = in.readInt32();
                        } else if (f3 == 2) {
                            dims = new ArrayList<>();
                            int shapeLimit = enter(in, t3, "TypeProto.Tensor.shape");
                            for (int t4; (t4 = in.readTag()) != 0; ) {
                                if (WireFormat.getTagFieldNumber(t4) != 1) {
                                    in.skipField(t4);
                                    continue;
                                }
                                entries.add();
                                int dimLimit = enter(in, t4, "TensorShapeProto.dim");
                                Object dim = null;
                                for (int t5; (t5 = in.readTag()) != 0; ) {
                                    int f5 = WireFormat.getTagFieldNumber(t5);
                                    if (f5 == 1) {
                                        expect(t5, WireFormat.WIRETYPE_VARINT,
                                                "Dimension.dim_value");
                                        dim = in.readInt64();
                                    } else if (f5 == 2) {
                                        dim = readString(in, t5, "Dimension.dim_param");
                                    } else {
                                        in.skipField(t5);
                                    }
                                }
                                dims.add(dim);
                                in.popLimit(dimLimit);
                            }
                            in.popLimit(shapeLimit);
                        } else {
                            in.skipField(t3);
                        }
                    }
                    in.popLimit(tensorLimit);
                }
                in.popLimit(typeLimit);
            } else {
                in.skipField(tag);
            }
        }
        return new ValueInfo(name, elemType, dims);
    }

    // ---- reading helpers ------------------------------------------------------------------------

    private static void expect(int tag, int wireType, String field)
            throws InvalidProtocolBufferException {
        if (WireFormat.getTagWireType(tag) != wireType) {
            throw new InvalidProtocolBufferException(field + " (field "
                    + WireFormat.getTagFieldNumber(tag) + ") has wire type "
                    + WireFormat.getTagWireType(tag) + "; expected " + wireType);
        }
    }

    private static String readString(CodedInputStream in, int tag, String field)
            throws IOException {
        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
        return in.readStringRequireUtf8();
    }

    /** Starts reading an embedded message; returns the limit to restore with popLimit. */
    private static int enter(CodedInputStream in, int tag, String field) throws IOException {
        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, field);
        int length = in.readRawVarint32();
        if (length < 0) {
            throw new InvalidProtocolBufferException(field + " has a negative length");
        }
        return in.pushLimit(length);
    }

    private static void readLongs(CodedInputStream in, int tag, LongList out, Entries entries,
                                  String field) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                entries.value(8);
                out.add(in.readInt64());
            }
            in.popLimit(old);
        } else {
            expect(tag, WireFormat.WIRETYPE_VARINT, field);
            entries.value(8);
            out.add(in.readInt64());
        }
    }

    private static void readInts(CodedInputStream in, int tag, IntList out, Entries entries,
                                 String field) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                entries.value(4);
                out.add(in.readInt32());
            }
            in.popLimit(old);
        } else {
            expect(tag, WireFormat.WIRETYPE_VARINT, field);
            entries.value(4);
            out.add(in.readInt32());
        }
    }

    private static void readFloats(CodedInputStream in, int tag, FloatList out, Entries entries,
                                   String field) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                entries.value(4);
                out.add(in.readFloat());
            }
            in.popLimit(old);
        } else {
            expect(tag, WireFormat.WIRETYPE_FIXED32, field);
            entries.value(4);
            out.add(in.readFloat());
        }
    }

    private static final class IntList {
        int[] values = new int[8];
        int size;

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }

    private static final class LongList {
        long[] values = new long[8];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] toArray() { return Arrays.copyOf(values, size); }
    }

    private static final class FloatList {
        float[] values = new float[8];
        int size;

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        float[] toArray() { return Arrays.copyOf(values, size); }
    }

    // ==== writing ================================================================================

    /** Serialises a ModelProto. */
    static byte[] write(Model m) {
        return message(out -> {
            out.writeInt64(1, m.irVersion());
            if (!m.producerName().isEmpty()) {
                out.writeString(2, m.producerName());
            }
            if (!m.producerVersion().isEmpty()) {
                out.writeString(3, m.producerVersion());
            }
            if (m.graph() != null) {
                out.writeByteArray(7, write(m.graph()));
            }
            for (OpsetId o : m.opsets()) {
                out.writeByteArray(8, message(o2 -> {
                    o2.writeString(1, o.domain());
                    o2.writeInt64(2, o.version());
                }));
            }
            for (Map.Entry<String, String> e : m.metadata().entrySet()) {
                out.writeByteArray(14, message(o2 -> {
                    o2.writeString(1, e.getKey());
                    o2.writeString(2, e.getValue());
                }));
            }
        });
    }

    private static byte[] write(Graph g) {
        return message(out -> {
            for (Node n : g.nodes()) {
                out.writeByteArray(1, write(n));
            }
            out.writeString(2, g.name());
            for (Tensor t : g.initializers()) {
                out.writeByteArray(5, write(t));
            }
            for (ValueInfo v : g.inputs()) {
                out.writeByteArray(11, write(v));
            }
            for (ValueInfo v : g.outputs()) {
                out.writeByteArray(12, write(v));
            }
        });
    }

    private static byte[] write(Node n) {
        return message(out -> {
            for (String s : n.inputs()) {
                out.writeString(1, s);
            }
            for (String s : n.outputs()) {
                out.writeString(2, s);
            }
            if (!n.name().isEmpty()) {
                out.writeString(3, n.name());
            }
            out.writeString(4, n.opType());
            for (Attribute a : n.attributes()) {
                out.writeByteArray(5, write(a));
            }
            if (!n.domain().isEmpty()) {
                out.writeString(7, n.domain());
            }
        });
    }

    private static byte[] write(Attribute a) {
        return message(out -> {
            out.writeString(1, a.name());
            switch (a.type()) {
                case ATTR_FLOAT: out.writeFloat(2, a.f()); break;
                case ATTR_INT: out.writeInt64(3, a.i()); break;
                case ATTR_STRING: out.writeByteArray(4, a.s()); break;
                case ATTR_TENSOR: out.writeByteArray(5, write(a.t())); break;
                case ATTR_FLOATS:
                    for (float f : a.floats()) {
                        out.writeFloat(7, f);
                    }
                    break;
                case ATTR_INTS:
                    for (long v : a.ints()) {
                        out.writeInt64(8, v);
                    }
                    break;
                default:
                    throw new IllegalArgumentException("cannot write attribute type " + a.type());
            }
            out.writeInt32(20, a.type());
        });
    }

    private static byte[] write(Tensor t) {
        return message(out -> {
            for (long d : t.dims()) {
                out.writeInt64(1, d);
            }
            out.writeInt32(2, t.dataType());
            out.writeString(8, t.name());
            if (t.external()) {
                out.writeInt32(14, 1); // data_location = EXTERNAL
            } else {
                out.writeByteArray(9, t.data());
            }
        });
    }

    private static byte[] write(ValueInfo v) {
        return message(out -> {
            out.writeString(1, v.name());
            out.writeByteArray(2, message(type -> type.writeByteArray(1, message(tensor -> {
                tensor.writeInt32(1, v.elemType());
                if (v.dims() != null) {
                    tensor.writeByteArray(2, message(shape -> {
                        for (Object d : v.dims()) {
                            shape.writeByteArray(1, message(dim -> {
                                if (d instanceof Long l) {
                                    dim.writeInt64(1, l);
                                } else if (d instanceof String s) {
                                    dim.writeString(2, s);
                                }
                            }));
                        }
                    }));
                }
            }))));
        });
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
