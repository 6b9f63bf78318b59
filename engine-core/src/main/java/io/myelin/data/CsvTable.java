package io.myelin.data;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The text of a delimited file, split into fields but not yet interpreted: column names and one
 * {@code String[]} per data row, with the line each row starts on (for error messages).
 *
 * <p>Reading and encoding are separate steps so that an encoder can be fitted on the training rows
 * only ({@link #select(int[])}, then {@link TableEncoder#fit}) and applied to other rows or files.
 * Every row has exactly {@code columnNames().size()} fields; this is checked while reading.
 *
 * <pre>{@code
 * CsvTable table = CsvTable.read(Path.of("adult.csv.gz"), CsvOptions.defaults());
 * TableEncoder enc = TableEncoder.fit(table.select(trainRows), options);
 * ArrayDataset train = enc.encode(table.select(trainRows)), test = enc.encode(table.select(testRows));
 * }</pre>
 *
 * @param source the file name used in messages
 * @param columnNames one name per column (from the header, or {@code column1, column2, ...})
 * @param hasHeader whether the first line was a header
 * @param rows the data rows, each with one trimmed field per column
 * @param lines the 1-based line on which each row starts
 */
public record CsvTable(
    String source, List<String> columnNames, boolean hasHeader, List<String[]> rows, long[] lines) {

  public CsvTable {
    columnNames = List.copyOf(columnNames);
    rows = List.copyOf(rows);
    if (lines.length != rows.size()) {
      throw new IllegalArgumentException(
          lines.length + " line numbers for " + rows.size() + " rows");
    }
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).length != columnNames.size()) {
        throw new IllegalArgumentException(
            "row "
                + i
                + " has "
                + rows.get(i).length
                + " fields for "
                + columnNames.size()
                + " columns");
      }
    }
  }

  /** Reads a file, gzip-compressed or not (detected from its first bytes), as UTF-8. */
  public static CsvTable read(Path path, CsvOptions options) throws IOException {
    try (var reader = new InputStreamReader(InputFiles.open(path), StandardCharsets.UTF_8)) {
      return parse(reader, InputFiles.name(path), options);
    }
  }

  /**
   * Parses delimited text.
   *
   * @param source the name used in error messages
   * @throws DataFormatException for an empty file, a header without rows, a row with a field count
   *     different from the first line's, or malformed quoting
   */
  public static CsvTable parse(Reader text, String source, CsvOptions options) throws IOException {
    var tokenizer = new CsvTokenizer(text, source, options.delimiter());
    var records = new ArrayList<String[]>();
    var lineList = new ArrayList<Long>();
    String[] fields;
    while ((fields = tokenizer.next()) != null) {
      if (!records.isEmpty() && fields.length != records.getFirst().length) {
        throw DataFormatException.atLine(
            source,
            tokenizer.recordLine(),
            "expected "
                + records.getFirst().length
                + " fields (as on line "
                + lineList.getFirst()
                + "), got "
                + fields.length
                + hint(fields.length, options.delimiter()));
      }
      records.add(fields);
      lineList.add(tokenizer.recordLine());
    }
    if (records.isEmpty()) {
      throw DataFormatException.inFile(source, "empty file: no header and no data rows");
    }
    boolean header =
        switch (options.header()) {
          case PRESENT -> true;
          case ABSENT -> false;
          case AUTO -> looksLikeHeader(records, options);
        };
    List<String> names;
    if (header) {
      String[] h = records.removeFirst();
      lineList.removeFirst();
      names = new ArrayList<>();
      for (int j = 0; j < h.length; j++) {
        names.add(h[j].isEmpty() ? "column" + (j + 1) : h[j]);
      }
      if (records.isEmpty()) {
        throw DataFormatException.inFile(source, "the file has a header but no data rows");
      }
    } else {
      names =
          ArrayDataset.indexNames("column", records.getFirst().length + 1)
              .subList(1, records.getFirst().length + 1);
    }
    long[] lines = lineList.stream().mapToLong(Long::longValue).toArray();
    return new CsvTable(source, names, header, records, lines);
  }

  private static String hint(int count, char delimiter) {
    return count == 1 && delimiter != ' ' ? " (is the delimiter '" + delimiter + "' right?)" : "";
  }

  /**
   * A header is a first line that holds a non-number in some column whose other values are all
   * numbers or missing. When no column below the first line is numeric, text on the first line
   * cannot be told from data; headers being far more common, the first line is then a header unless
   * it is the only line or has an empty field.
   */
  private static boolean looksLikeHeader(List<String[]> records, CsvOptions options) {
    String[] first = records.getFirst();
    if (records.size() == 1) {
      for (String f : first) {
        if (!options.isMissing(f) && !CsvNumbers.isNumberLike(f)) {
          return true;
        }
      }
      return false;
    }
    boolean anyNumericColumn = false;
    for (int j = 0; j < first.length; j++) {
      boolean numericBelow = true;
      for (int i = 1; i < records.size() && numericBelow; i++) {
        String f = records.get(i)[j];
        numericBelow = options.isMissing(f) || CsvNumbers.isNumberLike(f);
      }
      if (numericBelow) {
        anyNumericColumn = true;
        if (!options.isMissing(first[j]) && !CsvNumbers.isNumberLike(first[j])) {
          return true;
        }
      }
    }
    if (anyNumericColumn) {
      return false;
    }
    for (String f : first) {
      if (f.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** Number of data rows. */
  public int size() {
    return rows.size();
  }

  /** The rows at {@code indices}, in that order, as a new table with the same columns. */
  public CsvTable select(int[] indices) {
    var picked = new ArrayList<String[]>(indices.length);
    long[] pickedLines = new long[indices.length];
    for (int i = 0; i < indices.length; i++) {
      int r = indices[i];
      if (r < 0 || r >= rows.size()) {
        throw new IndexOutOfBoundsException(
            "row index " + r + " at position " + i + " is outside [0, " + rows.size() + ")");
      }
      picked.add(rows.get(r));
      pickedLines[i] = lines[r];
    }
    return new CsvTable(source, columnNames, hasHeader, picked, pickedLines);
  }

  /** Index of the column named {@code name}, or -1. */
  public int columnIndex(String name) {
    return columnNames.indexOf(name);
  }

  /** {@code column 3 'BloodPressure'} (1-based), or {@code column 3} when there is no header. */
  String describeColumn(int j) {
    return hasHeader ? "column " + (j + 1) + " '" + columnNames.get(j) + "'" : "column " + (j + 1);
  }
}
