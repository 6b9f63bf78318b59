package io.myelin.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The ONNX reader and importer meet corrupt files with {@link OnnxFormatException} (or its subclass
 * {@link UnsupportedOnnxException}) whose message starts with the file name, never anything else
 * (no ArrayIndexOutOfBounds, NegativeArraySize, OutOfMemory, NullPointer...). Seeded, time-bounded
 * mutations of Myelin- and torch-exported models, as the project's other reader fuzz tests ({@code
 * -Dmyelin.fuzz.seed}, {@code -Dmyelin.fuzz.nanos}); a failing input is printed in Base64 for
 * {@link #REGRESSIONS}.
 */
class OnnxReaderFuzzTest {
  static final long SEED = Long.getLong("myelin.fuzz.seed", 0x0411_F022L);
  static final long BUDGET_NANOS = Long.getLong("myelin.fuzz.nanos", 2_500_000_000L);
  static final int MAX_CASES = Integer.getInteger("myelin.fuzz.cases", 20_000);
  static final int MIN_CASES = 1_000;
  static final String SRC = "fuzz.onnx";

  /** Varints a structured parser is most likely to slip on: huge lengths, negative, 2^31, 2^32. */
  static final byte[][] HOSTILE_VARINTS = {
    {0},
    {1},
    {(byte) 0x7F},
    {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07},
    {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08},
    {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F},
    {
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      0x01
    },
    {
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      0x01
    },
    {(byte) 0x80, (byte) 0x80, 0x40},
    {0x0B},
    {0x0C},
    {0x0E},
    {0x0F},
  };

  /** Inputs that once broke the reader (or came close), run before the random cases. */
  static final List<byte[]> REGRESSIONS =
      List.of(
          new byte[0],
          // ModelProto.graph (field 7) claiming 2^32 - 1 bytes.
          HexFormat.of().parseHex("3affffffff0f"),
          // A group start (wire type 3) at the top level: refused, never skipped recursively.
          HexFormat.of().parseHex("0b".repeat(5000)),
          // A graph whose node has an empty op_type.
          HexFormat.of().parseHex("3a040a020a00"),
          // Found by this test (seed 3): the Clip ending a piecewise pattern had no output, and the
          // importer took the first of none (NoSuchElementException).
          Base64.getDecoder()
              .decode(
                  "CAgSBm15ZWxpbhoFMC4xLjA61AUKPgoFaW5wdXQKCHdlaWdodF8wCgZiaWFzXzESBmdlbW1fMhoGZ2VtbV8yIgRHZW1tKg0K"
                      + "BnRyYW5zQhgBoAECCiMKBmdlbW1fMgoGaGFsZl8zEgVhZGRfNBoFYWRkXzQiA0FkZAosCgVhZGRfNAoGemVyb181CgVvbmVf"
                      + "NjIGY2xpcF83GgZjbGlwXzciBENsaXAKQQoGY2xpcF83Cgh3ZWlnaHRfOAoGYmlhc185EgdnZW1tXzEwGgdnZW1tXzEwIgRH"
                      + "ZW1tKg0KBnRyYW5zQhgBoAECCi0KB2dlbW1fMTASC2lkZW50aXR5XzExGgtpZGVudGl0eV8xMSIISWRlbnRpdHkSBm15ZWxp"
                      + "biqfAQgHCAUQAUIId2VpZ2h0XzBKjAHM0Dq9ZylKvdvHwz6smmc+n02RPmScG72htpQ+7XjbPZ6iJzvzOJA9QjvIvaQH+j1D"
                      + "DIU9sE6rvrBHtz56cIu8Nn1vPoyiuz4dWK89qryHvZ25Ub26Y7W+/KOqPimXVz5GFK29x35wvYo26T1T5bs+iaXHvjnomD5i"
                      + "2em9Nv5yvuEYhz5VsQA+N6NMvioqCAcQAUIGYmlhc18xShycISg+9AyEviG2rT4BWkA+nbODvkTk0T1BoZG+KhAQAUIGaGFs"
                      + "Zl8zSgQAAAA/KhAQAUIGemVyb181SgQAAAAAKg8QAUIFb25lXzZKBAAAgD8qZggDCAcQAUIId2VpZ2h0XzhKVE1I9j0S2oO9"
                      + "obY1Pv3bNz4RnHC996AXPuAs+72Y+Dc+IrGJviI56z3vTjm9kwHyPHMs+7zfkJu+50AxPTt8G76JD1e+wB0BO2NZr76slbk+"
                      + "VCMxPioaCAMQAUIGYmlhc185SgyY+Lc9DQ9dPqIvEDxaHAoFaW5wdXQSEwoRCAESDQoHEgViYXRjaAoCCAViIAoLaWRlbnRp"
                      + "dHlfMTESEQoPCAESCwoHEgViYXRjaAoAQgQKABAR"));

  static List<byte[]> seeds() throws Exception {
    List<byte[]> seeds = new ArrayList<>();
    for (OnnxImportTest.Case c : OnnxImportTest.cases()) {
      if (c.name().equals("mixed")
          || c.name().equals("images")
          || c.name().equals("GELU")
          || c.name().equals("STEP")
          || c.name().equals("PIECEWISE")
          || c.name().equals("SWISH")) {
        seeds.add(Onnx.toBytes(c.model(), c.shape()));
      }
    }
    seeds.add(OnnxImportTest.resource("torch_mlp_opset14.onnx"));
    seeds.add(OnnxImportTest.resource("torch_mix_opset17.onnx"));
    return seeds;
  }

  static byte[] mutate(byte[] base, SplittableRandom r) {
    byte[] b = base;
    for (int k = 1 + r.nextInt(3); k > 0; k--) {
      b = once(b, r);
    }
    return b;
  }

  private static byte[] once(byte[] b, SplittableRandom r) {
    if (b.length == 0) {
      return new byte[] {(byte) r.nextInt(256)};
    }
    int at = r.nextInt(b.length);
    return switch (r.nextInt(7)) {
      case 0 -> { // flip a bit
        byte[] c = b.clone();
        c[at] ^= (byte) (1 << r.nextInt(8));
        yield c;
      }
      case 1 -> { // any byte
        byte[] c = b.clone();
        c[at] = (byte) r.nextInt(256);
        yield c;
      }
      case 2 -> Arrays.copyOf(b, at); // truncate
      case 3 ->
          splice(b, at, at + Math.min(b.length - at, 1 + r.nextInt(8)), new byte[0]); // delete
      case 4 ->
          splice(
              b,
              at,
              at + Math.min(b.length - at, 1 + r.nextInt(5)),
              HOSTILE_VARINTS[
                  r.nextInt(HOSTILE_VARINTS.length)]); // a length or value becomes hostile
      case 5 -> { // duplicate a slice elsewhere (repeated fields, nested messages)
        int from = r.nextInt(b.length);
        int len = Math.min(b.length - from, 1 + r.nextInt(64));
        int to = r.nextInt(b.length + 1);
        yield splice(b, to, to, Arrays.copyOfRange(b, from, from + len));
      }
      default -> { // random bytes inserted
        byte[] ins = new byte[1 + r.nextInt(6)];
        for (int i = 0; i < ins.length; i++) {
          ins[i] = (byte) r.nextInt(256);
        }
        yield splice(b, at, at, ins);
      }
    };
  }

  private static byte[] splice(byte[] b, int from, int to, byte[] with) {
    byte[] out = new byte[b.length - (to - from) + with.length];
    System.arraycopy(b, 0, out, 0, from);
    System.arraycopy(with, 0, out, from, with.length);
    System.arraycopy(b, to, out, from + with.length, b.length - to);
    return out;
  }

  @Test
  void readerAndImporterFailOnlyWithNamedOnnxFormatExceptions() throws Exception {
    List<byte[]> seeds = seeds();
    for (byte[] seed : seeds) {
      Onnx.fromBytes(seed, SRC); // every seed loads
    }
    for (int i = 0; i < REGRESSIONS.size(); i++) {
      check("regression " + i, REGRESSIONS.get(i));
    }
    SplittableRandom r = new SplittableRandom(SEED);
    long start = System.nanoTime();
    int cases = 0;
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    while (cases < MAX_CASES && (cases < MIN_CASES || System.nanoTime() - start < BUDGET_NANOS)) {
      byte[] input = mutate(seeds.get(r.nextInt(seeds.size())), r);
      outcomes.merge(check("case " + cases + " (seed " + SEED + ")", input), 1, Integer::sum);
      cases++;
    }
    System.out.println(
        "onnx reader: "
            + cases
            + " cases in "
            + (System.nanoTime() - start) / 1_000_000
            + " ms: "
            + outcomes.size()
            + " outcomes, loaded "
            + outcomes.getOrDefault("loaded", 0));
    assertTrue(outcomes.getOrDefault("loaded", 0) > 0 && outcomes.size() > 10, outcomes.toString());
  }

  private static String check(String label, byte[] input) {
    try {
      Onnx.fromBytes(input, SRC);
      return "loaded";
    } catch (OnnxFormatException expected) {
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
      String kind =
          m.substring(SRC.length() + 1).replaceAll("'[^']*'", "'X'").replaceAll("[0-9]+", "N");
      return kind.substring(0, Math.min(48, kind.length()));
    } catch (Throwable t) {
      fail(
          "ONNX reader threw "
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
