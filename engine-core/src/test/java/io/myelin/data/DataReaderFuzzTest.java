package io.myelin.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9: the CSV and IDX readers meet corrupt files with a {@link DataFormatException} whose
 * message starts with the file name and the place ({@code file:line:} for CSV, {@code file:byte N:}
 * for IDX, {@code file:} for whole-file problems), never anything else. Thousands of seeded
 * mutations of valid files, bounded in time as {@code io.ReaderFuzzTest} is ({@code
 * -Dmyelin.fuzz.seed}, {@code -Dmyelin.fuzz.nanos}, {@code -Dmyelin.fuzz.cases}); an input that
 * fails is printed in Base64 to be added to the regressions.
 */
class DataReaderFuzzTest {
  static final long SEED = Long.getLong("myelin.fuzz.seed", 0x5AFE_DA7AL);
  static final long BUDGET_NANOS = Long.getLong("myelin.fuzz.nanos", 2_000_000_000L);
  static final int MAX_CASES = Integer.getInteger("myelin.fuzz.cases", 20_000);
  static final int MIN_CASES = 1_000;

  @TempDir Path dir;

  interface Reader {
    void read(byte[] bytes) throws IOException;
  }

  // ---- CSV --------------------------------------------------------------------------------

  static final String[] CSV_SEEDS = {
    "a,b,colour,y\n1,2.5,red,0\n3,-4e2,\"gre,en\",1\n5,6,blue,0\n7,8,red,1\n9,1e-3,\"bl\"\"ue\",0\n",
    "0.1 0.2 0.3\n0.4 0.5 0.6\n0.7 0.8 0.9\n",
    "x1;x2;target\n1;2;3.5\n4;5;6.25\n7;8;9\n",
  };
  static final String[] CSV_TOKENS = {
    ",",
    "\"",
    "\n",
    "\r\n",
    "\r",
    "NaN",
    "-Infinity",
    "1e999",
    "-",
    "",
    " ",
    "\u0000",
    "\uFFFD",
    "99999999999999999999",
    "0x1F",
    "1,5",
    "\"\"",
    "\t",
    ";",
    "é",
    "\uD800",
    "2147483648",
  };

  static String mutateText(String s, SplittableRandom r) {
    StringBuilder b = new StringBuilder(s);
    int rounds = 1 + r.nextInt(3);
    for (int k = 0; k < rounds; k++) {
      int at = b.isEmpty() ? 0 : r.nextInt(b.length() + 1);
      switch (r.nextInt(6)) {
        case 0 -> b.insert(at, CSV_TOKENS[r.nextInt(CSV_TOKENS.length)]);
        case 1 -> b.delete(at, Math.min(b.length(), at + 1 + r.nextInt(8)));
        case 2 -> b.setLength(at); // truncate
        case 3 -> { // replace a field with a hostile token
          int end = at;
          while (end < b.length() && ",;\n ".indexOf(b.charAt(end)) < 0) {
            end++;
          }
          b.replace(at, end, CSV_TOKENS[r.nextInt(CSV_TOKENS.length)]);
        }
        case 4 -> { // duplicate a slice (a line, a quote run)
          int from = b.isEmpty() ? 0 : r.nextInt(b.length());
          int to = Math.min(b.length(), from + 1 + r.nextInt(20));
          b.insert(at, b.substring(from, to));
        }
        default -> b.insert(at, (char) r.nextInt(128));
      }
    }
    return b.toString();
  }

  static final Pattern CSV_PLACE = Pattern.compile("fuzz\\.csv:([0-9]+:)? .*", Pattern.DOTALL);

  @Test
  void csvReaderFailsOnlyWithPlacedDataFormatExceptions() {
    List<String> seeds = List.of(CSV_SEEDS);
    for (String s : seeds) {
      assertEquals(
          "loaded",
          check(
              "csv",
              "valid seed",
              s.getBytes(StandardCharsets.UTF_8),
              DataReaderFuzzTest::readCsv,
              CSV_PLACE));
    }
    SplittableRandom r = new SplittableRandom(SEED);
    fuzz(
        "csv",
        CSV_PLACE,
        DataReaderFuzzTest::readCsv,
        () -> mutateText(seeds.get(r.nextInt(seeds.size())), r).getBytes(StandardCharsets.UTF_8));
  }

  static void readCsv(byte[] bytes) throws IOException {
    CsvReader.read(
        new StringReader(new String(bytes, StandardCharsets.UTF_8)),
        "fuzz.csv",
        CsvOptions.defaults());
  }

  // ---- IDX --------------------------------------------------------------------------------

  static final int[] HOSTILE_INTS = {
    0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 20, 1 << 21, 1 << 30, 28, 784, 0x00000803,
  };

  static byte[] mutateBytes(byte[] base, SplittableRandom r) {
    byte[] b = base.clone();
    int rounds = 1 + r.nextInt(3);
    for (int k = 0; k < rounds; k++) {
      if (b.length == 0) {
        b = new byte[] {(byte) r.nextInt(256)};
        continue;
      }
      int at = r.nextInt(b.length);
      b =
          switch (r.nextInt(6)) {
            case 0 -> { // flip a bit, mostly in the 16-byte header
              int i = r.nextBoolean() ? at : r.nextInt(Math.min(16, b.length));
              b[i] ^= (byte) (1 << r.nextInt(8));
              yield b;
            }
            case 1 -> Arrays.copyOf(b, at); // truncate
            case 2 -> Arrays.copyOf(b, b.length + 1 + r.nextInt(64)); // trailing bytes
            case 3 -> { // a hostile magic or dimension
              int field = 4 * r.nextInt(4);
              if (field + 4 <= b.length) {
                ByteBuffer.wrap(b).putInt(field, HOSTILE_INTS[r.nextInt(HOSTILE_INTS.length)]);
              }
              yield b;
            }
            case 4 -> { // delete a slice
              int to = Math.min(b.length, at + 1 + r.nextInt(16));
              byte[] out = new byte[b.length - (to - at)];
              System.arraycopy(b, 0, out, 0, at);
              System.arraycopy(b, to, out, at, b.length - to);
              yield out;
            }
            default -> {
              b[at] = (byte) r.nextInt(256);
              yield b;
            }
          };
    }
    return b;
  }

  static final Pattern IDX_PLACE = Pattern.compile("fuzz\\.idx:(byte [0-9]+:)? .*", Pattern.DOTALL);

  /** Inputs that once broke (or nearly broke) the IDX reader, kept as regressions. */
  static final List<byte[]> IDX_REGRESSIONS =
      List.of(
          // 2^20 x 2^21 x 2^21 = 2^62 elements: refused from the header, nothing allocated.
          IdxReaderTest.idx(
              IdxReader.IMAGES_MAGIC, new int[] {1 << 20, 1 << 21, 1 << 21}, new byte[16]),
          // Dimensions whose product is 0 with a huge factor.
          IdxReaderTest.idx(
              IdxReader.IMAGES_MAGIC, new int[] {0, Integer.MAX_VALUE, 2}, new byte[0]),
          // Negative as signed ints.
          IdxReaderTest.idx(IdxReader.LABELS_MAGIC, new int[] {-1}, new byte[4]));

  Path idxFile;

  void readIdx(byte[] bytes) throws IOException {
    Files.write(idxFile, bytes);
    if (bytes.length >= 4 && bytes[3] == 1) {
      IdxReader.readLabels(idxFile);
    } else {
      IdxReader.readImages(idxFile);
    }
  }

  @Test
  void idxReaderFailsOnlyWithPlacedDataFormatExceptions() throws IOException {
    idxFile = dir.resolve("fuzz.idx");
    SplittableRandom data = new SplittableRandom(3);
    byte[] pixels = new byte[5 * 4 * 3];
    data.nextBytes(pixels);
    byte[] labels = {0, 1, 2, 3, 4};
    List<byte[]> seeds =
        List.of(
            IdxReaderTest.idx(IdxReader.IMAGES_MAGIC, new int[] {5, 4, 3}, pixels),
            IdxReaderTest.idx(IdxReader.LABELS_MAGIC, new int[] {5}, labels),
            IdxReaderTest.gzip(
                IdxReaderTest.idx(IdxReader.IMAGES_MAGIC, new int[] {5, 4, 3}, pixels)));
    for (byte[] s : seeds) {
      assertEquals("loaded", check("idx", "valid seed", s, this::readIdx, IDX_PLACE));
    }
    for (int i = 0; i < IDX_REGRESSIONS.size(); i++) {
      check("idx", "regression " + i, IDX_REGRESSIONS.get(i), this::readIdx, IDX_PLACE);
    }
    long t0 = System.nanoTime();
    var e = assertThrows(DataFormatException.class, () -> readIdx(IDX_REGRESSIONS.getFirst()));
    assertTrue(
        e.getMessage().startsWith("fuzz.idx:byte 4: the header claims")
            && System.nanoTime() - t0 < 1_000_000_000L,
        e.getMessage());
    SplittableRandom r = new SplittableRandom(SEED);
    fuzz(
        "idx",
        IDX_PLACE,
        this::readIdx,
        () -> {
          byte[] base = seeds.get(r.nextInt(seeds.size()));
          byte[] m = mutateBytes(base, r);
          try { // a third of the cases: a well-formed gzip stream around a mutated IDX file
            return r.nextInt(3) == 0 && base != seeds.get(2) ? IdxReaderTest.gzip(m) : m;
          } catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex);
          }
        });
  }

  // ---- the loop ---------------------------------------------------------------------------

  private static void fuzz(
      String what, Pattern place, Reader reader, java.util.function.Supplier<byte[]> inputs) {
    long start = System.nanoTime();
    int cases = 0;
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    while (cases < MAX_CASES && (cases < MIN_CASES || System.nanoTime() - start < BUDGET_NANOS)) {
      byte[] input = inputs.get();
      outcomes.merge(
          check(what, "case " + cases + " (seed " + SEED + ")", input, reader, place),
          1,
          Integer::sum);
      cases++;
    }
    System.out.println(
        what
            + ": "
            + cases
            + " cases in "
            + (System.nanoTime() - start) / 1_000_000
            + " ms: "
            + outcomes);
    assertTrue(
        outcomes.getOrDefault("loaded", 0) > 0 && outcomes.size() > 5, what + ": " + outcomes);
  }

  /** "loaded" or the error's first words (numbers masked), for the variety check. */
  private static String check(
      String what, String label, byte[] input, Reader reader, Pattern place) {
    try {
      reader.read(input);
      return "loaded";
    } catch (DataFormatException expected) {
      String m = expected.getMessage();
      if (!place.matcher(m).matches()) {
        fail(
            what
                + ": message without file and place on "
                + label
                + ": "
                + m
                + "; input "
                + Base64.getEncoder().encodeToString(input));
      }
      String kind =
          m.substring(m.indexOf(' ') + 1)
              .replaceAll("0x[0-9A-F]+", "0xN")
              .replaceAll("[0-9]+", "N");
      return kind.substring(0, Math.min(24, kind.length()));
    } catch (Throwable t) {
      fail(
          what
              + " reader threw "
              + t
              + " on "
              + label
              + "; add this input to the regressions: "
              + Base64.getEncoder().encodeToString(input),
          t);
      return null;
    }
  }
}
