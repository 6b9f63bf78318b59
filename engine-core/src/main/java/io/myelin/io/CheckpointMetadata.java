package io.myelin.io;

import io.myelin.Generator;
import io.myelin.io.internal.Json;
import io.myelin.io.internal.JsonWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything besides tensors that a run needs to resume exactly where it stopped: position in
 * training, random-number streams, data order, optimizer hyperparameters, and free-form entries.
 * Stored as the string {@code __metadata__} of a checkpoint's safetensors file (see {@link
 * CheckpointIO} for the keys).
 *
 * @param epoch epochs completed, {@code >= 0}: the number {@link
 *     io.myelin.train.TrainingState#epoch()} (1-based) shows at the end of the last of them; the
 *     run continues with epoch {@code epoch + 1}
 * @param step optimizer steps taken since the start, {@code >= 0}
 * @param generators named random streams (model init, dropout...), each a seed and counter
 * @param dataPosition batches of epoch {@code epoch} already consumed (a DataLoader resumes with
 *     {@code epoch(epoch, dataPosition)}), {@code >= 0}
 * @param hyperparameters optimizer settings as JSON values: String, Boolean, Long (integers),
 *     Double (finite), and Lists and String-keyed Maps of them; Integer and Float are widened, so
 *     that what is loaded equals what was saved
 * @param extra free-form strings (a run name, a git commit, a scheduler's state as JSON...)
 */
public record CheckpointMetadata(
    long epoch,
    long step,
    Map<String, GeneratorState> generators,
    long dataPosition,
    Map<String, Object> hyperparameters,
    Map<String, String> extra) {

  /** Nothing done yet: epoch 0, step 0, no generators, no hyperparameters. */
  public static final CheckpointMetadata START =
      new CheckpointMetadata(0, 0, Map.of(), 0, Map.of(), Map.of());

  public CheckpointMetadata {
    if (epoch < 0 || step < 0 || dataPosition < 0) {
      throw new IllegalArgumentException(
          "epoch, step and dataPosition must be >= 0, got "
              + epoch
              + ", "
              + step
              + ", "
              + dataPosition);
    }
    generators = Collections.unmodifiableMap(new LinkedHashMap<>(generators));
    @SuppressWarnings("unchecked")
    Map<String, Object> h = (Map<String, Object>) normalize(hyperparameters, "hyperparameters");
    hyperparameters = h;
    extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    for (var e : extra.entrySet()) {
      Objects.requireNonNull(e.getValue(), () -> "extra \"" + e.getKey() + "\" is null");
    }
  }

  /**
   * The position of a {@link Generator}: its seed and its next free block counter.
   *
   * <pre>{@code
   * var saved = GeneratorState.of(dropoutGenerator);
   * Generator resumed = saved.toGenerator(); // draws what dropoutGenerator would draw next
   * }</pre>
   */
  public record GeneratorState(long seed, long counter) {
    public GeneratorState {
      if (counter < 0) {
        throw new IllegalArgumentException("generator counter must be >= 0, got " + counter);
      }
    }

    public static GeneratorState of(Generator g) {
      return new GeneratorState(g.seed(), g.state());
    }

    /** A new generator at this position. */
    public Generator toGenerator() {
      Generator g = new Generator(seed);
      g.setState(counter);
      return g;
    }
  }

  // ---- metadata codec -----------------------------------------------------------------------

  static final String FORMAT = "myelin.checkpoint";
  static final int VERSION = 1;
  private static final Pattern NON_NEGATIVE = Pattern.compile("0|[1-9][0-9]{0,18}");

  /** The {@code __metadata__} strings for this state (keys listed in {@link CheckpointIO}). */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("format_version", Integer.toString(VERSION));
    m.put("epoch", Long.toString(epoch));
    m.put("step", Long.toString(step));
    m.put("data_position", Long.toString(dataPosition));
    Map<String, Object> gens = new LinkedHashMap<>();
    generators.forEach(
        (name, g) -> gens.put(name, Map.of("seed", g.seed(), "counter", g.counter())));
    m.put("generators", JsonWriter.write(gens));
    m.put("hyperparameters", JsonWriter.write(hyperparameters));
    m.put("extra", JsonWriter.write(extra));
    return m;
  }

  /**
   * Reads the state back from {@code __metadata__} strings; unknown keys are ignored (newer writers
   * may add some).
   *
   * @param source file name for messages
   * @throws CheckpointFormatException naming the entry that is missing or malformed
   */
  public static CheckpointMetadata fromMetadata(String source, Map<String, String> m)
      throws CheckpointFormatException {
    if (!FORMAT.equals(m.get("format"))) {
      throw CheckpointFormatException.file(
          source,
          "not a Myelin checkpoint: __metadata__ \"format\" is "
              + (m.get("format") == null ? "absent" : "\"" + m.get("format") + "\"")
              + ", expected \""
              + FORMAT
              + "\"");
    }
    long version = number(source, m, "format_version");
    if (version != VERSION) {
      throw CheckpointFormatException.metadata(
          source,
          "format_version",
          "version " + version + " is not readable by this Myelin (it reads " + VERSION + ")");
    }
    Map<String, GeneratorState> gens = new LinkedHashMap<>();
    for (var e : object(source, m, "generators").entrySet()) {
      if (!(e.getValue() instanceof Map<?, ?> g)
          || !(g.get("seed") instanceof Long seed)
          || !(g.get("counter") instanceof Long counter)
          || counter < 0) {
        throw CheckpointFormatException.metadata(
            source,
            "generators",
            "entry \""
                + e.getKey()
                + "\" must be {\"seed\": integer, \"counter\": non-negative integer}, got "
                + show(e.getValue()));
      }
      gens.put(e.getKey(), new GeneratorState(seed, counter));
    }
    Map<String, String> extra = new LinkedHashMap<>();
    for (var e : object(source, m, "extra").entrySet()) {
      if (!(e.getValue() instanceof String s)) {
        throw CheckpointFormatException.metadata(
            source,
            "extra",
            "entry \"" + e.getKey() + "\" must be a string, got " + show(e.getValue()));
      }
      extra.put(e.getKey(), s);
    }
    long epoch = number(source, m, "epoch");
    long step = number(source, m, "step");
    long position = number(source, m, "data_position");
    Map<String, Object> hyperparameters = object(source, m, "hyperparameters");
    try {
      return new CheckpointMetadata(epoch, step, gens, position, hyperparameters, extra);
    } catch (IllegalArgumentException e) {
      throw CheckpointFormatException.metadata(source, "hyperparameters", e.getMessage());
    }
  }

  private static long number(String source, Map<String, String> m, String key)
      throws CheckpointFormatException {
    String v = required(source, m, key);
    if (NON_NEGATIVE.matcher(v).matches()) {
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException tooLarge) {
        // 19 digits can exceed Long.MAX_VALUE: reported below like any other bad number.
      }
    }
    throw CheckpointFormatException.metadata(
        source, key, "expected a non-negative integer, got \"" + v + "\"");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String source, Map<String, String> m, String key)
      throws CheckpointFormatException {
    String v = required(source, m, key);
    Object parsed;
    try {
      parsed = Json.parse(v);
    } catch (Json.SyntaxException e) {
      throw CheckpointFormatException.metadata(
          source, key, "not valid JSON at character " + e.offset() + ": " + e.getMessage());
    }
    if (!(parsed instanceof Map<?, ?> map)) {
      throw CheckpointFormatException.metadata(source, key, "expected a JSON object, got " + v);
    }
    return (Map<String, Object>) map;
  }

  private static String required(String source, Map<String, String> m, String key)
      throws CheckpointFormatException {
    String v = m.get(key);
    if (v == null) {
      throw CheckpointFormatException.metadata(source, key, "missing");
    }
    return v;
  }

  /** A value for an error message; never throws (the value may hold what JSON cannot write). */
  private static String show(Object v) {
    String s = String.valueOf(v);
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** An immutable copy of a JSON-compatible value with Integer/Float widened (see record doc). */
  static Object normalize(Object v, String where) {
    return switch (v) {
      case null -> throw new IllegalArgumentException(where + " is null (use a value)");
      case String s -> s;
      case Boolean b -> b;
      case Long l -> l;
      case Integer i -> (long) i;
      case Short s -> (long) s;
      case Byte b -> (long) b;
      case Double d -> finite(d, where);
      case Float f -> finite(f.doubleValue(), where);
      case List<?> list -> {
        List<Object> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
          out.add(normalize(list.get(i), where + "[" + i + "]"));
        }
        yield Collections.unmodifiableList(out);
      }
      case Map<?, ?> map -> {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : map.entrySet()) {
          if (!(e.getKey() instanceof String k)) {
            throw new IllegalArgumentException(where + " has a non-string key " + e.getKey());
          }
          out.put(k, normalize(e.getValue(), where + "." + k));
        }
        yield Collections.unmodifiableMap(out);
      }
      default ->
          throw new IllegalArgumentException(
              where
                  + " is "
                  + (v == Json.NULL ? "null" : "a " + v.getClass().getName())
                  + "; use String, Boolean, a number, List or Map");
    };
  }

  private static Double finite(double d, String where) {
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException(where + " is " + d + "; JSON holds finite numbers only");
    }
    return d;
  }
}
