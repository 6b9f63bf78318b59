package io.myelin.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.train.HyperparameterSearch.Range;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Grid and random candidates, ranking (both directions, NaN, ties) and the table. */
class HyperparameterSearchTest {
  private static Map<String, Object> space(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static CrossValidation.Result folds(double... metrics) {
    return new CrossValidation.Result(
        java.util.Arrays.stream(metrics).mapToObj(m -> new Trainer.Evaluation(0, m, 1)).toList());
  }

  @Test
  void gridIsTheCartesianProductLastNameFastest() {
    List<Map<String, Object>> g =
        HyperparameterSearch.grid(space("lr", List.of(0.1, 0.01), "hidden", List.of(8, 16, 32)));
    assertEquals(6, g.size());
    assertEquals(Map.of("lr", 0.1, "hidden", 8), g.get(0));
    assertEquals(Map.of("lr", 0.1, "hidden", 32), g.get(2));
    assertEquals(Map.of("lr", 0.01, "hidden", 8), g.get(3));
    assertEquals(List.of("lr", "hidden"), List.copyOf(g.get(5).keySet()));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> HyperparameterSearch.grid(space("lr", new Range(1e-4, 1, true))));
    assertTrue(
        e.getMessage().contains("'lr'") && e.getMessage().contains("random search"),
        e.getMessage());
  }

  @Test
  void randomDrawsAreSeededAndInsideTheSpace() {
    Map<String, Object> s =
        space(
            "lr",
            new Range(1e-4, 1e-1, true),
            "p",
            new Range(0, 0.5, false),
            "act",
            List.of("relu", "tanh"));
    List<Map<String, Object>> a = HyperparameterSearch.random(s, 200, 7);
    assertEquals(a, HyperparameterSearch.random(s, 200, 7));
    assertNotEquals(a, HyperparameterSearch.random(s, 200, 8));
    int belowGeometricMiddle = 0;
    for (Map<String, Object> m : a) {
      double lr = (Double) m.get("lr");
      double p = (Double) m.get("p");
      assertTrue(lr >= 1e-4 && lr < 1e-1, "lr " + lr);
      assertTrue(p >= 0 && p < 0.5, "p " + p);
      assertTrue(List.of("relu", "tanh").contains(m.get("act")));
      if (lr < Math.sqrt(1e-4 * 1e-1)) {
        belowGeometricMiddle++;
      }
    }
    // Log-uniform: half the draws below the geometric mean (binomial, 200 draws: 5 sigma ~ 35).
    assertTrue(
        Math.abs(belowGeometricMiddle - 100) < 35, "below the middle: " + belowGeometricMiddle);
  }

  @Test
  void runRanksBestFirstNanLastAndTiesInOrder() throws Exception {
    List<Map<String, Object>> c = HyperparameterSearch.grid(space("x", List.of(1, 2, 3, 4, 5)));
    Map<Integer, double[]> scores =
        Map.of(
            1,
            new double[] {0.5, 0.7},
            2,
            new double[] {0.9, 0.9},
            3,
            new double[] {Double.NaN, 1},
            4,
            new double[] {0.8, 1.0},
            5,
            new double[] {0.6, 0.6});
    HyperparameterSearch.Scorer scorer = p -> folds(scores.get((Integer) p.get("x")));
    var up = HyperparameterSearch.run(c, true, scorer);
    assertEquals(
        List.of(2, 4, 1, 5, 3), up.ranked().stream().map(k -> k.params().get("x")).toList());
    assertEquals(0.9, up.best().mean(), 1e-12);
    assertEquals(0, up.best().std(), 1e-12);
    var down = HyperparameterSearch.run(c, false, scorer);
    assertEquals(
        List.of(1, 5, 2, 4, 3),
        down.ranked().stream().map(k -> k.params().get("x")).toList(),
        "ties (1 and 5 at 0.6; 2 and 4 at 0.9) keep the candidates' order");
    String table = up.table();
    assertTrue(table.startsWith("rank"), table);
    assertTrue(table.lines().count() == 6 && table.contains("0.9000"), table);
  }
}
