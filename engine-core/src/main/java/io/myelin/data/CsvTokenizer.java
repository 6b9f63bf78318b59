package io.myelin.data;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;

/**
 * Splits delimited text into records of fields, following RFC 4180: a field in double quotes may
 * hold delimiters, line breaks and doubled quotes ({@code ""} for one {@code "}). Beyond the RFC,
 * unquoted fields are trimmed of spaces and tabs, blank lines are skipped, and a delimiter of
 * {@code ' '} treats any run of spaces and tabs as one separator.
 *
 * <p>Line breaks may be {@code \n}, {@code \r\n} or {@code \r}. Not thread-safe.
 */
final class CsvTokenizer {
  private static final int EOF = -1;
  private static final int EOL = '\n';

  private final Reader in;
  private final String source;
  private final char delimiter;
  private final boolean whitespaceRuns;
  private final char[] buf = new char[1 << 16];
  private int pos;
  private int len;
  private int pushedBack = Integer.MIN_VALUE;
  private long line = 1;
  private long recordLine;

  CsvTokenizer(Reader in, String source, char delimiter) {
    this.in = in;
    this.source = source;
    this.delimiter = delimiter;
    this.whitespaceRuns = delimiter == ' ';
  }

  /** The 1-based line on which the record last returned by {@link #next()} starts. */
  long recordLine() {
    return recordLine;
  }

  /** The next non-blank record, or null at the end of the input. */
  String[] next() throws IOException {
    while (true) {
      var fields = readRecord();
      if (fields == null) {
        return null;
      }
      if (!(fields.size() == 1 && fields.getFirst() == null)) {
        return fields.stream().map(f -> f == null ? "" : f).toArray(String[]::new);
      }
    }
  }

  /**
   * One record; a blank line comes back as a single null field so that {@link #next()} can tell it
   * from a line holding one quoted empty field.
   */
  private ArrayList<String> readRecord() throws IOException {
    var fields = new ArrayList<String>();
    var sb = new StringBuilder();
    int c = read();
    while (whitespaceRuns && (c == ' ' || c == '\t')) {
      c = read();
    }
    if (c == EOF) {
      return null;
    }
    recordLine = line - (c == EOL ? 1 : 0);
    while (true) {
      // Start of a field: skip leading blanks (the separator itself in whitespace mode).
      while ((c == ' ' || c == '\t') && c != delimiter) {
        c = read();
      }
      if (c == '"') {
        readQuoted(sb);
        c = read();
        while ((c == ' ' || c == '\t') && !whitespaceRuns) {
          c = read();
        }
        if (c != delimiter && c != EOL && c != EOF && !(whitespaceRuns && c == '\t')) {
          throw DataFormatException.atLine(
              source,
              line,
              "expected a delimiter or the end of the line after a closing quote, got '"
                  + (char) c
                  + "'");
        }
        fields.add(sb.toString());
      } else {
        while (c != EOF && c != EOL && !isSeparator(c)) {
          if (c == '"') {
            throw DataFormatException.atLine(
                source,
                line,
                "quote inside an unquoted field; quote the whole field and double the inner"
                    + " quotes, as in \"12\"\" pipe\"");
          }
          sb.append((char) c);
          c = read();
        }
        String field = sb.toString().strip();
        // A lone empty field on an otherwise empty line marks a blank line (null).
        fields.add(field.isEmpty() && fields.isEmpty() && (c == EOL || c == EOF) ? null : field);
      }
      sb.setLength(0);
      if (c == EOL || c == EOF) {
        return fields;
      }
      c = read();
      if (whitespaceRuns) {
        while (c == ' ' || c == '\t') {
          c = read();
        }
        if (c == EOL || c == EOF) {
          return fields; // trailing blanks are not an extra field
        }
      }
    }
  }

  private boolean isSeparator(int c) {
    return c == delimiter || (whitespaceRuns && c == '\t');
  }

  /** Reads a quoted field's content; the opening quote has been consumed. */
  private void readQuoted(StringBuilder sb) throws IOException {
    long start = line;
    while (true) {
      int c = readRaw();
      if (c == EOF) {
        throw DataFormatException.atLine(
            source, start, "quoted field is never closed (end of file reached)");
      }
      if (c == '"') {
        int d = readRaw();
        if (d == '"') {
          sb.append('"');
          continue;
        }
        unread(d);
        return;
      }
      if (c == '\r' || c == '\n') {
        unread(c);
        c = read(); // normalises \r\n and counts the line
        sb.append('\n');
        continue;
      }
      sb.append((char) c);
    }
  }

  /** The next character with line breaks folded into {@code '\n'} and counted. */
  private int read() throws IOException {
    int c = readRaw();
    if (c == '\r') {
      int d = readRaw();
      if (d != '\n') {
        unread(d);
      }
      c = EOL;
    }
    if (c == EOL) {
      line++;
    }
    return c;
  }

  private int readRaw() throws IOException {
    if (pushedBack != Integer.MIN_VALUE) {
      int c = pushedBack;
      pushedBack = Integer.MIN_VALUE;
      return c;
    }
    if (pos == len) {
      len = in.read(buf, 0, buf.length);
      pos = 0;
      if (len <= 0) {
        len = 0;
        return EOF;
      }
    }
    return buf[pos++];
  }

  private void unread(int c) {
    pushedBack = c;
  }
}
