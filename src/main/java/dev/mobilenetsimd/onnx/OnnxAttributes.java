package dev.mobilenetsimd.onnx;

import dev.mobilenetsimd.onnx.OnnxProto.Attribute;
import dev.mobilenetsimd.onnx.OnnxProto.Node;
import dev.mobilenetsimd.onnx.OnnxProto.Tensor;

/**
 * Reads a node's attributes, each refused unless of the type ONNX gives it, and a Constant
 * node's value.
 */
final class OnnxAttributes {
    private OnnxAttributes() {}

    /**
     * Attribute {@code name} of {@code n}, or {@code null}; refused unless of {@code type}. The
     * type was not read: an alpha given as an INT read as 0 and zeroed the classifier. A value
     * the type names but the file omits reads as 0, as ONNX Runtime reads it (proto3 writers
     * leave zeros out).
     */
    static Attribute attribute(Node n, String name, int type) throws OnnxFormatException {
        Attribute a = n.attribute(name);
        return a == null ? null : typed(n, a, type);
    }

    /** {@code a}, an attribute of {@code n}, refused unless of {@code type}. */
    private static Attribute typed(Node n, Attribute a, int type) throws OnnxFormatException {
        if (a.type() != type) {
            throw new OnnxFormatException(n.describe() + ": attribute '" + a.name() + "' is "
                    + OnnxProto.attributeTypeName(a.type()) + "; expected "
                    + OnnxProto.attributeTypeName(type));
        }
        return a;
    }

    static long intAttr(Node n, String name, long dflt) throws OnnxFormatException {
        Attribute a = attribute(n, name, OnnxProto.ATTR_INT);
        return a == null ? dflt : a.i();
    }

    static float floatAttr(Node n, String name, float dflt) throws OnnxFormatException {
        Attribute a = attribute(n, name, OnnxProto.ATTR_FLOAT);
        return a == null ? dflt : a.f();
    }

    static long[] ints(Node n, String name, long[] dflt) throws OnnxFormatException {
        Attribute a = attribute(n, name, OnnxProto.ATTR_INTS);
        return a == null ? dflt : a.ints();
    }

    /** The value of a Constant node. */
    static Tensor constantValue(Node n) throws OnnxFormatException {
        String out = n.outputs().get(0);
        for (Attribute a : n.attributes()) {
            switch (a.name()) {
                case "value":
                    Tensor t = typed(n, a, OnnxProto.ATTR_TENSOR).t();
                    if (t == null) {
                        break;
                    }
                    return new Tensor(out, t.dataType(), t.dims(), t.data(), t.external());
                case "value_float":
                    float f = typed(n, a, OnnxProto.ATTR_FLOAT).f();
                    return Tensor.ofFloats(out, new float[] {f});
                case "value_floats":
                    float[] fs = typed(n, a, OnnxProto.ATTR_FLOATS).floats();
                    return Tensor.ofFloats(out, fs, fs.length);
                case "value_int":
                    long i = typed(n, a, OnnxProto.ATTR_INT).i();
                    return Tensor.ofLongs(out, new long[] {i});
                case "value_ints":
                    long[] is = typed(n, a, OnnxProto.ATTR_INTS).ints();
                    return Tensor.ofLongs(out, is, is.length);
                default:
                    break;
            }
        }
        throw new OnnxFormatException(n.describe() + " has no supported value attribute "
                + "(value, value_float(s) or value_int(s))");
    }
}
