package io.myelin.spark;

import io.myelin.Device;
import io.myelin.io.Checkpoint;
import io.myelin.io.CheckpointIO;
import io.myelin.nn.Layer;
import io.myelin.optim.Optimizer;
import io.myelin.train.EpochRecord;
import io.myelin.train.History;
import io.myelin.train.Metric;
import io.myelin.train.Trainer;
import io.myelin.train.TrainingCheckpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Checkpoints of a Spark run, in the format of {@link TrainingCheckpoints} (a file that {@code
 * myelin train --resume} and {@link TrainingCheckpoints#load} read too). Rank 0 writes them,
 * atomically; when a barrier stage is retried, rank 0 of the new attempt reads the last one and
 * sends its bytes to every rank, so all replicas restore the same weights, optimizer state and
 * position even while a task of the failed attempt may still be finishing a write.
 *
 * <p>Besides the standard entries, {@code extra} holds {@code spark.run} (the run this file belongs
 * to) and, for a mid-epoch checkpoint, the epoch's loss, metric and sample sums so far ({@code
 * spark.loss_sum}, {@code spark.metric_sum}, {@code spark.samples}), so the resumed epoch's record
 * covers the whole epoch.
 */
final class ReplicaCheckpoints {
  static final String RUN = "spark.run";
  private static final String[] SUMS = {"spark.loss_sum", "spark.metric_sum", "spark.samples"};

  /** What a resume found: where to continue, and the epoch's sums up to there. */
  record Restored(Trainer.Resume resume, double[] partialSums) {}

  private final TrainingPlan plan;
  private final BarrierAllReduce ar;

  ReplicaCheckpoints(TrainingPlan plan, BarrierAllReduce ar) {
    this.plan = plan;
    this.ar = ar;
  }

  boolean enabled() {
    return plan.checkpoint() != null;
  }

  /**
   * Rank 0 writes the checkpoint (the others return at once; they wait at the next exchange).
   *
   * @param epochsDone epochs completed
   * @param dataPosition batches of the next epoch already trained on
   * @param sums the epoch's global loss, metric and sample sums so far (mid-epoch), or null
   */
  void save(
      int epochsDone,
      long step,
      int dataPosition,
      Layer model,
      Optimizer<?> opt,
      List<double[]> epochs,
      double[] sums) {
    if (ar.rank() != 0) {
      return;
    }
    History history = new History(plan.classIndices() ? Metric.ACCURACY : Metric.MSE);
    for (double[] e : epochs) {
      history.add(
          new EpochRecord(
              (int) e[0],
              e[1],
              e[2],
              e[3],
              e[4],
              Double.NaN,
              Double.NaN,
              (long) e[5],
              history.metric()));
    }
    Map<String, String> extra =
        sums == null
            ? Map.of(RUN, plan.runId())
            : Map.of(
                RUN,
                plan.runId(),
                SUMS[0],
                Double.toString(sums[0]),
                SUMS[1],
                Double.toString(sums[1]),
                SUMS[2],
                Double.toString(sums[2]));
    try {
      TrainingCheckpoints.save(
          Path.of(plan.checkpoint()),
          epochsDone,
          step,
          dataPosition,
          model,
          opt,
          Map.of(),
          List.of(),
          history,
          extra);
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /** Rank 0: the last checkpoint file's bytes in Base64, or "" when there is none. */
  String readLast() {
    if (!enabled() || !Files.isRegularFile(Path.of(plan.checkpoint()))) {
      return "";
    }
    try {
      return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(plan.checkpoint())));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read checkpoint " + plan.checkpoint() + ": " + e.getMessage(), e);
    }
  }

  /**
   * On every rank, with the bytes rank 0 {@link #readLast read}: the state of this run's last
   * checkpoint put into {@code model} and {@code opt}, or null when there is none (a first attempt,
   * or a file of another run) and nothing was changed.
   */
  Restored restore(String bytes, Layer model, Optimizer<?> opt) {
    if (bytes.isEmpty()) {
      return null;
    }
    Path tmp = null;
    Checkpoint ck = null;
    try {
      tmp = Files.createTempFile("myelin-spark-resume", ".ckpt");
      Files.write(tmp, Base64.getDecoder().decode(bytes));
      ck = CheckpointIO.load(tmp, Device.CPU);
      Map<String, String> extra = ck.state().extra();
      if (!plan.runId().equals(extra.get(RUN))) {
        return null; // a file of an earlier run: this run starts afresh and will replace it
      }
      Trainer.Resume from = TrainingCheckpoints.restore(ck, model, opt, Map.of());
      double[] sums = new double[3];
      for (int i = 0; i < 3; i++) {
        sums[i] = Double.parseDouble(extra.getOrDefault(SUMS[i], "0"));
      }
      return new Restored(from, sums);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot resume from checkpoint " + plan.checkpoint() + ": " + e.getMessage(), e);
    } finally {
      if (ck != null) {
        ck.closeTensors();
      }
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a temporary file the OS cleans up
        }
      }
    }
  }
}
