package io.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.myelin.train.EpochRecord;
import io.myelin.train.History;
import io.myelin.train.Metric;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;

/** The plot's panels carry the test scores as reference lines. */
class HistoryPlotTest {
  private static History history() {
    History h = new History("accuracy");
    for (int e = 1; e <= 5; e++) {
      h.add(
          new EpochRecord(
              e, 0.1, 0.01, 1.0 / e, 0.5 + e / 20.0, Double.NaN, Double.NaN, 100, Metric.ACCURACY));
    }
    return h;
  }

  @Test
  void testScoresAreReferenceLines() {
    List<XYChart> charts =
        HistoryPlot.charts(
            history(), "t", new Scores(0.42, 0.81, Double.NaN, Double.NaN, Double.NaN, 100));
    assertEquals(List.of("train", "test"), List.copyOf(charts.get(0).getSeriesMap().keySet()));
    assertEquals(0.42, charts.get(0).getSeriesMap().get("test").getYData()[0]);
    assertEquals(0.81, charts.get(1).getSeriesMap().get("test").getYData()[1]);
    assertEquals(
        List.of("train"),
        List.copyOf(HistoryPlot.charts(history(), "t", null).get(1).getSeriesMap().keySet()));
  }
}
