package io.myelin.train;

import io.myelin.io.TemporaryFiles;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The per-epoch record of a training run, as returned by the Trainer, with CSV export.
 *
 * <p>CSV columns: {@code epoch, seconds, lr, train_loss, train_<metric>, val_loss, val_<metric>}
 * where the metric is {@code accuracy} for classification and {@code mse} for regression;
 * validation cells are empty when there was no validation set.
 */
public final class History {
  private final List<EpochRecord> epochs = new ArrayList<>();
  private final Metric metric;

  /** An empty history of a run scored by {@code metric}. */
  public History(Metric metric) {
    this.metric = java.util.Objects.requireNonNull(metric, "metric");
  }

  /**
   * @param metricName {@code accuracy} or {@code mse} (used for CSV column names)
   * @throws IllegalArgumentException for another name
   */
  public History(String metricName) {
    this(Metric.named(metricName));
  }

  /**
   * How the training steps ran: {@code "captured"} (replayed graphs) or {@code "eager: REASON"};
   * null before a fit finished.
   */
  public String stepMode() {
    return stepMode;
  }

  void setStepMode(String mode) {
    this.stepMode = mode;
  }

  private String stepMode;

  /**
   * Appends an epoch's record. A record that does not say its metric (read from an old checkpoint)
   * takes this history's.
   *
   * @throws IllegalArgumentException if the record was scored by the other metric
   */
  public void add(EpochRecord r) {
    if (r.metric() == null) {
      r = r.withMetric(metric);
    } else if (r.metric() != metric) {
      throw new IllegalArgumentException(
          "epoch "
              + r.epoch()
              + " was scored by "
              + r.metric().columnName()
              + " but this history by "
              + metric.columnName()
              + " (a checkpoint of a classification resumed on regression data, or the reverse?)");
    }
    epochs.add(r);
  }

  public List<EpochRecord> epochs() {
    return Collections.unmodifiableList(epochs);
  }

  /** What the run scored besides the loss: accuracy (classification) or MSE (regression). */
  public Metric metric() {
    return metric;
  }

  /** {@link #metric()}'s name: {@code accuracy} or {@code mse}. */
  public String metricName() {
    return metric.columnName();
  }

  public int size() {
    return epochs.size();
  }

  /** The last epoch's record. @throws IllegalStateException when empty */
  public EpochRecord last() {
    if (epochs.isEmpty()) {
      throw new IllegalStateException("history is empty: no epoch has run");
    }
    return epochs.get(epochs.size() - 1);
  }

  /** Total wall time of all epochs. */
  public double seconds() {
    return epochs.stream().mapToDouble(EpochRecord::seconds).sum();
  }

  /** The CSV text (header and one row per epoch). */
  public String toCsv() {
    StringBuilder sb = new StringBuilder();
    sb.append("epoch,seconds,lr,train_loss,train_")
        .append(metric.columnName())
        .append(",val_loss,val_")
        .append(metric.columnName())
        .append('\n');
    for (EpochRecord r : epochs) {
      sb.append(r.epoch())
          .append(',')
          .append(num(r.seconds()))
          .append(',')
          .append(num(r.learningRate()))
          .append(',')
          .append(num(r.trainLoss()))
          .append(',')
          .append(num(r.trainMetric()))
          .append(',')
          .append(num(r.validationLoss()))
          .append(',')
          .append(num(r.validationMetric()))
          .append('\n');
    }
    return sb.toString();
  }

  /** Writes {@link #toCsv()} atomically (temporary file in the same folder, then rename). */
  public void writeCsv(Path file) throws IOException {
    Path tmp = TemporaryFiles.createBeside(file, ".tmp");
    try {
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        w.write(toCsv());
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6g", v);
  }
}
