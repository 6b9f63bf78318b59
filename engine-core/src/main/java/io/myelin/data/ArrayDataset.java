package io.myelin.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A table held in plain Java arrays: float32 features, and either class labels (classification),
 * float targets (regression) or neither (data to predict on).
 *
 * <h2>Shape contract</h2>
 *
 * <ul>
 *   <li>{@code features}: {@code [rows, cols]} row-major, element {@code (r, c)} at {@code r * cols
 *       + c}.
 *   <li>{@code labels}: {@code [rows]}, each in {@code [0, classNames.size())}; or null.
 *   <li>{@code targets}: {@code [rows, targetCols]} row-major; or null. At most one of labels and
 *       targets is present.
 *   <li>{@code featureNames}: {@code cols} names (one-hot columns read {@code color=red}); {@code
 *       classNames}: the name of each label value, empty when there are no labels.
 * </ul>
 *
 * <p>The arrays are shared, not copied (an MNIST training set is 188 MB): treat them as read-only.
 * {@link #select(int[])} copies the chosen rows into a new dataset. Like every record with array
 * components, {@code equals} compares the arrays by identity.
 *
 * <pre>{@code
 * ArrayDataset d = CsvReader.read(Path.of("diabetes.csv"));
 * Split s = Splits.stratified(d.labels(), 0.0, 0.2, 42);
 * ArrayDataset train = d.select(s.train()), test = d.select(s.test());
 * }</pre>
 *
 * @param features row-major {@code [rows, cols]} feature matrix
 * @param rows number of samples
 * @param cols number of features per sample
 * @param featureNames one name per feature column
 * @param labels class index per row, or null
 * @param classNames name per class index (empty when labels is null)
 * @param targets row-major {@code [rows, targetCols]} regression targets, or null
 * @param targetCols number of targets per row (0 when targets is null)
 */
public record ArrayDataset(
    float[] features,
    int rows,
    int cols,
    List<String> featureNames,
    int[] labels,
    List<String> classNames,
    float[] targets,
    int targetCols)
    implements Dataset {

  public ArrayDataset {
    if (rows < 0 || cols < 0) {
      throw new IllegalArgumentException("negative shape [" + rows + ", " + cols + "]");
    }
    if (features == null || features.length != (long) rows * cols) {
      throw new IllegalArgumentException(
          "features hold "
              + (features == null ? "null" : features.length + " values")
              + ", expected rows * cols = "
              + rows
              + " * "
              + cols);
    }
    featureNames = List.copyOf(featureNames);
    if (featureNames.size() != cols) {
      throw new IllegalArgumentException(
          featureNames.size() + " feature names for " + cols + " feature columns");
    }
    classNames = List.copyOf(classNames);
    if (labels != null && targets != null) {
      throw new IllegalArgumentException("a dataset has labels or targets, not both");
    }
    if (labels != null) {
      if (labels.length != rows) {
        throw new IllegalArgumentException(labels.length + " labels for " + rows + " rows");
      }
      for (int i = 0; i < rows; i++) {
        if (labels[i] < 0 || labels[i] >= classNames.size()) {
          throw new IllegalArgumentException(
              "label "
                  + labels[i]
                  + " at row "
                  + i
                  + " is outside [0, "
                  + classNames.size()
                  + ") (one class name per label value)");
        }
      }
    } else if (!classNames.isEmpty()) {
      throw new IllegalArgumentException("class names given without labels");
    }
    if (targets != null) {
      if (targetCols < 1 || targets.length != (long) rows * targetCols) {
        throw new IllegalArgumentException(
            "targets hold "
                + targets.length
                + " values, expected rows * targetCols = "
                + rows
                + " * "
                + targetCols);
      }
    } else if (targetCols != 0) {
      throw new IllegalArgumentException("targetCols " + targetCols + " given without targets");
    }
  }

  /**
   * A classification set with features named {@code x0, x1, ...} and classes named {@code 0, 1,
   * ...}.
   */
  public static ArrayDataset classification(
      float[] features, int rows, int cols, int[] labels, int numClasses) {
    return new ArrayDataset(
        features, rows, cols, indexNames("x", cols), labels, indexNames("", numClasses), null, 0);
  }

  /** A regression set with features named {@code x0, x1, ...}. */
  public static ArrayDataset regression(
      float[] features, int rows, int cols, float[] targets, int targetCols) {
    return new ArrayDataset(
        features, rows, cols, indexNames("x", cols), null, List.of(), targets, targetCols);
  }

  /** {@code prefix0, prefix1, ..., prefix(n-1)}. */
  static List<String> indexNames(String prefix, int n) {
    var names = new ArrayList<String>(n);
    for (int i = 0; i < n; i++) {
      names.add(prefix + i);
    }
    return names;
  }

  /** Whether this set has class labels. */
  @Override
  public int size() {
    return rows;
  }

  /** Itself: it already holds its samples as host arrays. */
  @Override
  public ArrayDataset toArrayDataset() {
    return this;
  }

  public boolean isClassification() {
    return labels != null;
  }

  /** Whether this set has regression targets. */
  public boolean isRegression() {
    return targets != null;
  }

  /** Number of classes (0 without labels). */
  public int numClasses() {
    return classNames.size();
  }

  /** Feature {@code (row, col)}. */
  public float feature(int row, int col) {
    return features[row * cols + col];
  }

  /** How many rows carry each label: {@code counts[k]} for class {@code k}. */
  public int[] classCounts() {
    if (labels == null) {
      throw new IllegalStateException("this dataset has no labels");
    }
    int[] counts = new int[numClasses()];
    for (int y : labels) {
      counts[y]++;
    }
    return counts;
  }

  /**
   * The rows at {@code indices}, in that order, copied into a new dataset (names are kept).
   *
   * @throws IndexOutOfBoundsException naming the first index outside {@code [0, rows)}
   */
  public ArrayDataset select(int[] indices) {
    int n = indices.length;
    float[] x = new float[n * cols];
    int[] y = labels == null ? null : new int[n];
    float[] t = targets == null ? null : new float[n * targetCols];
    for (int i = 0; i < n; i++) {
      int r = indices[i];
      if (r < 0 || r >= rows) {
        throw new IndexOutOfBoundsException(
            "row index " + r + " at position " + i + " is outside [0, " + rows + ")");
      }
      System.arraycopy(features, r * cols, x, i * cols, cols);
      if (y != null) {
        y[i] = labels[r];
      }
      if (t != null) {
        System.arraycopy(targets, r * targetCols, t, i * targetCols, targetCols);
      }
    }
    return new ArrayDataset(x, n, cols, featureNames, y, classNames, t, targetCols);
  }

  /** The same rows with a new feature matrix of the same shape (e.g. scaled). */
  public ArrayDataset withFeatures(float[] newFeatures) {
    return new ArrayDataset(
        newFeatures, rows, cols, featureNames, labels, classNames, targets, targetCols);
  }
}
