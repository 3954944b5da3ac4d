package dev.mobilenetsimd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code --json} outputs: RFC 8259 JSON holding what they claim, whatever the input. */
class JsonOutputTest {
    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int status = Main.execute(args);
            return new Result(status, out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /**
     * Every number keeps its value to the nine significant digits written: trailing zeros were
     * stripped from the exponent too (1e20 became "1e+2", 1e-10 "1e-1"), and from a nine-digit
     * integer part (123456789.5 became "12345679").
     */
    @Test
    void numbersKeepTheirValue() {
        List<Number> values = List.of(0.35, 1e-10, -1e-10, 1e20, -1e30, 1.5e300, 123456789.5,
                100000000.25, -250000000.5, 999999999.7, 12345678.96, 1e-5, 0.0001, 38.4476962,
                4.9e-324, Double.MAX_VALUE, 1e15, 2.5e15, 1.0 / 3, 0.1f, 1e20f, 1.5e-10f,
                -0.0873043314f, 4.30845022f, Float.MIN_VALUE);
        String text = Json.write(values);
        List<?> parsed = (List<?>) StrictJson.parse(text);
        assertEquals(values.size(), parsed.size(), text);
        for (int k = 0; k < values.size(); k++) {
            double want = values.get(k).doubleValue(), got = (Double) parsed.get(k);
            assertTrue(Math.abs(got - want) <= 5e-9 * Math.abs(want),
                    values.get(k) + " was written as " + got + " in " + text);
        }
        List<?> nonFinite = (List<?>) StrictJson.parse(Json.write(Arrays.asList(Double.NaN,
                Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN)));
        assertEquals(Arrays.asList(null, null, null, null), nonFinite);
    }

    /** The width multiplier as given: 1e-10 was printed as 1e-1. */
    @Test
    void planJsonGivesTheAlphaAsGiven() {
        for (String alpha : new String[] {"1e-10", "0.35", "1.4", "4"}) {
            Result r = run("plan", "-a", alpha, "-r", "32", "--json");
            assertEquals(0, r.status, r.err);
            Map<?, ?> config = (Map<?, ?>) StrictJson.object(r.out).get("config");
            assertEquals(Double.parseDouble(alpha), (Double) config.get("alpha"), r.out);
        }
    }
}
