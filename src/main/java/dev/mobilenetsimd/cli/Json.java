package dev.mobilenetsimd.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * A minimal JSON writer for the CLI's {@code --json} output (maps, lists, strings, numbers).
 *
 * <p>The text is ASCII: in strings, control characters and every character past ASCII are
 * written as <code>&#92;uXXXX</code> escapes (a character beyond the BMP as its surrogate pair,
 * half a pair as U+FFFD), so that no output encoding can change it. (Written as such, a label's
 * "é" or emoji became "?" on a JVM whose standard output is ASCII, as JDK 17's in the C locale.)
 * Numbers that are not finite are written as {@code null}.
 */
final class Json {
    private Json() {}

    /**
     * Numbers given by their index, written as a list: {@code size} of them, the {@code i}-th
     * {@code value.applyAsDouble(i)}. A million of them (run's latency samples) as a list of
     * {@link Double}s took some 24 bytes of heap each.
     *
     * @param size  how many
     * @param value the {@code i}-th
     */
    record Numbers(int size, IntToDoubleFunction value) {}

    static String write(Object value) {
        StringWriter text = new StringWriter();
        write(value, new PrintWriter(text));
        return text.toString();
    }

    /**
     * Writes {@code value}'s document to {@code out} as it goes: a document of a million numbers
     * is never whole in memory as text (twice or more its size as the text grew).
     */
    static void write(Object value, PrintWriter out) {
        write(out, value, 0);
        out.append('\n');
    }

    private static void write(PrintWriter sb, Object v, int indent) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String) {
            string(sb, (String) v);
        } else if (v instanceof Float || v instanceof Double) {
            number(sb, ((Number) v).doubleValue());
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.print(v);
        } else if (v instanceof Numbers) {
            Numbers n = (Numbers) v;
            sb.append('[');
            for (int i = 0; i < n.size(); i++) {
                sb.append(i == 0 ? "" : ", ");
                number(sb, n.value().applyAsDouble(i));
            }
            sb.append(']');
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "\n" : ",\n");
                first = false;
                pad(sb, indent + 1);
                string(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue(), indent + 1);
            }
            if (!first) {
                sb.append('\n');
                pad(sb, indent);
            }
            sb.append('}');
        } else if (v instanceof List) {
            List<?> l = (List<?>) v;
            boolean scalars = l.stream().noneMatch(x -> x instanceof Map || x instanceof List);
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (scalars) {
                    sb.append(i == 0 ? "" : ", ");
                } else {
                    sb.append(i == 0 ? "\n" : ",\n");
                    pad(sb, indent + 1);
                }
                write(sb, l.get(i), indent + 1);
            }
            if (!scalars && !l.isEmpty()) {
                sb.append('\n');
                pad(sb, indent);
            }
            sb.append(']');
        } else {
            string(sb, v.toString());
        }
    }

    private static void number(PrintWriter sb, double d) {
        sb.append(Double.isFinite(d) ? numberText(d) : "null");
    }

    /**
     * A finite number: an integer as such below 10^15, else nine significant digits without
     * trailing zeros, in plain notation from 10^-4 to 10^9 and with an exponent outside.
     * (Stripping the zeros from {@code %.9g}'s text by pattern also cut them from an exponent,
     * 1e20 to "1e+2", and from a nine-digit integer part, 123456789.5 to "12345679".)
     */
    static String numberText(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        BigDecimal b = BigDecimal.valueOf(d).round(new MathContext(9, RoundingMode.HALF_UP))
                .stripTrailingZeros();
        int exponent = b.precision() - b.scale() - 1; // of the first significant digit
        if (exponent >= -4 && exponent < 9) {
            return b.toPlainString();
        }
        String unscaled = b.unscaledValue().abs().toString();
        return (b.signum() < 0 ? "-" : "") + unscaled.charAt(0)
                + (unscaled.length() > 1 ? "." + unscaled.substring(1) : "")
                + (exponent < 0 ? "e-" : "e+") + Math.abs(exponent);
    }

    private static void pad(PrintWriter sb, int indent) {
        for (int i = 0; i < indent; i++) {
            sb.append("  ");
        }
    }

    /** {@code s} as a JSON string literal (see the class comment). */
    static String quote(String s) {
        StringWriter text = new StringWriter(s.length() + 2);
        string(new PrintWriter(text), s);
        return text.toString();
    }

    private static void string(PrintWriter sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c >= 0x20 && c < 0x7f) {
                        sb.append(c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        escape(sb, c);
                        escape(sb, s.charAt(++i));
                    } else {
                        escape(sb, Character.isSurrogate(c) ? '\ufffd' : c); // a lone half
                    }
            }
        }
        sb.append('"');
    }

    private static void escape(PrintWriter sb, char c) {
        sb.append("\\u");
        for (int shift = 12; shift >= 0; shift -= 4) {
            sb.append(Character.forDigit((c >> shift) & 0xf, 16));
        }
    }
}
