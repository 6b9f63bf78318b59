package io.myelin.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.myelin.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9: the readers meet corrupt files with clean, typed exceptions only. Thousands of seeded
 * mutations and truncations of valid files go through the whole read path (header, validation,
 * decoding to host arrays: everything but the device copy); each must either load or throw a {@link
 * SafetensorsFormatException}. Anything else (ArrayIndexOutOfBounds, NumberFormat,
 * NegativeArraySize, OutOfMemory, a ClassCast...) fails the test with the seed and the input in
 * Base64, to be added to {@link #REGRESSIONS}. Bounded in time, so a slow machine runs fewer cases,
 * never a longer build.
 */
class ReaderFuzzTest {
  /** Fixed so the build is reproducible; {@code -Dmyelin.fuzz.seed=N} explores other streams. */
  static final long SEED = Long.getLong("myelin.fuzz.seed", 0x5AFE_7E45L);

  static final long BUDGET_NANOS = Long.getLong("myelin.fuzz.nanos", 2_500_000_000L);
  static final int MAX_CASES = Integer.getInteger("myelin.fuzz.cases", 20_000);
  static final int MIN_CASES = 1_000;

  /**
   * Inputs that once broke a reader (or came close), kept forever as Base64 / hex. Each is run
   * through both readers before the random cases.
   */
  static final List<byte[]> REGRESSIONS =
      List.of(
          // Header length 2^63 and up: negative as a signed long.
          HexFormat.of().parseHex("ffffffffffffffff7b7d"),
          // "shape":[4294967296,4294967296,4294967296] overflows a long when multiplied.
          SpecFiles.file(
              "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
                  + "\"data_offsets\":[0,4]}}",
              new byte[4]),
          // A 20-digit offset: must not reach Long.parseLong.
          SpecFiles.file(
              "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}",
              new byte[4]),
          // Zero-size tensor with a dim beyond int: passes the byte check, must fail before
          // allocating.
          SpecFiles.file(
              "{\"w\":{\"dtype\":\"F32\",\"shape\":[0,3000000000],\"data_offsets\":[0,0]}}",
              new byte[0]),
          // Deep nesting in the metadata value position.
          SpecFiles.file(
              "{\"__metadata__\":" + "[".repeat(5000) + "]".repeat(5000) + "}", new byte[0]),
          // Found by this test: a generator seed of 921e400 (infinity) made the error message
          // itself
          // throw IllegalArgumentException while writing the bad value back as JSON.
          Base64.getDecoder()
              .decode(
                  "0AIAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJteWVsaW4uY2hlY2twb2ludCIsImZvcm1hdF92ZXJzaW"
                      + "9uIjoiMSIsImVwb2NoIjoiMyIsInN0ZXAiOiIxMjAwIiwiZGF0YV9wb3NpdGlvbiI6IjQwIiwiZ2VuZXJhdG9ycyI6"
                      + "IntcImluaXRcIjp7XCJjb3VudGVyXCI6MjUwLFwic2VlZFwiOi00Mn0sXCJkcm9wb3V0XCI6e1wiY291bnRlclwiOj"
                      + "AsXCJzZWVkXCI6OTIxZTQwMH19IiwiaHlwZXJwYXJhbWV0ZXJzIjoie1wibHJcIjowLjAwMSxcImJldGFzXCI6WzAu"
                      + "OSwwLjk5OTAwMDAxMjg3NDYwMzNdLFwiYW1zZ3JhZFwiOmZhbHNlLFwid2FybXVwXCI6NTAwLFwic2NoZWR1bGVcIj"
                      + "p7XCJraW5kXCI6XCJjb3NpbmVcIixcInRfbWF4XCI6MTB9fSIsImV4dHJhIjoie1wiMjE0NzQ4MzY0ODpcIntcXFwi"
                      + "YVxcXCI6WzEsMl19XCIsXCJydW5cIjpcImJhc2VsaW5lIFxcXCJ4XFxcIlwifSJ9LCJtb2RlbC5mYy53ZWlnaHQiOn"
                      + "siZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzMsMl0sImRhdGFfb2Zmc2V0cyI6WzAsMjRdfSwibW9kZWwuZmMuYmlhcyI6"
                      + "eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbM10sImRhdGFfb2Zmc2V0cyI6WzI0LDM2XX0sIm9wdGltLjAuZXhwX2F2Zy"
                      + "I6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMywyXSwiZGF0YV9vZmZzZXRzIjpbMzYsNjBdfSwib3B0aW0uMC5zdGVw"
                      + "Ijp7ImR0eXBlIjoiSTMyIiwic2hhcGUiOltdLCJkYXRhX29mZnNldHMiOls2MCw2NF19fSDj8W+/M31dv/H10b0AGS"
                      + "BAJK+BP9eAOb/r3Uy/iS+Avz1J4r9M7xg+MDRhvxT/KcAU0hA+KQUZP0E4CsAWfZTB"),
          // Checkpoint metadata with a 19-digit step beyond Long.MAX_VALUE.
          Base64.getDecoder()
              .decode(
                  Base64.getEncoder()
                      .encodeToString(
                          SpecFiles.file(
                              "{\"__metadata__\":{\"format\":\"myelin.checkpoint\",\"format_version\":\"1\",\"epoch\":\"0\","
                                  + "\"step\":\"9999999999999999999\",\"data_position\":\"0\",\"generators\":\"{}\","
                                  + "\"hyperparameters\":\"{}\",\"extra\":\"{}\"}}",
                              new byte[0]))));

  @TempDir Path dir;

  interface Reader {
    void read(byte[] bytes) throws IOException;
  }

  static void readSafetensors(byte[] bytes) throws IOException {
    try (var ch = new ByteArrayChannel(bytes)) {
      SafetensorsHeader h = SafetensorsReader.readHeader(ch, "fuzz.safetensors");
      SafetensorsReader.readAll(ch, "fuzz.safetensors", h);
    }
  }

  static void readCheckpoint(byte[] bytes) throws IOException {
    try (var ch = new ByteArrayChannel(bytes)) {
      CheckpointIO.read(ch, "fuzz.ckpt");
    }
  }

  List<byte[]> safetensorsSeeds() throws IOException {
    List<byte[]> seeds = new ArrayList<>();
    Path p = dir.resolve("seed.safetensors");
    List<SafetensorsWriter.Item> items = new ArrayList<>();
    long s = 1;
    for (DType t : DType.values()) {
      items.add(SafetensorsHostRoundTripTest.item("a." + t.shortName(), t, new int[] {2, 3}, s++));
      items.add(SafetensorsHostRoundTripTest.item("s." + t.shortName(), t, new int[] {}, s++));
      items.add(SafetensorsHostRoundTripTest.item("e." + t.shortName(), t, new int[] {0, 5}, s++));
    }
    SafetensorsWriter.write(p, items, Map.of("format", "pt", "note", "é"));
    seeds.add(Files.readAllBytes(p));
    String h =
        "{"
            + SpecFiles.entry("h", "F16", "[2]", 0, 4)
            + ","
            + SpecFiles.entry("l", "I64", "[2]", 4, 20)
            + ","
            + SpecFiles.entry("u", "U8", "[3]", 20, 23)
            + ","
            + SpecFiles.entry("b", "BF16", "[1]", 23, 25)
            + "}";
    seeds.add(
        SpecFiles.file(
            h,
            SpecFiles.concat(
                SpecFiles.u16(0x3C00, 0x7C00),
                SpecFiles.i64(5, -5),
                new byte[] {1, 2, 3},
                SpecFiles.u16(0x3F80))));
    return seeds;
  }

  List<byte[]> checkpointSeeds() throws IOException {
    Path p = dir.resolve("seed.ckpt");
    List<SafetensorsWriter.Item> items =
        List.of(
            SafetensorsHostRoundTripTest.item(
                "model.fc.weight", DType.FLOAT32, new int[] {3, 2}, 1),
            SafetensorsHostRoundTripTest.item("model.fc.bias", DType.FLOAT32, new int[] {3}, 2),
            SafetensorsHostRoundTripTest.item(
                "optim.0.exp_avg", DType.FLOAT32, new int[] {3, 2}, 3),
            SafetensorsHostRoundTripTest.item("optim.0.step", DType.INT32, new int[] {}, 4),
            SafetensorsHostRoundTripTest.item(
                "callback.early_stopping.best.fc.bias", DType.FLOAT32, new int[] {3}, 5));
    SafetensorsWriter.write(p, items, CheckpointMetadataTest.sample().toMetadata());
    return List.of(Files.readAllBytes(p));
  }

  @Test
  void safetensorsReaderFailsOnlyWithTypedExceptions() throws IOException {
    fuzz("safetensors", safetensorsSeeds(), ReaderFuzzTest::readSafetensors);
  }

  @Test
  void checkpointReaderFailsOnlyWithTypedExceptions() throws IOException {
    List<byte[]> seeds = checkpointSeeds();
    readCheckpoint(seeds.getFirst()); // the seed itself must load
    fuzz("checkpoint", seeds, ReaderFuzzTest::readCheckpoint);
  }

  private static void fuzz(String what, List<byte[]> seeds, Reader reader) {
    for (byte[] seed : seeds) {
      check(what, "valid seed", seed, reader);
    }
    for (int i = 0; i < REGRESSIONS.size(); i++) {
      check(what, "regression " + i, REGRESSIONS.get(i), reader);
    }
    SplittableRandom r = new SplittableRandom(SEED);
    long start = System.nanoTime();
    int cases = 0;
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    while (cases < MAX_CASES && (cases < MIN_CASES || System.nanoTime() - start < BUDGET_NANOS)) {
      byte[] input = Mutator.mutate(seeds.get(r.nextInt(seeds.size())), r);
      outcomes.merge(
          check(what, "case " + cases + " (seed " + SEED + ")", input, reader), 1, Integer::sum);
      cases++;
    }
    assertTrue(cases >= MIN_CASES, what + ": only " + cases + " cases ran");
    System.out.println(
        what
            + ": "
            + cases
            + " cases in "
            + (System.nanoTime() - start) / 1_000_000
            + " ms: "
            + outcomes);
    // A fuzzer that only ever hits the length check proves little: demand variety.
    assertTrue(
        outcomes.getOrDefault("loaded", 0) > 0 && outcomes.size() > 1, what + ": " + outcomes);
  }

  /** Returns "loaded" or the first words of the error, for the variety check. */
  private static String check(String what, String label, byte[] input, Reader reader) {
    try {
      reader.read(input);
      return "loaded";
    } catch (SafetensorsFormatException expected) {
      String m = expected.getMessage();
      int colon = m.indexOf(": ");
      String kind = m.substring(colon + 2).replaceAll("[0-9]+", "N");
      return kind.substring(0, Math.min(28, kind.length()));
    } catch (Throwable t) {
      fail(
          what
              + " reader threw "
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
