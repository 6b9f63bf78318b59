package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared real data sets load with the expected shapes and classes (skipped without them). */
class RealDataTest {
  @Test
  void pimaDiabetes() throws IOException {
    var d = CsvReader.read(TestData.dir("pima-diabetes").resolve("diabetes.csv"));
    assertEquals(768, d.rows());
    assertEquals(8, d.cols());
    assertEquals(
        List.of(
            "Pregnancies",
            "Glucose",
            "BloodPressure",
            "SkinThickness",
            "Insulin",
            "BMI",
            "DiabetesPedigreeFunction",
            "Age"),
        d.featureNames());
    assertEquals(List.of("0", "1"), d.classNames());
    assertArrayEquals(new int[] {500, 268}, d.classCounts());
    assertEquals(6f, d.feature(0, 0));
    assertEquals(0.627f, d.feature(0, 6));

    var s = Splits.stratified(d.labels(), 0, 0.2, 42);
    assertEquals(154, s.test().length); // ceil(0.2 * 768)
    int[] test = d.select(s.test()).classCounts();
    int[] train = d.select(s.train()).classCounts();
    double ratio = 268.0 / 768;
    assertEquals(ratio, (double) test[1] / s.test().length, 1.0 / s.test().length);
    assertEquals(ratio, (double) train[1] / s.train().length, 1.0 / s.train().length);

    // Scaling fitted on the training rows only.
    var scaler = StandardScaler.fit(d.features(), d.cols(), s.train());
    var scaledTrain = scaler.transform(d.select(s.train()));
    double glucoseMean = 0;
    for (int r = 0; r < scaledTrain.rows(); r++) {
      glucoseMean += scaledTrain.feature(r, 1);
    }
    assertEquals(0, glucoseMean / scaledTrain.rows(), 1e-5);
  }

  @Test
  void digitsWithoutHeader() throws IOException {
    var d = CsvReader.read(TestData.dir("digits").resolve("digits.csv.gz"));
    assertEquals(1797, d.rows());
    assertEquals(64, d.cols());
    assertEquals(10, d.numClasses());
    assertEquals("column1", d.featureNames().getFirst());
    int[] counts = d.classCounts();
    int total = 0;
    for (int c : counts) {
      assertTrue(c >= 174 && c <= 183, "class count " + c); // sklearn: 174..183 per digit
      total += c;
    }
    assertEquals(1797, total);
    for (float v : d.features()) {
      assertTrue(v >= 0 && v <= 16 && v == Math.rint(v));
    }
    assertEquals(0, d.labels()[0]);
    assertEquals(1, d.labels()[1]);
  }

  @Test
  void diabetesRegressionSpaceSeparated() throws IOException {
    Path dir = TestData.dir("diabetes-regression");
    var opts = CsvOptions.defaults().withDelimiter(' ').withTarget(CsvOptions.NO_TARGET);
    var x = CsvReader.read(dir.resolve("diabetes_data_raw.csv.gz"), opts);
    assertEquals(442, x.rows());
    assertEquals(10, x.cols());
    assertFalse(x.isClassification());
    var y =
        CsvReader.read(
            dir.resolve("diabetes_target.csv.gz"), CsvOptions.defaults().withTask(Task.REGRESS));
    assertEquals(442, y.rows());
    assertEquals(0, y.cols());
    assertEquals(151f, y.targets()[0]);
  }
}
