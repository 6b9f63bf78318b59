package io.myelin.examples;

import io.myelin.train.EpochRecord;
import io.myelin.train.History;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The {@code --plot} PNG: two panels side by side, loss and accuracy (or MSE) per epoch, each with
 * the training curve and, when there is a validation set, the validation curve; when the run was
 * scored on a test split, the test loss and metric as dashed horizontal reference lines (a test set
 * is scored once, after training). Drawn with XChart, headless.
 */
public final class HistoryPlot {
  private static final Color TRAIN = new Color(0x1f77b4);
  private static final Color VALIDATION = new Color(0xff7f0e);
  private static final Color TEST = new Color(0x2ca02c);

  private HistoryPlot() {}

  /** Writes the plot of {@code history} to {@code file} (PNG, atomically). */
  public static void write(History history, String title, Path file) throws IOException {
    write(history, title, file, null);
  }

  /** As {@link #write(History, String, Path)}, with the test scores as reference lines. */
  public static void write(History history, String title, Path file, Scores test)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<XYChart> charts = charts(history, title, test);
    OutputFiles.write(
        file,
        tmp ->
            BitmapEncoder.saveBitmap(charts, 1, 2, tmp.toString(), BitmapEncoder.BitmapFormat.PNG));
  }

  /** The two panels: loss, then accuracy (or MSE). */
  static List<XYChart> charts(History history, String title, Scores test) {
    boolean accuracy = history.metricName().equals("accuracy");
    String metric = accuracy ? "accuracy" : "MSE";
    XYChart loss =
        chart(
            history, title + ": loss", "loss", EpochRecord::trainLoss, EpochRecord::validationLoss);
    XYChart score =
        chart(
            history,
            title + ": " + metric,
            metric,
            EpochRecord::trainMetric,
            EpochRecord::validationMetric);
    if (test != null) {
      reference(loss, history, test.loss());
      reference(score, history, accuracy ? test.accuracy() : test.mse());
    }
    return List.of(loss, score);
  }

  /** A dashed horizontal line at {@code value} across the epochs, named "test". */
  private static void reference(XYChart c, History h, double value) {
    if (!Double.isFinite(value) || h.epochs().isEmpty()) {
      return;
    }
    double first = h.epochs().getFirst().epoch();
    double last = h.epochs().getLast().epoch() + (h.size() > 2 ? 1e-3 : 0);
    XYSeries series = c.addSeries("test", List.of(first, last), List.of(value, value));
    series.setMarker(SeriesMarkers.NONE);
    series.setLineColor(TEST);
    series.setLineStyle(
        new BasicStroke(
            1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
  }

  private static XYChart chart(
      History h,
      String title,
      String yLabel,
      java.util.function.ToDoubleFunction<EpochRecord> train,
      java.util.function.ToDoubleFunction<EpochRecord> validation) {
    XYChart c =
        new XYChartBuilder()
            .width(560)
            .height(380)
            .title(title)
            .xAxisTitle("epoch")
            .yAxisTitle(yLabel)
            .build();
    Styler s = c.getStyler();
    s.setLegendPosition(
        yLabel.equals("accuracy")
            ? Styler.LegendPosition.InsideSE
            : Styler.LegendPosition.InsideNE);
    c.getStyler().setXAxisTickMarkSpacingHint(90);
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderVisible(false);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    c.getStyler().setXAxisDecimalPattern("#");
    add(c, "train", h, train, TRAIN);
    if (!h.epochs().isEmpty() && h.epochs().getFirst().hasValidation()) {
      add(c, "validation", h, validation, VALIDATION);
    }
    return c;
  }

  private static void add(
      XYChart c,
      String name,
      History h,
      java.util.function.ToDoubleFunction<EpochRecord> f,
      Color color) {
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (EpochRecord r : h.epochs()) {
      double v = f.applyAsDouble(r);
      if (Double.isFinite(v)) {
        x.add((double) r.epoch());
        y.add(v);
      }
    }
    if (x.isEmpty()) {
      return;
    }
    if (x.size() > 2) {
      // XChart labels equally spaced x values one by one at a fixed stride, ignoring the tick
      // spacing hint: 700 epochs got a label every 39, run together. A thousandth of an epoch
      // on the last point (invisible) makes it use its numeric axis, with round steps.
      x.set(x.size() - 1, x.getLast() + 1e-3);
    }
    XYSeries series = c.addSeries(name, x, y);
    series.setMarker(SeriesMarkers.NONE);
    series.setLineColor(color);
    series.setLineStyle(new BasicStroke(2f));
  }
}
