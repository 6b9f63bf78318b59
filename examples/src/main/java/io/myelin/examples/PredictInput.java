package io.myelin.examples;

import io.myelin.data.CsvOptions;
import io.myelin.data.CsvTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the rows to predict on from a CSV file, in the raw units of the training data: columns
 * are matched to the model's features by header name ({@code color=red} one-hot features from a
 * {@code color} column), or by position when the file has exactly one column per feature. Other
 * columns (such as the target) are ignored.
 */
public final class PredictInput {
  private PredictInput() {}

  /**
   * The features {@code [rows, features.size()]}, raw (not yet preprocessed).
   *
   * @throws IllegalArgumentException naming the file, line and column of a value that is not a
   *     number, or listing the feature columns that cannot be matched
   */
  public static float[] read(Path file, List<String> features) throws IOException {
    CsvTable t = CsvTable.read(file, CsvOptions.defaults().withTarget(CsvOptions.NO_TARGET));
    int n = features.size();
    int[] source = new int[n];
    String[] category = new String[n];
    List<String> missing = new ArrayList<>();
    boolean byName = t.hasHeader();
    for (int k = 0; k < n && byName; k++) {
      String f = features.get(k);
      source[k] = t.columnIndex(f);
      int eq = f.indexOf('=');
      if (source[k] < 0 && eq > 0 && t.columnIndex(f.substring(0, eq)) >= 0) {
        source[k] = t.columnIndex(f.substring(0, eq));
        category[k] = f.substring(eq + 1);
      }
      if (source[k] < 0) {
        missing.add(f);
      }
    }
    if (!byName || !missing.isEmpty()) {
      if (t.columnNames().size() != n) {
        throw new IllegalArgumentException(t.source() + ": " + (byName
            ? "missing feature columns " + preview(missing) + " (the model takes " + n + " features)"
            : t.columnNames().size() + " columns without a header, the model takes " + n
                + " features"));
      }
      for (int k = 0; k < n; k++) {
        source[k] = k;
        category[k] = null;
      }
    }
    float[] x = new float[t.size() * n];
    for (int i = 0; i < t.size(); i++) {
      String[] row = t.rows().get(i);
      for (int k = 0; k < n; k++) {
        String v = row[source[k]];
        if (category[k] != null) {
          x[i * n + k] = v.equals(category[k]) ? 1 : 0;
          continue;
        }
        try {
          float f = Float.parseFloat(v);
          if (!Float.isFinite(f)) {
            throw new NumberFormatException();
          }
          x[i * n + k] = f;
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(t.source() + ":" + t.lines()[i] + ": column "
              + (source[k] + 1) + " ('" + features.get(k) + "'): expected a number, found '" + v
              + "'");
        }
      }
    }
    return x;
  }

  private static String preview(List<String> names) {
    return names.size() <= 5 ? String.join(", ", names)
        : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
  }
}
