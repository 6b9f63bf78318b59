package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.Linear;
import io.myelin.nn.ModelSummary;
import io.myelin.nn.Sequential;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The model summary from the library and from `myelin summary`. */
class SummaryCommandTest {
  @Test
  void libraryListsLayersShapesAndParameters() {
    Sequential net =
        new Sequential(
            new Linear(8, 20, true, new Generator(0)),
            ActivationLayer.relu(),
            new Linear(20, 2, true, new Generator(1)));
    net.train(true);
    ModelSummary s = ModelSummary.of(net, 3, 8);
    assertEquals(List.of("0", "1", "2"), s.rows().stream().map(ModelSummary.Row::name).toList());
    assertEquals(
        List.of(8L * 20 + 20, 0L, 20L * 2 + 2),
        s.rows().stream().map(ModelSummary.Row::parameters).toList());
    assertEquals(
        List.of(3, 2), java.util.Arrays.stream(s.rows().get(2).outputShape()).boxed().toList());
    assertEquals(222, s.totalParameters());
    assertTrue(net.isTraining(), "the mode is restored");
    String table = s.table();
    assertTrue(
        table.contains("[N, 20]") && table.contains("total: 222 trainable parameters"), table);
  }

  @Test
  void commandPrintsTheTableForADataset() {
    Cli r = Cli.run("summary", "diabetes", "--model", "mlp:8-20-20-2");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("[N, 20]") && r.out().contains("[N, 2]"), r.out());
    assertTrue(r.out().contains("total: 642 trainable parameters"), r.out());
  }

  @Test
  void aModelThatRefusesTheInputNamesTheLayer() {
    Sequential net =
        new Sequential(
            new Linear(8, 4, true, new Generator(0)), new Linear(5, 2, true, new Generator(1)));
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> ModelSummary.of(net, 1, 8));
    assertTrue(e.getMessage().startsWith("ModelSummary: layer 1 (Linear("), e.getMessage());
  }
}
