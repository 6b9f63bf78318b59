package io.myelin.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The text a person reads at the end of a run: the final table. */
public final class Report {
  private Report() {}

  /** A number without trailing zeros ({@code 0.2}, {@code 16}, {@code 0.001}). */
  public static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.6g", v).replaceFirst("\\.?0+(e|$)", "$1");
  }

  /**
   * The final table, e.g.
   *
   * <pre>
   *              loss  accuracy   samples
   * train      0.4306    0.7915       614
   * test       0.4890    0.7532       154
   * </pre>
   *
   * followed by one line with epochs, wall time, throughput and device.
   */
  public static String table(RunSummary s) {
    List<String> cols =
        s.classification()
            ? List.of("loss", "accuracy", "samples")
            : List.of("loss", "MSE", "MAE", "R^2", "samples");
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s", ""));
    for (String c : cols) {
      sb.append(String.format(Locale.ROOT, "%10s", c));
    }
    sb.append('\n');
    List<Object[]> rows = new ArrayList<>();
    rows.add(new Object[] {"train", s.train()});
    if (s.validation() != null) {
      rows.add(new Object[] {"validation", s.validation()});
    }
    if (s.test() != null) {
      rows.add(new Object[] {"test", s.test()});
    }
    for (Object[] r : rows) {
      Scores sc = (Scores) r[1];
      sb.append(String.format(Locale.ROOT, "%-12s%10.4f", r[0], sc.loss()));
      if (s.classification()) {
        sb.append(String.format(Locale.ROOT, "%10.4f", sc.accuracy()));
      } else {
        sb.append(String.format(Locale.ROOT, "%10.4f%10.4f%10.4f", sc.mse(), sc.mae(), sc.r2()));
      }
      sb.append(String.format(Locale.ROOT, "%10d%n", sc.samples()));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "%d epochs in %.2f s (%,.0f samples/s) on %s, model %s" + " (%,d parameters)%n",
            s.epochs(),
            s.seconds(),
            s.samplesPerSecond(),
            s.device(),
            s.model(),
            s.parameters()));
    return sb.toString();
  }
}
