package io.myelin.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointMetadataTest {
  static CheckpointMetadata sample() {
    Generator g = new Generator(-42);
    g.reserve(1000);
    Map<String, Object> hp = new LinkedHashMap<>();
    hp.put("lr", 1e-3);
    hp.put("betas", List.of(0.9, 0.999f));
    hp.put("amsgrad", false);
    hp.put("warmup", 500);
    hp.put("schedule", Map.of("kind", "cosine", "t_max", 10L));
    return new CheckpointMetadata(
        3,
        1200,
        Map.of(
            "init",
            CheckpointMetadata.GeneratorState.of(g),
            "dropout",
            new CheckpointMetadata.GeneratorState(Long.MAX_VALUE, 0)),
        40,
        hp,
        Map.of("run", "baseline \"x\"", "json", "{\"a\":[1,2]}"));
  }

  @Test
  void roundTripsThroughStringMetadata() throws Exception {
    CheckpointMetadata s = sample();
    Map<String, String> m = s.toMetadata();
    assertEquals("myelin.checkpoint", m.get("format"));
    assertEquals("3", m.get("epoch"));
    assertEquals("1200", m.get("step"));
    assertEquals("40", m.get("data_position"));
    CheckpointMetadata back = CheckpointMetadata.fromMetadata("c", m);
    assertEquals(s, back);
    assertEquals(500L, back.hyperparameters().get("warmup"), "ints widen to Long");
    assertEquals(List.of(0.9, (double) 0.999f), back.hyperparameters().get("betas"));
  }

  @Test
  void generatorStateResumesTheStream() {
    Generator g = new Generator(7);
    g.reserve(100);
    Generator resumed = CheckpointMetadata.GeneratorState.of(g).toGenerator();
    assertEquals(g.nextSeed(), resumed.nextSeed());
  }

  static void refused(Map<String, String> m, String... fragments) {
    var e =
        assertThrows(
            CheckpointFormatException.class, () -> CheckpointMetadata.fromMetadata("run.ckpt", m));
    assertTrue(e.getMessage().startsWith("run.ckpt: "), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should contain '" + f + "'");
    }
  }

  static Map<String, String> with(String key, String value) {
    Map<String, String> m = new LinkedHashMap<>(sample().toMetadata());
    if (value == null) {
      m.remove(key);
    } else {
      m.put(key, value);
    }
    return m;
  }

  @Test
  void rejectsMalformedMetadataNamingTheEntry() {
    refused(Map.of(), "not a Myelin checkpoint", "absent");
    refused(with("format", "pt"), "\"format\" is \"pt\"");
    refused(with("format_version", "2"), "format_version", "version 2");
    refused(with("step", "-3"), "metadata \"step\": expected a non-negative integer, got \"-3\"");
    refused(with("epoch", "99999999999999999999"), "\"epoch\"");
    refused(with("epoch", "9223372036854775808"), "\"epoch\"");
    refused(with("epoch", "+1"), "\"epoch\"");
    refused(with("data_position", null), "\"data_position\": missing");
    refused(with("generators", "{\"g\":{\"seed\":1}}"), "\"generators\"", "entry \"g\"");
    refused(with("generators", "{\"g\":{\"seed\":1,\"counter\":-1}}"), "\"generators\"");
    refused(with("generators", "[1]"), "expected a JSON object");
    refused(with("hyperparameters", "{\"lr\":"), "\"hyperparameters\": not valid JSON");
    refused(with("hyperparameters", "{\"lr\":null}"), "\"hyperparameters\"", "null");
    refused(with("extra", "{\"a\":1}"), "\"extra\"", "entry \"a\" must be a string");
  }

  @Test
  void constructorRefusesWhatCannotBeStored() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new CheckpointMetadata(-1, 0, Map.of(), 0, Map.of(), Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new CheckpointMetadata(0, 0, Map.of(), 0, Map.of("lr", Double.NaN), Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new CheckpointMetadata(0, 0, Map.of(), 0, Map.of("x", new Object()), Map.of()));
  }
}
