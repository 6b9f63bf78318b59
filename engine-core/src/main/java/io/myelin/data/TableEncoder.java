package io.myelin.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns the text of a {@link CsvTable} into an {@link ArrayDataset}: numbers parsed, categorical
 * columns one-hot encoded, missing values handled, the target column turned into class labels or
 * regression targets. What it learns when fitted (column kinds, categories, classes, means for
 * imputation) is fixed afterwards, so encoding test data uses the training data's statistics.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li>A feature column is <b>categorical</b> when it is listed in {@link
 *       CsvOptions#categoricalColumns()} or when some non-missing value is not a number. A column
 *       where numbers are the majority is taken to hold a typo instead, and refused with the place
 *       of the first non-number (list it in categoricalColumns to one-hot encode it anyway).
 *   <li>Numbers must be finite float32 values in plain decimal notation; {@code NaN}, {@code inf}
 *       and {@code 1e39} are refused.
 *   <li>Output columns follow the file's column order (target left out); a categorical column
 *       expands in place to its {@link OneHotEncoder} group named {@code column=category}.
 *   <li>Classes: the sorted distinct target values (numerically for a numeric target, so {@code -1,
 *       1} become labels {@code 0, 1} named {@code "-1", "1"}); lexicographically for text.
 * </ul>
 *
 * <p>Immutable and thread-safe once fitted.
 */
public final class TableEncoder {
  /** One input column's contribution to the feature matrix. */
  private sealed interface Feature {
    int source();
  }

  /**
   * @param fill the value for a missing entry under MEAN / ZERO
   */
  private record NumericFeature(int source, float fill) implements Feature {}

  /**
   * @param fill the category index for a missing entry, or -1 for an all-zero group
   */
  private record CategoricalFeature(int source, OneHotEncoder encoder, int fill)
      implements Feature {}

  private final CsvOptions options;
  private final List<String> columnNames;
  private final List<Feature> features;
  private final List<String> featureNames;
  private final int target;
  private final Task task;
  private final List<String> classNames;
  private final Map<String, Integer> textClasses;
  private final Map<Double, Integer> numericClasses;

  private TableEncoder(
      CsvOptions options,
      List<String> columnNames,
      List<Feature> features,
      int target,
      Task task,
      List<String> classNames,
      Map<String, Integer> textClasses,
      Map<Double, Integer> numericClasses) {
    this.options = options;
    this.columnNames = List.copyOf(columnNames);
    this.features = List.copyOf(features);
    var names = new ArrayList<String>();
    for (Feature f : features) {
      switch (f) {
        case NumericFeature n -> names.add(columnNames.get(n.source()));
        case CategoricalFeature c -> names.addAll(c.encoder().outputNames());
      }
    }
    this.featureNames = List.copyOf(names);
    this.target = target;
    this.task = task;
    this.classNames = List.copyOf(classNames);
    this.textClasses = textClasses;
    this.numericClasses = numericClasses;
  }

  /**
   * Learns column kinds, categories, classes and imputation values from {@code table}.
   *
   * @throws DataFormatException naming the line and column of a value that breaks the rules
   */
  public static TableEncoder fit(CsvTable table, CsvOptions options) throws DataFormatException {
    int target = resolveTarget(table, options);
    var features = new ArrayList<Feature>();
    for (int j = 0; j < table.columnNames().size(); j++) {
      if (j == target) {
        continue;
      }
      boolean forced = options.categoricalColumns().contains(table.columnNames().get(j));
      if (isCategorical(table, j, forced, options)) {
        features.add(fitCategorical(table, j, options));
      } else {
        features.add(fitNumeric(table, j, options));
      }
    }
    if (target < 0) {
      return new TableEncoder(
          options, table.columnNames(), features, -1, null, List.of(), null, null);
    }
    var nonMissing = new ArrayList<Integer>();
    for (int i = 0; i < table.size(); i++) {
      if (!options.isMissing(table.rows().get(i)[target])) {
        nonMissing.add(i);
      }
    }
    if (nonMissing.isEmpty()) {
      throw DataFormatException.inFile(
          table.source(), table.describeColumn(target) + ": the target column has no values");
    }
    boolean textTarget =
        options.task() != Task.REGRESS
            && isCategorical(table, target, options.task() == Task.CLASSIFY, options);
    if (textTarget) {
      var distinct = new TreeSet<String>();
      nonMissing.forEach(i -> distinct.add(table.rows().get(i)[target]));
      var classes = new HashMap<String, Integer>();
      for (String c : distinct) {
        classes.put(c, classes.size());
      }
      return new TableEncoder(
          options,
          table.columnNames(),
          features,
          target,
          Task.CLASSIFY,
          new ArrayList<>(distinct),
          classes,
          null);
    }
    var distinct = new TreeMap<Double, Integer>();
    boolean integral = true;
    for (int i : nonMissing) {
      double v = number(table, i, target) + 0.0; // + 0.0 folds -0 into 0: one class
      integral &= v == Math.rint(v);
      distinct.put(v, 0);
    }
    boolean classify =
        options.task() == Task.CLASSIFY
            || (options.task() == Task.AUTO && integral && distinct.size() <= options.maxClasses());
    if (!classify) {
      return new TableEncoder(
          options, table.columnNames(), features, target, Task.REGRESS, List.of(), null, null);
    }
    var names = new ArrayList<String>();
    for (var e : distinct.entrySet()) {
      e.setValue(names.size());
      double v = e.getKey();
      names.add(
          v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v));
    }
    return new TableEncoder(
        options, table.columnNames(), features, target, Task.CLASSIFY, names, null, distinct);
  }

  private static int resolveTarget(CsvTable table, CsvOptions options) throws DataFormatException {
    int cols = table.columnNames().size();
    if (options.targetName() != null) {
      int j = table.columnIndex(options.targetName());
      if (j < 0 || !table.hasHeader()) {
        throw DataFormatException.inFile(
            table.source(),
            "no column named '"
                + options.targetName()
                + "' for the target (columns: "
                + table.columnNames()
                + ")");
      }
      return j;
    }
    int j =
        switch (options.targetIndex()) {
          case CsvOptions.LAST -> cols - 1;
          case CsvOptions.NO_TARGET -> -1;
          default -> options.targetIndex();
        };
    if (j >= cols) {
      throw DataFormatException.inFile(
          table.source(),
          "target column index " + j + " is outside the " + cols + " columns (0-based)");
    }
    return j;
  }

  /** Applies the column-kind rule; refuses a numeric column with a stray non-number. */
  private static boolean isCategorical(CsvTable table, int j, boolean forced, CsvOptions options)
      throws DataFormatException {
    if (forced) {
      return true;
    }
    int numbers = 0;
    int others = 0;
    int firstOther = -1;
    for (int i = 0; i < table.size(); i++) {
      String f = table.rows().get(i)[j];
      if (options.isMissing(f)) {
        continue;
      }
      if (CsvNumbers.isNumberLike(f)) {
        numbers++;
      } else if (others++ == 0) {
        firstOther = i;
      }
    }
    if (others > 0 && numbers > others) {
      throw DataFormatException.atLine(
          table.source(),
          table.lines()[firstOther],
          table.describeColumn(j)
              + ": expected a number, got '"
              + table.rows().get(firstOther)[j]
              + "' ("
              + numbers
              + " of the column's "
              + (numbers + others)
              + " values are numbers; list the column in categoricalColumns to one-hot encode it)");
    }
    return others > 0;
  }

  private static Feature fitNumeric(CsvTable table, int j, CsvOptions options)
      throws DataFormatException {
    double sum = 0;
    int n = 0;
    for (int i = 0; i < table.size(); i++) {
      if (!options.isMissing(table.rows().get(i)[j])) {
        sum += number(table, i, j);
        n++;
      }
    }
    float fill = options.missing() == MissingValuePolicy.MEAN && n > 0 ? (float) (sum / n) : 0f;
    return new NumericFeature(j, fill);
  }

  private static Feature fitCategorical(CsvTable table, int j, CsvOptions options)
      throws DataFormatException {
    var values = new ArrayList<String>();
    var counts = new HashMap<String, Integer>();
    for (int i = 0; i < table.size(); i++) {
      String f = table.rows().get(i)[j];
      if (!options.isMissing(f)) {
        values.add(f);
        counts.merge(f, 1, Integer::sum);
      }
    }
    if (values.isEmpty()) {
      throw DataFormatException.inFile(
          table.source(), table.describeColumn(j) + ": every value is missing");
    }
    var encoder = OneHotEncoder.fit(table.columnNames().get(j), values);
    int fill = -1;
    if (options.missing() == MissingValuePolicy.MEAN) {
      // The most frequent category; ties go to the first in sorted order, for determinism.
      int best = -1;
      for (int k = 0; k < encoder.width(); k++) {
        int c = counts.get(encoder.categories().get(k));
        if (c > best) {
          best = c;
          fill = k;
        }
      }
    }
    return new CategoricalFeature(j, encoder, fill);
  }

  /** The finite float value of field (i, j), or an error naming its place. */
  private static double number(CsvTable table, int i, int j) throws DataFormatException {
    String f = table.rows().get(i)[j];
    String[] why = new String[1];
    Double v = CsvNumbers.parseFinite(f, why);
    if (v == null) {
      throw DataFormatException.atLine(
          table.source(),
          table.lines()[i],
          table.describeColumn(j) + ": " + why[0] + ", got '" + f + "'");
    }
    return v;
  }

  /**
   * Encodes {@code table}, which must have the fitted table's columns.
   *
   * @return features {@code [kept rows, featureNames().size()]} and labels or targets
   * @throws DataFormatException for a missing value under ERROR, a non-number in a numeric column,
   *     an unknown category or class, or columns that differ from the fitted ones
   */
  public ArrayDataset encode(CsvTable table) throws DataFormatException {
    if (table.columnNames().size() != columnNames.size()
        || (table.hasHeader() && !table.columnNames().equals(columnNames))) {
      throw DataFormatException.inFile(
          table.source(),
          "columns "
              + table.columnNames()
              + " differ from those the encoder was fitted on: "
              + columnNames);
    }
    var kept = new ArrayList<Integer>();
    for (int i = 0; i < table.size(); i++) {
      if (keep(table, i)) {
        kept.add(i);
      }
    }
    if (kept.isEmpty()) {
      throw DataFormatException.inFile(
          table.source(), "every row has a missing value: none is left under DROP_ROW");
    }
    int rows = kept.size();
    int cols = featureNames.size();
    float[] x = new float[rows * cols];
    int[] labels = task == Task.CLASSIFY ? new int[rows] : null;
    float[] targets = task == Task.REGRESS ? new float[rows] : null;
    for (int r = 0; r < rows; r++) {
      int i = kept.get(r);
      String[] row = table.rows().get(i);
      int c = r * cols;
      for (Feature f : features) {
        String v = row[f.source()];
        boolean missing = options.isMissing(v);
        switch (f) {
          case NumericFeature n ->
              x[c++] = missing ? n.fill() : (float) number(table, i, n.source());
          case CategoricalFeature cat -> {
            int k = missing ? cat.fill() : cat.encoder().indexOf(v);
            if (k < 0 && !missing) {
              throw DataFormatException.atLine(
                  table.source(),
                  table.lines()[i],
                  table.describeColumn(cat.source()) + ": " + cat.encoder().unknownMessage(v));
            }
            if (k >= 0) {
              x[c + k] = 1f;
            }
            c += cat.encoder().width();
          }
        }
      }
      if (labels != null) {
        labels[r] = classOf(table, i);
      } else if (targets != null) {
        targets[r] = (float) number(table, i, target);
      }
    }
    return new ArrayDataset(
        x, rows, cols, featureNames, labels, classNames, targets, targets == null ? 0 : 1);
  }

  /** Whether row i is encoded; refuses a missing value the policy does not allow. */
  private boolean keep(CsvTable table, int i) throws DataFormatException {
    String[] row = table.rows().get(i);
    for (int j = 0; j < row.length; j++) {
      if (!options.isMissing(row[j])) {
        continue;
      }
      if (options.missing() == MissingValuePolicy.DROP_ROW) {
        return false;
      }
      if (j == target || options.missing() == MissingValuePolicy.ERROR) {
        throw DataFormatException.atLine(
            table.source(),
            table.lines()[i],
            table.describeColumn(j)
                + ": missing value '"
                + row[j]
                + "'"
                + (j == target
                    ? " in the target (MissingValuePolicy.DROP_ROW leaves such rows out)"
                    : "; choose a MissingValuePolicy (DROP_ROW, MEAN or ZERO) to accept it"));
      }
    }
    return true;
  }

  private int classOf(CsvTable table, int i) throws DataFormatException {
    String v = table.rows().get(i)[target];
    Integer k =
        textClasses != null
            ? textClasses.get(v)
            : numericClasses.get(number(table, i, target) + 0.0);
    if (k == null) {
      throw DataFormatException.atLine(
          table.source(),
          table.lines()[i],
          table.describeColumn(target)
              + ": unknown class '"
              + v
              + "' (classes seen when fitting: "
              + classNames
              + ")");
    }
    return k;
  }

  /** Names of the output feature columns, one-hot groups as {@code column=category}. */
  public List<String> featureNames() {
    return featureNames;
  }

  /** The class names (empty for regression or without target). */
  public List<String> classNames() {
    return classNames;
  }

  /** CLASSIFY or REGRESS as decided when fitting; null when there is no target column. */
  public Task task() {
    return task;
  }

  /** The target column's name, or null. */
  public String targetColumn() {
    return target < 0 ? null : columnNames.get(target);
  }

  /** The encoders of the categorical feature columns, in column order. */
  public List<OneHotEncoder> oneHotEncoders() {
    return features.stream()
        .filter(f -> f instanceof CategoricalFeature)
        .map(f -> ((CategoricalFeature) f).encoder())
        .toList();
  }
}
