package io.myelin.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Device;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.DeviceStatus;
import io.myelin.loss.MSELoss;
import io.myelin.optim.Adam;
import io.myelin.train.TrainerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the replicas run: reported per rank, chosen by the device spec, refused before training.
 */
class SparkTrainerDeviceTest {
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = LocalSpark.context();
  }

  private static SparkTrainer trainer() {
    ReplicaFactories.OptimizerFactory adam = p -> new Adam(p, Adam.Options.defaults().withLr(0.01));
    return new SparkTrainer(sc, SparkTrainerTest::model, adam, MSELoss::new);
  }

  private static SparkTrainer.Result fit(SparkTrainer t) {
    return t.fit(
        sc.parallelize(SparkTrainerTest.rows(), 2),
        TrainerOptions.defaults().withEpochs(2),
        SparkTrainerTest.B,
        SparkTrainer.Mode.SYNCHRONOUS,
        0,
        false);
  }

  /** What auto means on this machine, from core's report: device p mod count of the best type. */
  private static List<String> expectedAuto(int workers) {
    Device best = DeviceManager.global().resolve("auto");
    int count = 1;
    for (DeviceStatus s : DeviceManager.global().report()) {
      if (s.provider().equals(best.type()) && s.availability().available()) {
        count = s.availability().deviceCount();
      }
    }
    List<String> out = new ArrayList<>();
    for (int r = 0; r < workers; r++) {
      out.add(new Device(best.type(), r % count).toString());
    }
    return out;
  }

  @Test
  void replicasReportTheirDeviceAndAnyDeviceGivesTheSameWeights() {
    SparkTrainer.Result auto = fit(trainer());
    assertEquals(expectedAuto(2), auto.devices());
    SparkTrainer.Result cpu = fit(trainer().withDevice("cpu"));
    assertEquals(List.of("cpu", "cpu"), cpu.devices());
    if (auto.devices().getFirst().equals("cpu")) { // the same device: the same bits
      assertArrayEquals(
          Flat.values(cpu.model().parameters()), Flat.values(auto.model().parameters()));
    }
    assertEquals(
        List.of("cpu"),
        List.of(cpu.model().parameters().getFirst().device().toString()),
        "the returned model is on the driver's CPU");
  }

  @Test
  void anUnavailableDeviceFailsTheStageBeforeTrainingNamingIt(@TempDir Path dir) {
    boolean cudaUsable =
        DeviceManager.global().report().stream()
            .anyMatch(s -> s.provider().equals("cuda") && s.availability().available());
    String spec = cudaUsable ? "cuda:64" : "cuda";
    Path ckpt = dir.resolve("run.ckpt");
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> fit(trainer().withDevice(spec).withCheckpoint(ckpt, 1)));
    assertTrue(
        e.getMessage().startsWith("the replica of partition 0 cannot use device '" + spec + "': "),
        e.getMessage());
    assertFalse(Files.exists(ckpt), "a step was trained (a checkpoint every step was written)");
  }

  @Test
  void oneRanksRefusalStopsEveryRankWithoutWaiting(@TempDir Path dir) {
    Path ckpt = dir.resolve("run.ckpt");
    long t0 = System.nanoTime();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> fit(trainer().withDevice("cpu").refuseDeviceOn(1).withCheckpoint(ckpt, 1)));
    assertEquals(
        "the replica of partition 1 cannot use device 'cpu': refused by a test hook",
        e.getMessage());
    assertFalse(Files.exists(ckpt), "rank 0 trained a step");
    assertTrue((System.nanoTime() - t0) / 1e9 < 30, "the ranks waited for each other");
  }

  @Test
  void aMalformedDeviceIsRefusedOnTheDriver() {
    var e = assertThrows(IllegalArgumentException.class, () -> trainer().withDevice("gpu#1"));
    assertTrue(e.getMessage().contains("gpu#1"), e.getMessage());
  }
}
