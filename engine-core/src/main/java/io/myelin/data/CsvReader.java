package io.myelin.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;

/**
 * Reads a delimited text file (CSV, optionally gzip-compressed) into an {@link ArrayDataset} in one
 * call: {@link CsvTable#read} splits the text, {@link TableEncoder#fit} learns the column kinds and
 * classes from the whole file, {@link TableEncoder#encode} builds the arrays.
 *
 * <p>What it handles, all configured by {@link CsvOptions}:
 *
 * <ul>
 *   <li>a header line (detected, or stated), RFC 4180 quoting, any single-character delimiter or
 *       runs of whitespace;
 *   <li>numeric and categorical feature columns (categorical: some non-missing value is not a
 *       number), the latter one-hot encoded as {@code column=category};
 *   <li>the target column by name or index (default: the last), as class labels or regression
 *       targets ({@link Task#AUTO}: classes when the target is text, or integers with at most 50
 *       distinct values);
 *   <li>missing values per {@link MissingValuePolicy} (default: refuse).
 * </ul>
 *
 * <p>Every problem in the file is a {@link DataFormatException} whose message starts with {@code
 * file:line:} and names the column, e.g. {@code diabetes.csv:17: column 3 'BloodPressure': expected
 * a number, got 'abc'}.
 *
 * <p>To fit the encoding on training rows only (categories, means for imputation), use the three
 * steps separately; see {@link CsvTable}.
 *
 * <pre>{@code
 * ArrayDataset pima = CsvReader.read(Path.of("diabetes.csv"));          // 768 x 8, 2 classes
 * ArrayDataset digits = CsvReader.read(Path.of("digits.csv.gz"));       // no header: detected
 * ArrayDataset reg = CsvReader.read(path, CsvOptions.defaults().withTask(Task.REGRESS));
 * }</pre>
 */
public final class CsvReader {
  private CsvReader() {}

  /** Reads {@code path} with {@link CsvOptions#defaults()}. */
  public static ArrayDataset read(Path path) throws IOException {
    return read(path, CsvOptions.defaults());
  }

  /** Reads {@code path} (plain or gzip, detected from its first bytes) with {@code options}. */
  public static ArrayDataset read(Path path, CsvOptions options) throws IOException {
    CsvTable table = CsvTable.read(path, options);
    return TableEncoder.fit(table, options).encode(table);
  }

  /** Reads CSV text; {@code source} names it in error messages. */
  public static ArrayDataset read(Reader text, String source, CsvOptions options)
      throws IOException {
    CsvTable table = CsvTable.parse(text, source, options);
    return TableEncoder.fit(table, options).encode(table);
  }
}
