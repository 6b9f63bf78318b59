package io.myelin.examples;

import io.myelin.data.CsvOptions;
import io.myelin.data.CsvTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads the rows to predict on from a CSV file, in the raw units of the training data: columns are
 * matched to the model's features by header name ({@code color=red} one-hot features from a {@code
 * color} column), or by position when the file has exactly one column per feature. Other columns
 * (such as the target) are ignored.
 *
 * <p>A category never seen in training has no one-hot column: its group is all zeros. That is
 * reported, naming the file, line, column and value - as a warning, or as an error when asked
 * ({@code myelin predict --unseen error}), as scikit-learn's {@code OneHotEncoder(handle_unknown=)}
 * chooses between ignoring and refusing.
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
    return read(file, features, false, warning -> {});
  }

  /**
   * As {@link #read(Path, List)}; a category not seen in training is refused when {@code
   * refuseUnseen}, else reported once per column and value to {@code warnings}.
   */
  public static float[] read(
      Path file, List<String> features, boolean refuseUnseen, Consumer<String> warnings)
      throws IOException {
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
        throw new IllegalArgumentException(
            t.source()
                + ": "
                + (byName
                    ? "missing feature columns "
                        + preview(missing)
                        + " (the model takes "
                        + n
                        + " features)"
                    : t.columnNames().size()
                        + " columns without a header, the model takes "
                        + n
                        + " features"));
      }
      for (int k = 0; k < n; k++) {
        source[k] = k;
        category[k] = null;
      }
    }
    // The categories each categorical source column had in training.
    Map<Integer, Set<String>> known = new HashMap<>();
    for (int k = 0; k < n; k++) {
      if (category[k] != null) {
        known.computeIfAbsent(source[k], c -> new HashSet<>()).add(category[k]);
      }
    }
    Set<String> reported = new HashSet<>();
    float[] x = new float[t.size() * n];
    for (int i = 0; i < t.size(); i++) {
      String[] row = t.rows().get(i);
      for (var e : known.entrySet()) {
        String v = row[e.getKey()];
        if (!e.getValue().contains(v)) {
          String what =
              t.source()
                  + ":"
                  + t.lines()[i]
                  + ": column "
                  + (e.getKey() + 1)
                  + " ('"
                  + t.columnNames().get(e.getKey())
                  + "'): category '"
                  + v
                  + "' was never seen in"
                  + " training (known: "
                  + preview(new ArrayList<>(new java.util.TreeSet<>(e.getValue())))
                  + ")";
          if (refuseUnseen) {
            throw new IllegalArgumentException(what);
          }
          if (reported.add(e.getKey() + "\u0000" + v)) {
            warnings.accept(what + "; its one-hot group is all zeros");
          }
        }
      }
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
          throw new IllegalArgumentException(
              t.source()
                  + ":"
                  + t.lines()[i]
                  + ": column "
                  + (source[k] + 1)
                  + " ('"
                  + features.get(k)
                  + "'): expected a number, found '"
                  + v
                  + "'");
        }
      }
    }
    return x;
  }

  private static String preview(List<String> names) {
    return names.size() <= 5
        ? String.join(", ", names)
        : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
  }
}
