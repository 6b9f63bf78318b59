package io.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Issue 9: the model JSON file that {@code evaluate} and {@code predict} read meets corrupt content
 * with an {@link IllegalArgumentException} whose message starts with the file name, never anything
 * else (no ClassCast, NumberFormat, StringIndexOutOfBounds...). Seeded, time-bounded mutations of a
 * real file ({@code -Dmyelin.fuzz.seed}, {@code -Dmyelin.fuzz.nanos}); a failing input is printed
 * in Base64 for {@link #REGRESSIONS}.
 */
class ModelFileFuzzTest {
  static final long SEED = Long.getLong("myelin.fuzz.seed", 0x5AFE_3D0DL);
  static final long BUDGET_NANOS = Long.getLong("myelin.fuzz.nanos", 1_500_000_000L);
  static final int MAX_CASES = Integer.getInteger("myelin.fuzz.cases", 20_000);
  static final int MIN_CASES = 1_000;
  static final String SRC = "model.json";

  static final String[] TOKENS = {
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "-1",
    "0",
    "1e999",
    "99999999999999999999",
    "\"\\u12\"",
    "\"\\uZZZZ\"",
    "\\u",
    "\\",
    "\"auto\"",
    "\"mlp:auto-3-2\"",
    "\"mlp:8-0-2\"",
    "[]",
    "{}",
    "\"regress\"",
    "\"wiggle\"",
    "\"classify\"",
    "1.5",
    "[1,2]",
    "\"\\ud800\"",
  };

  /** Inputs that once broke the reader (or nearly did), run before the random cases. */
  static final List<byte[]> REGRESSIONS =
      List.of(
          "{\"format\":\"myelin.model\",\"x\":\"\\u12".getBytes(StandardCharsets.UTF_8),
          "{\"format\":\"myelin.model\",\"x\":\"\\uZZZZ\"}".getBytes(StandardCharsets.UTF_8),
          new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'},
          ("{\"format\":\"myelin.model\",\"model\":{\"spec\":\"mlp:auto-3-2\",\"activation\":\"relu\","
                  + "\"batch_norm\":false,\"dropout\":0},\"task\":\"classify\",\"dataset\":\"d\",\"features\":[],"
                  + "\"classes\":[\"a\",\"b\"],\"preprocessing\":{\"divisor\":1}}")
              .getBytes(StandardCharsets.UTF_8));

  static String seed() {
    ModelSpec spec = new ModelSpec(List.of(3, 4, 2), "relu", true, 0.25, "default");
    Preprocessing prep =
        new Preprocessing(16, new double[] {0.5, -1, 2e-3}, new double[] {1, 2, 0.25});
    return new ModelFile(
            spec, "classify", "csv:x.csv", List.of("a", "b é", "c"), List.of("no", "yes"), prep)
        .toJson();
  }

  static String mutate(String s, SplittableRandom r) {
    StringBuilder b = new StringBuilder(s);
    for (int k = 1 + r.nextInt(3); k > 0; k--) {
      int at = b.isEmpty() ? 0 : r.nextInt(b.length() + 1);
      switch (r.nextInt(5)) {
        case 0 -> b.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
        case 1 -> b.delete(at, Math.min(b.length(), at + 1 + r.nextInt(12)));
        case 2 -> b.setLength(at);
        case 3 -> { // replace a value with a hostile token
          int end = at;
          while (end < b.length() && ",:[]{}".indexOf(b.charAt(end)) < 0) {
            end++;
          }
          b.replace(at, end, TOKENS[r.nextInt(TOKENS.length)]);
        }
        default -> b.insert(at, (char) r.nextInt(128));
      }
    }
    return b.toString();
  }

  @Test
  void modelFileReaderFailsOnlyWithNamedIllegalArguments() {
    String seed = seed();
    ModelFile back = ModelFile.parse(seed.getBytes(StandardCharsets.UTF_8), SRC);
    assertEquals(seed, back.toJson(), "the seed round-trips");
    for (int i = 0; i < REGRESSIONS.size(); i++) {
      check("regression " + i, REGRESSIONS.get(i));
    }
    SplittableRandom r = new SplittableRandom(SEED);
    long start = System.nanoTime();
    int cases = 0;
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    while (cases < MAX_CASES && (cases < MIN_CASES || System.nanoTime() - start < BUDGET_NANOS)) {
      byte[] input = mutate(seed, r).getBytes(StandardCharsets.UTF_8);
      if (r.nextInt(8) == 0 && input.length > 0) { // raw bytes too: invalid UTF-8
        input[r.nextInt(input.length)] = (byte) (0x80 + r.nextInt(128));
      }
      outcomes.merge(check("case " + cases + " (seed " + SEED + ")", input), 1, Integer::sum);
      cases++;
    }
    System.out.println(
        "model json: "
            + cases
            + " cases in "
            + (System.nanoTime() - start) / 1_000_000
            + " ms: "
            + outcomes);
    assertTrue(outcomes.getOrDefault("loaded", 0) > 0 && outcomes.size() > 5, outcomes.toString());
  }

  private static String check(String label, byte[] input) {
    try {
      ModelFile.parse(input, SRC);
      return "loaded";
    } catch (IllegalArgumentException expected) {
      String m = expected.getMessage();
      if (m == null || !m.startsWith(SRC + ":")) {
        fail(
            "message without the file name on "
                + label
                + ": "
                + m
                + "; input "
                + Base64.getEncoder().encodeToString(input),
            expected);
      }
      String kind = m.substring(SRC.length() + 1).strip().replaceAll("[0-9]+", "N");
      return kind.substring(0, Math.min(28, kind.length()));
    } catch (Throwable t) {
      fail(
          "model file reader threw "
              + t
              + " on "
              + label
              + "; add this input to REGRESSIONS: "
              + Base64.getEncoder().encodeToString(input),
          t);
      return null;
    }
  }
}
