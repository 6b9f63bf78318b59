package io.myelin.data;

import java.util.Set;

/**
 * How {@link CsvReader} reads a delimited text file. Start from {@link #defaults()} and change what
 * differs with the {@code with...} methods; every value is checked in the constructor.
 *
 * <pre>{@code
 * var opts = CsvOptions.defaults().withTarget("Outcome").withMissing(MissingValuePolicy.MEAN);
 * var spaceSeparated = CsvOptions.defaults().withDelimiter(' ').withHeader(Header.ABSENT);
 * }</pre>
 *
 * @param delimiter the field separator; {@code ' '} means "any run of spaces and tabs" (the layout
 *     of whitespace-aligned files such as sklearn's diabetes data)
 * @param header whether the first line names the columns
 * @param targetName the target column by header name, or null to use {@code targetIndex}
 * @param targetIndex the target column by 0-based index; {@link #LAST} for the last column, {@link
 *     #NO_TARGET} for a file of features only
 * @param task classification, regression, or decided from the target values
 * @param missing what to do with missing values
 * @param missingTokens field values (after trimming) that mean "missing"; the empty field always
 *     does
 * @param categoricalColumns header names of columns to one-hot encode even if they hold numbers
 *     (e.g. codes); other columns are detected, see {@link CsvReader}
 * @param maxClasses the most distinct integer target values that {@link Task#AUTO} still treats as
 *     classes
 */
public record CsvOptions(
    char delimiter,
    Header header,
    String targetName,
    int targetIndex,
    Task task,
    MissingValuePolicy missing,
    Set<String> missingTokens,
    Set<String> categoricalColumns,
    int maxClasses) {

  /** {@link #targetIndex()} value for the last column. */
  public static final int LAST = -1;

  /** {@link #targetIndex()} value for a file without target column. */
  public static final int NO_TARGET = -2;

  /** Whether the first line is a header. */
  public enum Header {
    /**
     * Decide from the data: the first line is a header when some column holds a non-number there
     * and only numbers (or missing values) below; a file whose columns are all text is taken to
     * have a header.
     */
    AUTO,
    /** The first line names the columns. */
    PRESENT,
    /** Every line is data; columns are named {@code column1, column2, ...}. */
    ABSENT
  }

  public CsvOptions {
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      throw new IllegalArgumentException(
          "delimiter " + describe(delimiter) + " cannot separate fields");
    }
    if (header == null || task == null || missing == null) {
      throw new IllegalArgumentException("header, task and missing policy must not be null");
    }
    if (targetIndex < NO_TARGET) {
      throw new IllegalArgumentException(
          "target index must be >= 0, LAST or NO_TARGET, got " + targetIndex);
    }
    if (targetName != null && targetIndex != LAST) {
      throw new IllegalArgumentException(
          "target given both by name '" + targetName + "' and index " + targetIndex);
    }
    if (maxClasses < 2) {
      throw new IllegalArgumentException("maxClasses must be >= 2, got " + maxClasses);
    }
    missingTokens = Set.copyOf(missingTokens);
    categoricalColumns = Set.copyOf(categoricalColumns);
  }

  /**
   * Comma separated, header detected, last column the target, task detected, missing values
   * refused, {@code NA N/A ? null} read as missing, at most 50 classes.
   */
  public static CsvOptions defaults() {
    return new CsvOptions(
        ',',
        Header.AUTO,
        null,
        LAST,
        Task.AUTO,
        MissingValuePolicy.ERROR,
        Set.of("NA", "N/A", "?", "null"),
        Set.of(),
        50);
  }

  public CsvOptions withDelimiter(char d) {
    return new CsvOptions(
        d,
        header,
        targetName,
        targetIndex,
        task,
        missing,
        missingTokens,
        categoricalColumns,
        maxClasses);
  }

  public CsvOptions withHeader(Header h) {
    return new CsvOptions(
        delimiter,
        h,
        targetName,
        targetIndex,
        task,
        missing,
        missingTokens,
        categoricalColumns,
        maxClasses);
  }

  /** The target column by header name. */
  public CsvOptions withTarget(String name) {
    return new CsvOptions(
        delimiter,
        header,
        name,
        LAST,
        task,
        missing,
        missingTokens,
        categoricalColumns,
        maxClasses);
  }

  /** The target column by 0-based index, or {@link #LAST} / {@link #NO_TARGET}. */
  public CsvOptions withTarget(int index) {
    return new CsvOptions(
        delimiter,
        header,
        null,
        index,
        task,
        missing,
        missingTokens,
        categoricalColumns,
        maxClasses);
  }

  public CsvOptions withTask(Task t) {
    return new CsvOptions(
        delimiter,
        header,
        targetName,
        targetIndex,
        t,
        missing,
        missingTokens,
        categoricalColumns,
        maxClasses);
  }

  public CsvOptions withMissing(MissingValuePolicy m) {
    return new CsvOptions(
        delimiter,
        header,
        targetName,
        targetIndex,
        task,
        m,
        missingTokens,
        categoricalColumns,
        maxClasses);
  }

  public CsvOptions withMissingTokens(Set<String> tokens) {
    return new CsvOptions(
        delimiter,
        header,
        targetName,
        targetIndex,
        task,
        missing,
        tokens,
        categoricalColumns,
        maxClasses);
  }

  public CsvOptions withCategoricalColumns(Set<String> names) {
    return new CsvOptions(
        delimiter,
        header,
        targetName,
        targetIndex,
        task,
        missing,
        missingTokens,
        names,
        maxClasses);
  }

  public CsvOptions withMaxClasses(int n) {
    return new CsvOptions(
        delimiter,
        header,
        targetName,
        targetIndex,
        task,
        missing,
        missingTokens,
        categoricalColumns,
        n);
  }

  /** Whether a trimmed field value means "missing". */
  boolean isMissing(String field) {
    return field.isEmpty() || missingTokens.contains(field);
  }

  private static String describe(char c) {
    return c == '\n' ? "'\\n'" : c == '\r' ? "'\\r'" : "'" + c + "'";
  }
}
