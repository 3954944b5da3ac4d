package dev.mobilenetsimd.cli;

import dev.mobilenetsimd.MobileNetV2;
import dev.mobilenetsimd.ModelConfig;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/**
 * The numbers the command line takes, in plain decimal notation only. picocli's converters
 * (Double.valueOf, Integer.valueOf) also took Java's float suffixes and hexadecimal floats
 * ({@code --alpha 0.5f}, {@code 0x1p-1} and {@code 1d} ran with 0.5 and 1), spaces around a
 * decimal, and digits of any script ({@code -r ２２４} ran at 224).
 */
final class Numbers {
    /**
     * Optional sign, digits, optional fraction, optional exponent; ASCII digits only. Possessive
     * quantifiers, as in the ONNX metadata's parser: the greedy ones retried every split of a
     * long digit run before refusing a stray letter after it.
     */
    private static final Pattern DECIMAL =
            Pattern.compile("[-+]?+(\\d++(\\.\\d*+)?+|\\.\\d++)([eE][-+]?+\\d++)?+");
    /** Parsed as before, so that the option's range check refuses them with its message. */
    private static final Pattern NON_FINITE = Pattern.compile("[-+]?+(NaN|Infinity)");
    private static final Pattern INTEGER = Pattern.compile("[-+]?+\\d++");

    private Numbers() {}

    /** Makes every int, long and double option of {@code cli} and its subcommands use these. */
    static void register(CommandLine cli) {
        cli.registerConverter(Double.class, Numbers::decimal);
        cli.registerConverter(Double.TYPE, Numbers::decimal);
        cli.registerConverter(Integer.class, Numbers::integer);
        cli.registerConverter(Integer.TYPE, Numbers::integer);
        cli.registerConverter(Long.class, Numbers::longInteger);
        cli.registerConverter(Long.TYPE, Numbers::longInteger);
    }

    /** Whether {@code s} is a plain decimal number, or NaN or an infinity as Java spells them. */
    static boolean isDecimal(String s) {
        return DECIMAL.matcher(s).matches() || NON_FINITE.matcher(s).matches();
    }

    static double decimal(String s) {
        if (!isDecimal(s)) {
            throw new TypeConversionException("'" + s + "' is not a plain decimal number (such"
                    + " as 0.35, 1 or 1e-1)");
        }
        return Double.parseDouble(s);
    }

    static int integer(String s) {
        checkInteger(s);
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new OutOfIntRange(s);
        }
    }

    /**
     * An integer past the int range, for which {@link #outOfRange} names the option's own range:
     * the converter does not know the option, and its message said "expected -2147483648 to
     * 2147483647" for {@code run -n 99999999999}, where -n takes 1 to 1000000.
     */
    static final class OutOfIntRange extends TypeConversionException {
        private static final long serialVersionUID = 1L;
        final String value;

        OutOfIntRange(String value) {
            super("'" + value + "' is out of range: expected " + Integer.MIN_VALUE + " to "
                    + Integer.MAX_VALUE);
            this.value = value;
        }
    }

    /**
     * The int options' ranges by long name, as the commands and {@link ModelConfig} check them
     * (an option of the same name takes the same range in every command).
     */
    private static final Map<String, String> RANGES = Map.of(
            "--iterations", "1 to " + RunCommand.MAX_ITERATIONS,
            "--warmup", "0 to " + RunCommand.MAX_ITERATIONS,
            "--threads", "1 to " + MobileNetV2.MAX_THREADS,
            "--batch", "1 to " + RunCommand.MAX_BATCH,
            "--resolution", ModelConfig.MIN_RESOLUTION + " to " + ModelConfig.MAX_RESOLUTION,
            "--classes", "1 to " + ModelConfig.MAX_CLASSES,
            // past the model's classes it reports them all: any int from 1 on is taken
            "--top", "1 to " + Integer.MAX_VALUE);

    /**
     * The message for {@code e}, an {@link OutOfIntRange} value of {@code option}, naming that
     * option's range; null if the option has none here (picocli's message stands then).
     */
    static String outOfRange(OutOfIntRange e, String option) {
        String range = RANGES.get(option);
        return range == null ? null : "Invalid value for option '" + option + "': '" + e.value
                + "' is out of range: expected " + range;
    }

    static long longInteger(String s) {
        checkInteger(s);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + s + "' is out of range: expected "
                    + Long.MIN_VALUE + " to " + Long.MAX_VALUE);
        }
    }

    private static void checkInteger(String s) {
        if (!INTEGER.matcher(s).matches()) {
            throw new TypeConversionException("'" + s + "' is not a decimal integer (digits 0 to"
                    + " 9, with an optional sign)");
        }
    }
}
