package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
  @TempDir Path tmp;

  static ArrayDataset read(String text, CsvOptions o) throws IOException {
    return CsvReader.read(new StringReader(text), "t.csv", o);
  }

  static ArrayDataset read(String text) throws IOException {
    return read(text, CsvOptions.defaults());
  }

  @Test
  void numericTableWithHeaderRoundTripsRandomValues() throws IOException {
    var rng = new SplittableRandom(7);
    int rows = 37;
    int cols = 5;
    float[] expected = new float[rows * cols];
    int[] labels = new int[rows];
    var sb = new StringBuilder("a,b,c,d,e,y\n");
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        float v = (float) rng.nextDouble(-1e3, 1e3);
        expected[r * cols + c] = v;
        sb.append(v).append(',');
      }
      labels[r] = rng.nextInt(3);
      sb.append(labels[r]).append(r % 2 == 0 ? "\n" : "\r\n");
    }
    var d = read(sb.toString());
    assertEquals(rows, d.rows());
    assertEquals(cols, d.cols());
    assertArrayEquals(expected, d.features());
    assertArrayEquals(labels, d.labels());
    assertEquals(List.of("a", "b", "c", "d", "e"), d.featureNames());
    assertEquals(List.of("0", "1", "2"), d.classNames());
  }

  @Test
  void headerIsDetectedAndAbsentHeaderNamesColumns() throws IOException {
    var d = read("1,2,0\n3,4,1\n");
    assertEquals(2, d.rows());
    assertEquals(List.of("column1", "column2"), d.featureNames());
    var h = read("x,y,label\n1,2,0\n3,4,1\n");
    assertEquals(2, h.rows());
    assertEquals(List.of("x", "y"), h.featureNames());
  }

  @Test
  void quotedFieldsFollowRfc4180() throws IOException {
    var d =
        read("name,\"size, cm\",y\n\"a,b\",1,0\n\"say \"\"hi\"\"\", 2 ,1\n\"multi\nline\",3,0\n");
    assertEquals(3, d.rows());
    assertEquals(
        List.of("name=a,b", "name=multi\nline", "name=say \"hi\"", "size, cm"), d.featureNames());
    assertArrayEquals(new float[] {1, 0, 0, 1, 0, 0, 1, 2, 0, 1, 0, 3}, d.features());
  }

  @Test
  void categoricalFeaturesAreOneHotEncodedInPlace() throws IOException {
    var d = read("color,w,size,y\nred,1,S,a\nblue,2,L,b\nred,3,M,a\n");
    assertEquals(
        List.of("color=blue", "color=red", "w", "size=L", "size=M", "size=S"), d.featureNames());
    assertArrayEquals(
        new float[] {0, 1, 1, 0, 0, 1, 1, 0, 2, 1, 0, 0, 0, 1, 3, 0, 1, 0}, d.features());
    assertEquals(List.of("a", "b"), d.classNames());
    assertArrayEquals(new int[] {0, 1, 0}, d.labels());
  }

  @Test
  void forcedCategoricalColumnOfCodes() throws IOException {
    var d =
        read(
            "zip,v,y\n10,1,0\n20,2,1\n10,3,0\n",
            CsvOptions.defaults().withCategoricalColumns(Set.of("zip")));
    assertEquals(List.of("zip=10", "zip=20", "v"), d.featureNames());
  }

  @Test
  void taskDetection() throws IOException {
    assertTrue(read("x,y\n1,0\n2,1\n3,2\n").isClassification());
    var reg = read("x,y\n1,0.5\n2,1.5\n3,2\n");
    assertTrue(reg.isRegression());
    assertArrayEquals(new float[] {0.5f, 1.5f, 2f}, reg.targets());
    assertEquals(1, reg.targetCols());
    // Integer-valued but more than 50 distinct values: regression.
    var sb = new StringBuilder("x,y\n");
    for (int i = 0; i < 60; i++) {
      sb.append(i).append(',').append(i * 3).append('\n');
    }
    assertTrue(read(sb.toString()).isRegression());
    assertTrue(
        read(sb.toString(), CsvOptions.defaults().withTask(Task.CLASSIFY)).isClassification());
    assertTrue(
        read("x,y\n1,0\n2,1\n", CsvOptions.defaults().withTask(Task.REGRESS)).isRegression());
  }

  @Test
  void numericClassesAreSortedNumerically() throws IOException {
    var d = read("x,y\n1,10\n2,-1\n3,2\n4,2.0\n");
    assertEquals(List.of("-1", "2", "10"), d.classNames());
    assertArrayEquals(new int[] {2, 0, 1, 1}, d.labels());
  }

  @Test
  void targetByNameOrIndexOrNone() throws IOException {
    String text = "a,label,b\n1,x,2\n3,y,4\n";
    var byName = read(text, CsvOptions.defaults().withTarget("label"));
    assertEquals(List.of("a", "b"), byName.featureNames());
    assertEquals(List.of("x", "y"), byName.classNames());
    var byIndex = read(text, CsvOptions.defaults().withTarget(1));
    assertArrayEquals(byName.features(), byIndex.features());
    var none = read("a,b\n1,2\n3,4\n", CsvOptions.defaults().withTarget(CsvOptions.NO_TARGET));
    assertFalse(none.isClassification());
    assertFalse(none.isRegression());
    assertEquals(2, none.cols());
  }

  @Test
  void missingValuePolicies() throws IOException {
    String text = "a,b,y\n1,,0\n3,4,1\nNA,8,0\n5,6,1\n";
    var drop = read(text, CsvOptions.defaults().withMissing(MissingValuePolicy.DROP_ROW));
    assertEquals(2, drop.rows());
    assertArrayEquals(new float[] {3, 4, 5, 6}, drop.features());
    var mean = read(text, CsvOptions.defaults().withMissing(MissingValuePolicy.MEAN));
    assertArrayEquals(new float[] {1, 6, 3, 4, 3, 8, 5, 6}, mean.features());
    var zero = read(text, CsvOptions.defaults().withMissing(MissingValuePolicy.ZERO));
    assertArrayEquals(new float[] {1, 0, 3, 4, 0, 8, 5, 6}, zero.features());
    var cat =
        read(
            "c,y\nr,0\n,1\nr,0\ng,1\n", CsvOptions.defaults().withMissing(MissingValuePolicy.MEAN));
    assertArrayEquals(new float[] {0, 1, 0, 1, 0, 1, 1, 0}, cat.features());
  }

  @Test
  void whitespaceDelimitedWithoutHeader() throws IOException {
    var d =
        read(
            "  59 2 32.1\t101.0  151\n48 1  21.6 87.0 75 \n",
            CsvOptions.defaults().withDelimiter(' ').withTask(Task.REGRESS));
    assertEquals(2, d.rows());
    assertEquals(4, d.cols());
    assertArrayEquals(new float[] {151, 75}, d.targets());
  }

  @Test
  void gzipIsDetectedByContentNotName() throws IOException {
    Path f = tmp.resolve("plain-name.csv");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
      out.write("x,y\n1.5,0\n2.5,1\n".getBytes(StandardCharsets.UTF_8));
    }
    var d = CsvReader.read(f);
    assertArrayEquals(new float[] {1.5f, 2.5f}, d.features());
  }

  @Test
  void encoderFittedOnTrainAppliesToTest() throws IOException {
    var o = CsvOptions.defaults().withMissing(MissingValuePolicy.MEAN);
    var table = CsvTable.parse(new StringReader("c,v,y\nr,1,0\ng,3,1\nr,,0\nb,9,1\n"), "t.csv", o);
    var enc = TableEncoder.fit(table.select(new int[] {0, 1}), o);
    assertEquals(List.of("c=g", "c=r", "v"), enc.featureNames());
    var test = enc.encode(table.select(new int[] {2}));
    assertArrayEquals(new float[] {0, 1, 2}, test.features()); // mean of training v = 2
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            DataFormatException.class, () -> enc.encode(table.select(new int[] {3})));
    assertEquals(
        "t.csv:5: column 1 'c': unknown category 'b' (categories seen when fitting:" + " [g, r])",
        e.getMessage());
    assertNull(TableEncoder.fit(table, o.withTarget(CsvOptions.NO_TARGET)).task());
  }
}
