package io.myelin.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Scores read by name: accuracy on a classification run, MSE on a regression, never crossed. */
class NamedMetricsTest {
  private static EpochRecord record(Metric m) {
    return new EpochRecord(1, 0.5, 0.01, 0.7, 0.8, 0.75, 0.6, 100, m);
  }

  @Test
  void eachKindAnswersOnlyToItsOwnNames() {
    EpochRecord c = record(Metric.ACCURACY);
    assertEquals(0.8, c.trainAccuracy());
    assertEquals(0.6, c.validationAccuracy());
    var e = assertThrows(IllegalStateException.class, c::trainMse);
    assertEquals(
        "trainMse(): the run was a classification, scored by accuracy; use trainAccuracy()",
        e.getMessage());

    EpochRecord r = record(Metric.MSE);
    assertEquals(0.8, r.trainMse());
    assertEquals(0.6, r.validationMse());
    e = assertThrows(IllegalStateException.class, r::validationAccuracy);
    assertEquals(
        "validationAccuracy(): the run was a regression, scored by MSE; use validationMse()",
        e.getMessage());
  }

  @Test
  void aHistoryGivesARecordOfUnknownKindItsOwnAndRefusesTheOtherKind() {
    History h = new History(Metric.MSE);
    h.add(record(null)); // as read from a checkpoint written before the kind was recorded
    assertEquals(Metric.MSE, h.last().metric());
    assertEquals(0.8, h.last().trainMse());
    var e = assertThrows(IllegalArgumentException.class, () -> h.add(record(Metric.ACCURACY)));
    assertTrue(
        e.getMessage().contains("scored by accuracy but this history by mse"), e.getMessage());
    assertEquals(1, h.size(), "nothing added");
  }

  @Test
  void checkpointHistoryLinesKeepTheirKindOrSayTheyHaveNone() {
    String text = TrainingCheckpoints.encode(List.of(record(Metric.ACCURACY)));
    assertEquals(
        Metric.ACCURACY, TrainingCheckpoints.decode(text, Metric.ACCURACY).get(0).metric());
    EpochRecord old = TrainingCheckpoints.decode(text, null).get(0);
    assertNull(old.metric());
    assertEquals(0.8, old.trainMetric());
    var e = assertThrows(IllegalStateException.class, old::trainAccuracy);
    assertTrue(e.getMessage().contains("use trainMetric()"), e.getMessage());
  }

  @Test
  void historyNamesTheMetricAsBefore() {
    assertEquals(Metric.ACCURACY, new History("accuracy").metric());
    assertEquals("mse", new History(Metric.MSE).metricName());
    var e = assertThrows(IllegalArgumentException.class, () -> new History("f1"));
    assertEquals("unknown metric 'f1'; expected accuracy or mse", e.getMessage());
  }
}
