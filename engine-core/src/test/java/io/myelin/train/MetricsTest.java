package io.myelin.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Metrics against independent counting loops on seeded random labels, and known cases. */
class MetricsTest {

  @Test
  void confusionMatrixScoresMatchCountingLoops() {
    SplittableRandom r = new SplittableRandom(4);
    int k = 5;
    int n = 997;
    int[] truth = new int[n];
    int[] pred = new int[n];
    for (int i = 0; i < n; i++) {
      truth[i] = r.nextInt(k);
      pred[i] = r.nextDouble() < 0.6 ? truth[i] : r.nextInt(k);
    }
    ConfusionMatrix cm = ConfusionMatrix.of(truth, pred, k);
    assertEquals(n, cm.total());
    double f1Sum = 0;
    for (int c = 0; c < k; c++) {
      int tp = 0;
      int fp = 0;
      int fn = 0;
      for (int i = 0; i < n; i++) {
        tp += truth[i] == c && pred[i] == c ? 1 : 0;
        fp += truth[i] != c && pred[i] == c ? 1 : 0;
        fn += truth[i] == c && pred[i] != c ? 1 : 0;
      }
      double p = (double) tp / (tp + fp);
      double rec = (double) tp / (tp + fn);
      assertEquals(p, cm.precision(c), 1e-12);
      assertEquals(rec, cm.recall(c), 1e-12);
      assertEquals(2 * p * rec / (p + rec), cm.f1(c), 1e-12);
      f1Sum += 2 * p * rec / (p + rec);
    }
    assertEquals(f1Sum / k, cm.macroF1(), 1e-12);
    assertEquals(Metrics.accuracy(truth, pred), cm.accuracy(), 1e-12);
  }

  @Test
  void emptyClassesScoreZeroAndTheTableReads() {
    ConfusionMatrix cm = ConfusionMatrix.of(new int[] {0, 0, 1}, new int[] {0, 0, 0}, 3);
    assertEquals(0, cm.precision(1));
    assertEquals(0, cm.recall(2));
    String table = cm.format(List.of("neg", "pos", "other"));
    assertTrue(
        table.contains("true\\pred") && table.contains("neg") && table.contains("other"), table);
    assertThrows(
        IllegalArgumentException.class, () -> ConfusionMatrix.of(new int[] {3}, new int[] {0}, 3));
  }

  @Test
  void theTableColumnsLineUpUnderTheirHeaders() {
    int[] truth = new int[120];
    for (int i = 0; i < truth.length; i++) {
      truth[i] = i % 10;
    }
    String[] lines = ConfusionMatrix.of(truth, truth, 10).format(null).split("\n");
    // Each count column ends where its header ends: the header's right edges are the rows'.
    String header = lines[0];
    for (int r = 1; r < lines.length; r++) {
      assertEquals(
          header.length(), lines[r].length(), "row " + r + ":\n" + String.join("\n", lines));
      assertEquals(
          "12",
          lines[r].substring(
              header.indexOf(Integer.toString(r - 1), "true\\pred".length()) - 1,
              header.indexOf(Integer.toString(r - 1), "true\\pred".length()) + 1),
          "the diagonal count sits under its class:\n" + String.join("\n", lines));
    }
  }

  @Test
  void topKAndLogLoss() {
    float[] scores = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f};
    int[] truth = {2, 1};
    assertEquals(0.0, Metrics.topK(truth, scores, 3, 1));
    assertEquals(1.0, Metrics.topK(truth, scores, 3, 2));
    assertEquals(-(Math.log(0.2) + Math.log(0.3)) / 2, Metrics.logLoss(truth, scores, 3), 1e-6);
    assertEquals(1, Metrics.argmaxRows(scores, 3)[0]);
  }

  @Test
  void regressionMetricsMatchFormulas() {
    SplittableRandom r = new SplittableRandom(9);
    float[] t = new float[101];
    float[] p = new float[101];
    for (int i = 0; i < t.length; i++) {
      t[i] = (float) r.nextGaussian();
      p[i] = t[i] + (float) (0.3 * r.nextGaussian());
    }
    double mean = 0;
    for (float v : t) {
      mean += v;
    }
    mean /= t.length;
    double res = 0;
    double tot = 0;
    double abs = 0;
    for (int i = 0; i < t.length; i++) {
      res += (t[i] - p[i]) * (double) (t[i] - p[i]);
      tot += (t[i] - mean) * (t[i] - mean);
      abs += Math.abs(t[i] - p[i]);
    }
    assertEquals(res / t.length, Metrics.mse(t, p), 1e-9);
    assertEquals(abs / t.length, Metrics.mae(t, p), 1e-9);
    assertEquals(1 - res / tot, Metrics.r2(t, p), 1e-9);
    assertEquals(1.0, Metrics.r2(new float[] {2, 2}, new float[] {2, 2}));
  }
}
