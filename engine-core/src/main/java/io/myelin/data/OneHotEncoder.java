package io.myelin.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Encodes one categorical column as a group of 0/1 columns, one per category seen when fitting.
 *
 * <p>Categories are sorted lexicographically (as scikit-learn's {@code OneHotEncoder} does), so the
 * encoding does not depend on row order. Output column {@code k} is named {@code column=category},
 * e.g. {@code color=red}. A value not seen when fitting has no column: {@link #indexOf} returns -1
 * and {@link #encode} refuses it, because silently encoding it as all zeros would hide a mismatch
 * between training and test data.
 *
 * <p>Shape contract: {@code encode(values)} maps {@code n} values to a row-major {@code [n,
 * width()]} float matrix with exactly one 1 per row.
 *
 * <pre>{@code
 * var enc = OneHotEncoder.fit("color", List.of("red", "green", "red"));
 * enc.outputNames();              // [color=green, color=red]
 * enc.encode(new String[] {"red"}); // [0, 1]
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class OneHotEncoder {
  private final String column;
  private final List<String> categories;
  private final Map<String, Integer> index;

  private OneHotEncoder(String column, List<String> categories) {
    this.column = column;
    this.categories = List.copyOf(categories);
    this.index = new HashMap<>();
    for (int k = 0; k < this.categories.size(); k++) {
      index.put(this.categories.get(k), k);
    }
  }

  /**
   * Learns the categories of a column from its (training) values.
   *
   * @throws IllegalArgumentException if {@code values} is empty or holds null
   */
  public static OneHotEncoder fit(String column, Collection<String> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("cannot fit column '" + column + "' on no values");
    }
    var distinct = new TreeSet<String>();
    for (String v : values) {
      if (v == null) {
        throw new IllegalArgumentException("null value in column '" + column + "'");
      }
      distinct.add(v);
    }
    return new OneHotEncoder(column, new ArrayList<>(distinct));
  }

  /** An encoder with the given categories in the given order (e.g. restored from a file). */
  public static OneHotEncoder of(String column, List<String> categories) {
    if (categories.isEmpty() || categories.stream().distinct().count() != categories.size()) {
      throw new IllegalArgumentException(
          "categories of '" + column + "' must be non-empty and distinct, got " + categories);
    }
    return new OneHotEncoder(column, categories);
  }

  /** The column this encoder was fitted on. */
  public String column() {
    return column;
  }

  /** The categories, in output-column order. */
  public List<String> categories() {
    return categories;
  }

  /** Number of output columns. */
  public int width() {
    return categories.size();
  }

  /** {@code column=category} for each output column. */
  public List<String> outputNames() {
    return categories.stream().map(c -> column + "=" + c).toList();
  }

  /** The output column of {@code value}, or -1 when it was not seen when fitting. */
  public int indexOf(String value) {
    return index.getOrDefault(value, -1);
  }

  /**
   * One-hot rows for {@code values}: {@code [values.length, width()]} row-major.
   *
   * @throws IllegalArgumentException naming the first unknown value and its position
   */
  public float[] encode(String[] values) {
    float[] out = new float[values.length * width()];
    for (int i = 0; i < values.length; i++) {
      int k = indexOf(values[i]);
      if (k < 0) {
        throw new IllegalArgumentException(unknownMessage(values[i]) + " at position " + i);
      }
      out[i * width() + k] = 1f;
    }
    return out;
  }

  /** The message for a value that has no output column. */
  String unknownMessage(String value) {
    var known =
        categories.size() <= 10
            ? categories.toString()
            : categories.subList(0, 10).toString().replace("]", ", ...]");
    return "unknown category '" + value + "' (categories seen when fitting: " + known + ")";
  }

  @Override
  public String toString() {
    return "OneHotEncoder[" + column + ": " + categories + "]";
  }
}
