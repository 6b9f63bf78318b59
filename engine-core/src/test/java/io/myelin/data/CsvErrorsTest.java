package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed input gives a DataFormatException naming file, line and column. */
class CsvErrorsTest {
  @TempDir Path tmp;

  static final String PIMA_HEAD =
      "Pregnancies,Glucose,BloodPressure,SkinThickness,Insulin,BMI,DiabetesPedigreeFunction,Age,"
          + "Outcome\n";

  static String message(String text) {
    return message(text, CsvOptions.defaults());
  }

  static String message(String text, CsvOptions o) {
    return assertThrows(
            DataFormatException.class,
            () -> CsvReader.read(new StringReader(text), "diabetes.csv", o))
        .getMessage();
  }

  /** A Pima-like file of {@code lines} data rows (lines 2..) with a bad value on one line. */
  static String pima(int badLine, int column, String value) {
    var sb = new StringBuilder(PIMA_HEAD);
    for (int line = 2; line <= 30; line++) {
      String[] f = {"6", "148", "72", "35", "0", "33.6", "0.627", "50", line % 2 == 0 ? "1" : "0"};
      if (line == badLine) {
        f[column - 1] = value;
      }
      sb.append(String.join(",", f)).append('\n');
    }
    return sb.toString();
  }

  @Test
  void strayTextInNumericColumn() {
    assertEquals(
        "diabetes.csv:17: column 3 'BloodPressure': expected a number, got 'abc' (28 of"
            + " the column's 29 values are numbers; list the column in categoricalColumns to one-hot"
            + " encode it)",
        message(pima(17, 3, "abc")));
  }

  @Test
  void nonFiniteNumbers() {
    assertEquals(
        "diabetes.csv:9: column 6 'BMI': expected a finite number, got 'NaN'",
        message(pima(9, 6, "NaN")));
    assertEquals(
        "diabetes.csv:4: column 2 'Glucose': expected a finite number, got '-inf'",
        message(pima(4, 2, "-inf")));
    assertEquals(
        "diabetes.csv:5: column 1 'Pregnancies': number outside the float32 range"
            + " (|x| <= 3.4e38), got '1e39'",
        message(pima(5, 1, "1e39")));
  }

  @Test
  void wrongFieldCount() {
    String text = PIMA_HEAD + "6,148,72,35,0,33.6,0.627,50,1\n1,85,66,29,0,26.6,0.351,31\n";
    assertEquals("diabetes.csv:3: expected 9 fields (as on line 1), got 8", message(text));
    assertEquals(
        "diabetes.csv:2: expected 9 fields (as on line 1), got 1 (is the delimiter ','"
            + " right?)",
        message(PIMA_HEAD + "6;148;72;35;0;33.6;0.627;50;1\n"));
  }

  @Test
  void emptyAndHeaderOnlyFiles() {
    assertEquals("diabetes.csv: empty file: no header and no data rows", message(""));
    assertEquals("diabetes.csv: empty file: no header and no data rows", message("\n\n  \n"));
    assertEquals("diabetes.csv: the file has a header but no data rows", message(PIMA_HEAD));
  }

  @Test
  void missingValues() {
    assertEquals(
        "diabetes.csv:8: column 5 'Insulin': missing value ''; choose a"
            + " MissingValuePolicy (DROP_ROW, MEAN or ZERO) to accept it",
        message(pima(8, 5, "")));
    assertEquals(
        "diabetes.csv:3: column 9 'Outcome': missing value '?' in the target"
            + " (MissingValuePolicy.DROP_ROW leaves such rows out)",
        message(pima(3, 9, "?"), CsvOptions.defaults().withMissing(MissingValuePolicy.MEAN)));
  }

  @Test
  void quotingErrors() {
    assertEquals(
        "diabetes.csv:3: quoted field is never closed (end of file reached)",
        message("a,b\n1,2\n\"3,4\n5,6\n"));
    assertEquals(
        "diabetes.csv:2: expected a delimiter or the end of the line after a closing"
            + " quote, got 'x'",
        message("a,b\n\"1\"x,2\n"));
    assertEquals(
        "diabetes.csv:2: quote inside an unquoted field; quote the whole field and"
            + " double the inner quotes, as in \"12\"\" pipe\"",
        message("a,b\n12\" pipe,2\n"));
  }

  @Test
  void badTargets() {
    assertEquals(
        "diabetes.csv: no column named 'Label' for the target (columns: [a, b])",
        message("a,b\n1,2\n", CsvOptions.defaults().withTarget("Label")));
    assertEquals(
        "diabetes.csv: target column index 5 is outside the 2 columns (0-based)",
        message("a,b\n1,2\n", CsvOptions.defaults().withTarget(5)));
    assertEquals(
        "diabetes.csv:3: column 2 'y': expected a number, got 'yes'",
        message("x,y\n1,2.5\n2,yes\n", CsvOptions.defaults().withTask(Task.REGRESS)));
  }

  @Test
  void headerlessMessagesUseColumnNumbers() {
    assertEquals(
        "d.csv:2: column 2: expected a finite number, got 'inf'",
        assertThrows(
                DataFormatException.class,
                () ->
                    CsvReader.read(
                        new StringReader("1,2,0\n3,inf,1\n"), "d.csv", CsvOptions.defaults()))
            .getMessage());
  }

  @Test
  void fileErrorsNameTheFileNotThePath() throws Exception {
    Path f = tmp.resolve("broken.csv");
    Files.writeString(f, "a,b\n1,2\n3\n");
    var e = assertThrows(DataFormatException.class, () -> CsvReader.read(f));
    assertEquals(
        "broken.csv:3: expected 2 fields (as on line 1), got 1 (is the delimiter ','" + " right?)",
        e.getMessage());
    assertEquals("broken.csv", e.source());
    assertEquals(3, e.position());
  }

  @Test
  void badOptionsNameTheValue() {
    assertEquals(
        "maxClasses must be >= 2, got 1",
        assertThrows(IllegalArgumentException.class, () -> CsvOptions.defaults().withMaxClasses(1))
            .getMessage());
    assertEquals(
        "delimiter '\"' cannot separate fields",
        assertThrows(IllegalArgumentException.class, () -> CsvOptions.defaults().withDelimiter('"'))
            .getMessage());
  }
}
