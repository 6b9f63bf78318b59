package io.myelin.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress on a terminal: one line redrawn in place (epoch, batch, loss, samples/s, ETA),
 * at most ten times a second. When the output is not a terminal (a log file, CI) it draws nothing
 * during the epoch; {@link #endEpoch} always prints the epoch's summary line.
 *
 * <p>During the first {@value #WARM_UP_SECONDS} seconds of the first epoch the ETA reads "--": the
 * JIT is still compiling the kernels, so the early rate says nothing about the rest of the run.
 */
public final class ProgressBar {
  private static final int WIDTH = 24;

  /** Seconds of the first epoch during which no ETA is shown. */
  static final double WARM_UP_SECONDS = 2.0;

  private final PrintStream out;
  private final java.util.function.LongSupplier clock;
  private final boolean interactive;
  private final int totalEpochs;
  private long epochStart;
  private long lastDraw;
  private int lastLength;

  /**
   * @param out where to write
   * @param interactive redraw in place (true for a terminal: see {@link #isTerminal()})
   * @param totalEpochs for the "epoch i/n" label
   */
  public ProgressBar(PrintStream out, boolean interactive, int totalEpochs) {
    this(out, interactive, totalEpochs, System::nanoTime);
  }

  /** With a nanosecond clock of the caller's (tests). */
  ProgressBar(
      PrintStream out,
      boolean interactive,
      int totalEpochs,
      java.util.function.LongSupplier clock) {
    this.clock = clock;
    this.out = out;
    this.interactive = interactive;
    this.totalEpochs = totalEpochs;
  }

  /** True when standard output is an interactive terminal. */
  public static boolean isTerminal() {
    var c = System.console();
    return c != null && c.isTerminal();
  }

  public void startEpoch() {
    epochStart = clock.getAsLong();
    lastDraw = 0;
  }

  /** Redraws the bar after {@code batch} of {@code batches} (1-based) with the running loss. */
  public void update(int epoch, int batch, int batches, double runningLoss, long samplesSoFar) {
    if (!interactive) {
      return;
    }
    long now = clock.getAsLong();
    if (batch < batches && now - lastDraw < 100_000_000L) {
      return;
    }
    lastDraw = now;
    double elapsed = (now - epochStart) / 1e9;
    double rate = elapsed > 0 ? samplesSoFar / elapsed : 0;
    double eta = batch > 0 ? elapsed * (batches - batch) / batch : 0;
    boolean warmingUp = epoch <= 1 && elapsed < WARM_UP_SECONDS;
    int filled = batches == 0 ? WIDTH : (int) ((long) WIDTH * batch / batches);
    String line =
        String.format(
            Locale.ROOT,
            "epoch %d/%d [%s%s] %d/%d loss %.4f %.0f samples/s ETA %s",
            epoch,
            totalEpochs,
            "=".repeat(filled),
            " ".repeat(WIDTH - filled),
            batch,
            batches,
            runningLoss,
            rate,
            warmingUp ? "--" : String.format(Locale.ROOT, "%.1fs", eta));
    out.print('\r' + line + " ".repeat(Math.max(0, lastLength - line.length())));
    lastLength = line.length();
    out.flush();
  }

  /** Ends the epoch: clears the bar and prints the summary line when {@code print}. */
  public void endEpoch(EpochRecord r, String metricName, boolean print) {
    if (interactive && lastLength > 0) {
      out.print('\r' + " ".repeat(lastLength) + '\r');
      lastLength = 0;
    }
    if (print) {
      out.println(summary(r, metricName, totalEpochs));
    }
    out.flush();
  }

  /** The one-line epoch summary. */
  public static String summary(EpochRecord r, String metricName, int totalEpochs) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "epoch %d/%d  loss %.4f  %s %.4f",
                r.epoch(),
                totalEpochs,
                r.trainLoss(),
                metricName,
                r.trainMetric()));
    if (r.hasValidation()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "  val_loss %.4f  val_%s %.4f",
              r.validationLoss(),
              metricName,
              r.validationMetric()));
    }
    sb.append(String.format(Locale.ROOT, "  lr %.3g  %.2fs", r.learningRate(), r.seconds()));
    return sb.toString();
  }
}
