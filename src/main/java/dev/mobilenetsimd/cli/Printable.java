package dev.mobilenetsimd.cli;

/**
 * Text from files (image paths, labels, a model's producer name) made safe for one line of a
 * terminal or a log: the characters that end a line or move the cursor, and the other control
 * characters (C0, DEL, C1: a terminal takes ESC as the start of a command), are written as
 * escapes, {@code \n}, {@code \r}, {@code \t} or <code>&#92;uXXXX</code>, as in Java and JSON;
 * so are U+2028 and U+2029, which some viewers take for line breaks. A backslash is left alone,
 * so that a Windows path reads as itself: the text output is for reading, and {@code --json}
 * gives the exact strings.
 */
final class Printable {
    private Printable() {}

    /** {@code s} with every character that would break its line escaped (see the class comment). */
    static String of(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isISOControl(c) && c != '\u2028' && c != '\u2029') {
                if (sb != null) {
                    sb.append(c);
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            switch (c) {
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        return sb == null ? s : sb.toString();
    }
}
