package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrayDatasetTest {
  @Test
  void selectCopiesRowsInOrder() {
    var d =
        ArrayDataset.regression(
            new float[] {1, 2, 3, 4, 5, 6}, 3, 2, new float[] {10, 11, 20, 21, 30, 31}, 2);
    var s = d.select(new int[] {2, 0, 2});
    assertArrayEquals(new float[] {5, 6, 1, 2, 5, 6}, s.features());
    assertArrayEquals(new float[] {30, 31, 10, 11, 30, 31}, s.targets());
    assertEquals(List.of("x0", "x1"), s.featureNames());
    assertEquals(
        "row index 3 at position 1 is outside [0, 3)",
        assertThrows(IndexOutOfBoundsException.class, () -> d.select(new int[] {0, 3}))
            .getMessage());
  }

  @Test
  void constructorRejectsInconsistentShapes() {
    assertEquals(
        "features hold 5 values, expected rows * cols = 3 * 2",
        assertThrows(
                IllegalArgumentException.class,
                () -> ArrayDataset.classification(new float[5], 3, 2, new int[3], 2))
            .getMessage());
    assertEquals(
        "label 2 at row 1 is outside [0, 2) (one class name per label value)",
        assertThrows(
                IllegalArgumentException.class,
                () -> ArrayDataset.classification(new float[2], 2, 1, new int[] {0, 2}, 2))
            .getMessage());
    assertEquals(
        "1 feature names for 2 feature columns",
        assertThrows(
                IllegalArgumentException.class,
                () -> new ArrayDataset(new float[2], 1, 2, List.of("a"), null, List.of(), null, 0))
            .getMessage());
  }

  @Test
  void oneHotEncoderSortsAndRefusesUnknown() {
    var enc = OneHotEncoder.fit("color", List.of("red", "green", "red", "blue"));
    assertEquals(List.of("color=blue", "color=green", "color=red"), enc.outputNames());
    assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, enc.encode(new String[] {"red", "blue"}));
    assertEquals(
        "unknown category 'pink' (categories seen when fitting: [blue, green, red]) at"
            + " position 1",
        assertThrows(IllegalArgumentException.class, () -> enc.encode(new String[] {"red", "pink"}))
            .getMessage());
    assertEquals(enc.categories(), OneHotEncoder.of("color", enc.categories()).categories());
  }

  @Test
  void lineNumbersStayRightAfterMultiLineQuotedFields() {
    var e =
        assertThrows(
            DataFormatException.class,
            () ->
                CsvReader.read(
                    new StringReader("a,b\n\"x\ny\nz\",1\n\n\"w\",2,3\n"),
                    "q.csv",
                    CsvOptions.defaults()));
    assertEquals("q.csv:6: expected 2 fields (as on line 1), got 3", e.getMessage());
  }
}
