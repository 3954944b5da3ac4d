package dev.mobilenetsimd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** ModelConfig's text: the width multiplier as a short decimal that reads back exactly. */
class ModelConfigTest {
    private static String alphaText(double alpha) {
        String s = new ModelConfig(alpha, 224, 1001, Padding.TF_SAME).toString();
        return s.substring("MobileNetV2 ".length(), s.indexOf('/'));
    }

    @Test
    void smallAlphaIsShownWithALowerCaseExponentWithoutJavasPointZero() {
        assertEquals("1e-300", alphaText(1e-300));
        assertEquals("1e-4", alphaText(1e-4));
        assertEquals("2.5e-5", alphaText(2.5e-5));
        // Java prints 4.9E-324, a digit more than reads back
        assertEquals("5e-324", alphaText(Double.MIN_VALUE));
        // from 0.001 up, as Java prints them
        assertEquals("0.001", alphaText(0.001));
        assertEquals("1.0", alphaText(1.0));
        assertEquals("0.35", alphaText(0.35));
        assertEquals("4.0", alphaText(4.0));
    }

    @Test
    void theTextIsTheShortestThatReadsBack() {
        SplittableRandom r = new SplittableRandom(41);
        for (int i = 0; i < 20_000; i++) {
            double alpha = i % 2 == 0 ? 4 * r.nextDouble()
                    : Math.scalb(r.nextDouble(), -r.nextInt(1000));
            if (!(alpha > 0)) {
                continue;
            }
            String text = alphaText(alpha);
            assertEquals(alpha, Double.parseDouble(text), text);
            // one significant digit fewer (rounded either way) no longer reads back
            BigDecimal shown = new BigDecimal(text).stripTrailingZeros();
            if (shown.precision() > 1) {
                BigDecimal unit = BigDecimal.ONE.scaleByPowerOfTen(-shown.scale() + 1);
                BigDecimal down = shown.divideToIntegralValue(unit).multiply(unit);
                assertTrue(down.doubleValue() != alpha && down.add(unit).doubleValue() != alpha,
                        text);
            }
        }
    }
}
