package dev.mobilenetsimd.onnx;

import dev.mobilenetsimd.image.InputNormalization;
import java.util.regex.Pattern;

/**
 * The input normalisation as the value of the metadata entry
 * {@value OnnxExporter#NORMALIZATION_METADATA_KEY}:
 * {@code scale=SR,SG,SB;offset=OR,OG,OB}, meaning {@code real = scale[c] * (p - offset[c])} for
 * the 8-bit red, green and blue values {@code p} (decimal numbers as {@link Double#toString}
 * writes them, so that they read back exactly).
 */
final class NormalizationMetadata {
    /** The form of the value, for messages. */
    static final String FORM = "'scale=SR,SG,SB;offset=OR,OG,OB' (real = scale[c] * (p - offset[c])"
            + " for 8-bit red, green, blue values p)";

    /**
     * A plain decimal number. Possessive quantifiers: the greedy {@code \d+\.?\d*} retried
     * every split of a digit run, so 100,000 digits and a stray letter took 39 s to refuse.
     */
    private static final Pattern DECIMAL =
            Pattern.compile("[-+]?+(\\d++(\\.\\d*+)?+|\\.\\d++)([eE][-+]?+\\d++)?+");

    private NormalizationMetadata() {}

    /** The metadata value of {@code n}. */
    static String format(InputNormalization n) {
        StringBuilder sb = new StringBuilder("scale=");
        for (int c = 0; c < InputNormalization.CHANNELS; c++) {
            sb.append(c == 0 ? "" : ",").append(n.scale(c));
        }
        sb.append(";offset=");
        for (int c = 0; c < InputNormalization.CHANNELS; c++) {
            sb.append(c == 0 ? "" : ",").append(n.offset(c));
        }
        return sb.toString();
    }

    /**
     * Parses a metadata value written by {@link #format}; surrounding white space is allowed.
     *
     * @throws OnnxFormatException naming the entry, the problem and the expected form
     */
    static InputNormalization parse(String value) throws OnnxFormatException {
        String[] parts = value.split(";", -1);
        if (parts.length != 2) {
            throw bad(value, "expected two parts separated by ';', found " + parts.length);
        }
        double[] scales = null;
        double[] offsets = null;
        for (String part : parts) {
            int eq = part.indexOf('=');
            String name = eq < 0 ? part.strip() : part.substring(0, eq).strip();
            if (eq < 0 || !(name.equals("scale") || name.equals("offset"))) {
                throw bad(value, "'" + shorten(part.strip()) + "' is not scale=... or offset=...");
            }
            if (name.equals("scale") ? scales != null : offsets != null) {
                throw bad(value, name + " given twice");
            }
            double[] v = numbers(value, name, part.substring(eq + 1));
            if (name.equals("scale")) {
                scales = v;
            } else {
                offsets = v;
            }
        }
        if (scales == null || offsets == null) {
            throw bad(value, scales == null ? "no scale" : "no offset");
        }
        try {
            return InputNormalization.perChannel(scales, offsets);
        } catch (IllegalArgumentException e) {
            OnnxFormatException bad = bad(value, e.getMessage());
            bad.initCause(e);
            throw bad;
        }
    }

    private static double[] numbers(String value, String name, String list)
            throws OnnxFormatException {
        String[] items = list.split(",", -1);
        if (items.length != InputNormalization.CHANNELS) {
            throw bad(value, name + " has " + items.length + " values; expected 3");
        }
        double[] v = new double[items.length];
        for (int i = 0; i < items.length; i++) {
            String item = items[i].strip();
            // parseDouble takes "1d", "0x1p3", "NaN": only plain decimal numbers are ours
            if (!DECIMAL.matcher(item).matches()) {
                throw bad(value, name + " value '" + shorten(item) + "' is not a decimal number");
            }
            v[i] = Double.parseDouble(item);
        }
        return v;
    }

    private static OnnxFormatException bad(String value, String problem) {
        return new OnnxFormatException("malformed metadata "
                + OnnxExporter.NORMALIZATION_METADATA_KEY + " = '" + shorten(value) + "': "
                + problem + "; expected " + FORM);
    }

    /** {@code s}, cut to 200 characters for a message. */
    private static String shorten(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
