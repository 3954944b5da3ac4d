package dev.mobilenetsimd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mobilenetsimd.image.InputNormalization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.junit.jupiter.api.io.TempDir;

/**
 * Number options take plain decimal notation only: picocli's Double.valueOf and the
 * normalisation's Double.parseDouble took Java's float suffixes and hexadecimal floats
 * ({@code --alpha 0.5f}, {@code 0x1p-1} and {@code 1d} ran with 0.5 and 1), and the integer
 * options digits of any script ({@code -r ２２４} ran at 224).
 */
class NumberOptionsTest {
    private static final String DECIMAL = " is not a plain decimal number (such as 0.35, 1 or"
            + " 1e-1)";
    private static final String INTEGER = " is not a decimal integer (digits 0 to 9, with an"
            + " optional sign)";

    @Test
    void alphaTakesOnlyPlainDecimals(@TempDir Path dir) {
        for (String alpha : new String[] {"0.5f", "0x1p-1", "1d", "1D", "0.5F", " 0.5", "0.5 ",
                "\u0661", "0,5", "1e", "."}) {
            refused("Invalid value for option '--alpha': '" + alpha + "'" + DECIMAL,
                    "plan", "--alpha", alpha);
        }
        // run and export-onnx share the option; nothing is run nor written
        refused("Invalid value for option '--alpha': '1d'" + DECIMAL,
                "run", "-r", "32", "-n", "1", "-w", "0", "--alpha", "1d");
        Path onnx = dir.resolve("x.onnx");
        refused("Invalid value for option '--alpha': '0x1p-1'" + DECIMAL,
                "export-onnx", "-r", "32", "-a", "0x1p-1", "-o", onnx.toString());
        assertFalse(Files.exists(onnx));
    }

    @Test
    void alphaKeepsEveryDecimalFormAndItsRangeMessages() {
        for (String alpha : new String[] {"0.5", "+0.5", ".5", "0.50", "5e-1", "5E-1", "0.05e+1",
                "000.5"}) {
            CliRun r = CliRun.of("plan", "--alpha", alpha);
            assertEquals(0, r.status(), alpha + ": " + r.err());
            assertTrue(r.out().startsWith("MobileNetV2 0.5/224 "), alpha + ": " + r.out());
        }
        for (String alpha : new String[] {"NaN", "Infinity", "-Infinity", "0", "-1", "5."}) {
            CliRun r = CliRun.of("plan", "--alpha", alpha);
            assertEquals(2, r.status(), alpha);
            assertTrue(r.err().startsWith("error: width multiplier alpha = "
                    + Double.parseDouble(alpha) + " is not allowed: expected 0 < alpha <= 4"),
                    alpha + ": " + r.err());
        }
    }

    /**
     * The configuration shows the width multiplier in a form --alpha takes, and giving that text
     * back shows the same: "-a 1e-300" showed "MobileNetV2 1.0E-300/224", Java's notation.
     */
    @Test
    void alphaIsShownAsADecimalTheOptionTakes() {
        String[][] shown = {{"1e-300", "1e-300"}, {"0.0001", "1e-4"}, {"2.50e-5", "2.5e-5"},
                {"0.00123", "0.00123"}, {"4", "4.0"}, {"0.35", "0.35"}, {"1.4", "1.4"}};
        for (String[] c : shown) {
            CliRun r = CliRun.of("plan", "--alpha", c[0]);
            assertEquals(0, r.status(), c[0] + ": " + r.err());
            assertTrue(r.out().startsWith("MobileNetV2 " + c[1] + "/224 "), c[0] + ": " + r.out());
            CliRun again = CliRun.of("plan", "--alpha", c[1]);
            assertEquals(r.out(), again.out(), c[1]);
        }
    }

    @Test
    void integerOptionsTakeOnlyAsciiDigits() {
        refused("Invalid value for option '--resolution': '\uff12\uff12\uff14'" + INTEGER,
                "plan", "-r", "\uff12\uff12\uff14");
        refused("Invalid value for option '--classes': '\u0967\u0966'" + INTEGER,
                "plan", "-k", "\u0967\u0966");
        refused("Invalid value for option '--seed': '\u0967\u0966'" + INTEGER,
                "run", "-r", "32", "-n", "1", "-w", "0", "--seed", "\u0967\u0966");
        refused("Invalid value for option '--iterations': '0x1'" + INTEGER,
                "run", "-r", "32", "-n", "0x1");
        refused("Invalid value for option '--top': '5f'" + INTEGER,
                "classify", "-m", "no-such-model.onnx", "-k", "5f", "cat.bmp");
        refused("Invalid value for option '--seed': '99999999999999999999' is out of range:"
                + " expected -9223372036854775808 to 9223372036854775807",
                "export-onnx", "-r", "32", "--seed", "99999999999999999999", "-o", "x.onnx");
        for (String r : new String[] {"+224", "0224", "224"}) {
            CliRun run = CliRun.of("plan", "-r", r);
            assertEquals(0, run.status(), r + ": " + run.err());
            assertTrue(run.out().startsWith("MobileNetV2 1.0/224 "), r + ": " + run.out());
        }
    }

    /**
     * A value past the int range names the option's own range: "run -n 99999999999" said
     * "expected -2147483648 to 2147483647", where -n takes 1 to 1000000.
     */
    @Test
    void integersPastTheIntRangeNameTheOptionsOwnRange() {
        String big = "99999999999";
        outOfRange("--iterations", big, "1 to 1000000", "run", "-r", "32", "-n", big);
        outOfRange("--iterations", "-" + big, "1 to 1000000", "run", "-n", "-" + big);
        outOfRange("--warmup", big, "0 to 1000000", "run", "-r", "32", "--warmup", big);
        outOfRange("--threads", big, "1 to 256", "run", "-r", "32", "-t", big);
        outOfRange("--batch", big, "1 to 256", "run", "-r", "32", "--batch", big);
        outOfRange("--resolution", big, "32 to 2048", "plan", "-r", big);
        outOfRange("--resolution", big, "32 to 2048", "run", "--resolution", big);
        outOfRange("--classes", big, "1 to 1000000", "plan", "-k", big);
        outOfRange("--classes", big, "1 to 1000000", "export-onnx", "-k", big, "-o", "x.onnx");
        outOfRange("--top", big, "1 to 2147483647", "classify", "-m", "m.onnx", "-k", big,
                "cat.bmp");
        outOfRange("--warmup", big, "0 to 1000000", "classify", "-m", "m.onnx", "-w", big,
                "cat.bmp");
        outOfRange("--threads", big, "1 to 256", "classify", "-m", "m.onnx", "-t", big,
                "cat.bmp");
        // the seed's own range is the 64-bit one
        refused("Invalid value for option '--seed': '99999999999999999999' is out of range:"
                + " expected -9223372036854775808 to 9223372036854775807",
                "run", "-r", "32", "-s", "99999999999999999999");
    }

    /** Every int option has its range there: a new one would fall back to the int range. */
    @Test
    void everyIntOptionHasItsOwnRange() {
        CommandLine cli = new CommandLine(new Main());
        int options = 0;
        for (CommandLine command : cli.getSubcommands().values()) {
            for (CommandLine.Model.OptionSpec o : command.getCommandSpec().options()) {
                if (o.type() == int.class || o.type() == Integer.class) {
                    options++;
                    assertNotNull(Numbers.outOfRange(new Numbers.OutOfIntRange("1"),
                            o.longestName()), command.getCommandName() + " " + o.longestName());
                }
            }
        }
        assertEquals(2 + 6 + 2 + 4, options, "plan, run, export-onnx, classify");
    }

    @Test
    void normalizationValuesAreOnlyPlainDecimals() {
        for (String bad : new String[] {"1d", "0.5f", "0x1p0", "1e"}) {
            String value = "0.5,0.5,0.5/1,1," + bad;
            refused("--normalization " + value + ": std value '" + bad + "' is not a decimal"
                    + " number; expected imagenet, minus-one-to-one or MEAN/STD",
                    "classify", "--normalization", value, "-m", "no-such-model.onnx", "cat.bmp");
        }
        // the forms taken before, spaces after commas included
        assertEquals(InputNormalization.meanStd(new double[] {0.5, 0.5, 0.5},
                        new double[] {1, 0.25, 2}),
                ClassifyCommand.parseNormalization(".5, +0.5, 5e-1/1., 0.25 ,2E0"));
    }

    /** {@code args} are refused for {@code option}'s {@code value}, past its {@code range}. */
    private static void outOfRange(String option, String value, String range, String... args) {
        refused("Invalid value for option '" + option + "': '" + value + "' is out of range:"
                + " expected " + range, args);
    }

    /** {@code args} fail with status 2 and one {@code error:} line starting with message. */
    private static void refused(String message, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.status(), String.join(" ", args) + ": " + r.err());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: " + message), first);
        assertEquals("", r.out());
    }
}
