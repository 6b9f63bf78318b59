package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** CsvNumbers' scanners against the regular expressions their javadoc states. */
class CsvNumbersTest {
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern NON_FINITE =
      Pattern.compile("[+-]?(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);

  @Test
  void examples() {
    for (String yes : new String[] {"0", "-1", "+2.", ".5", "3.25e-7", "1E+10", "007", "-.0e0"}) {
      assertTrue(CsvNumbers.isDecimal(yes), yes);
    }
    for (String no :
        new String[] {
          "", "+", ".", "-.", "e5", "1e", "1e+", "1.2.3", "1f", "0x1p3", " 1", "1 ", "١"
        }) {
      assertFalse(CsvNumbers.isDecimal(no), no);
    }
    for (String yes : new String[] {"nan", "NaN", "-inf", "+Infinity", "INFINITY"}) {
      assertTrue(CsvNumbers.isNonFinite(yes), yes);
    }
    for (String no : new String[] {"", "na", "infin", "+-inf", "nan ", "\u0131nf", "-"}) {
      assertFalse(CsvNumbers.isNonFinite(no), no);
    }
  }

  @Test
  void agreeWithTheRegularExpressionsOnRandomStrings() {
    // An alphabet of everything the expressions look at, plus near misses: other letters, a
    // space, a non-ASCII digit, a dotless i (which Unicode case folding would turn into I).
    String alphabet = "0123456789+-.eEnNaAiIfFtTyY x\u0661\u0131";
    var random = new SplittableRandom(7);
    for (int t = 0; t < 200_000; t++) {
      int len = random.nextInt(10);
      StringBuilder b = new StringBuilder(len);
      for (int i = 0; i < len; i++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String s = b.toString();
      assertEquals(DECIMAL.matcher(s).matches(), CsvNumbers.isDecimal(s), s);
      assertEquals(NON_FINITE.matcher(s).matches(), CsvNumbers.isNonFinite(s), s);
    }
    for (String w : new String[] {"nan", "inf", "infinity"}) {
      // Every casing of the words, signed and not.
      for (int mask = 0; mask < 1 << w.length(); mask++) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < w.length(); i++) {
          char c = w.charAt(i);
          b.append((mask >> i & 1) == 1 ? Character.toUpperCase(c) : c);
        }
        for (String s : new String[] {b.toString(), "-" + b, "+" + b}) {
          assertEquals(NON_FINITE.matcher(s).matches(), CsvNumbers.isNonFinite(s), s);
        }
      }
    }
  }
}
