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
  private final String metricName;

  /**
   * @param metricName {@code accuracy} or {@code mse} (used for CSV column names)
   */
  public History(String metricName) {
    this.metricName = metricName;
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

  public void add(EpochRecord r) {
    epochs.add(r);
  }

  public List<EpochRecord> epochs() {
    return Collections.unmodifiableList(epochs);
  }

  public String metricName() {
    return metricName;
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
        .append(metricName)
        .append(",val_loss,val_")
        .append(metricName)
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
