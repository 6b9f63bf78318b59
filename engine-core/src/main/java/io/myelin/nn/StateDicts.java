package io.myelin.nn;

import io.myelin.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Validation of a state dict against a module's own, for {@link Layer#loadStateDict}: every
 * mismatch is collected first so that one message lists them all and nothing is half loaded.
 */
public final class StateDicts {
  private StateDicts() {}

  /**
   * What a load did not match.
   *
   * @param missingKeys keys of the module absent from the given state (left unchanged)
   * @param unexpectedKeys keys of the given state the module does not have (ignored)
   */
  public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
    public LoadResult {
      missingKeys = List.copyOf(missingKeys);
      unexpectedKeys = List.copyOf(unexpectedKeys);
    }
  }

  /**
   * Compares names and shapes.
   *
   * @throws IllegalArgumentException listing every shape mismatch (always) and every missing or
   *     unexpected key (when {@code strict}), with the shapes involved
   */
  static LoadResult validate(
      String moduleName, Map<String, Tensor> own, Map<String, Tensor> given, boolean strict) {
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (var e : own.entrySet()) {
      Tensor src = given.get(e.getKey());
      if (src == null) {
        missing.add(e.getKey());
        if (strict) {
          problems.add(
              "missing key '"
                  + e.getKey()
                  + "' (expected shape "
                  + Arrays.toString(e.getValue().shape())
                  + ")");
        }
      } else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
        problems.add(
            "size mismatch for '"
                + e.getKey()
                + "': checkpoint has shape "
                + Arrays.toString(src.shape())
                + ", the module has shape "
                + Arrays.toString(e.getValue().shape()));
      } else if (src.dtype().isFloating() != e.getValue().dtype().isFloating()) {
        problems.add(
            "dtype mismatch for '"
                + e.getKey()
                + "': checkpoint has "
                + src.dtype().shortName()
                + ", the module has "
                + e.getValue().dtype().shortName());
      }
    }
    for (var e : given.entrySet()) {
      if (!own.containsKey(e.getKey())) {
        unexpected.add(e.getKey());
        if (strict) {
          problems.add(
              "unexpected key '"
                  + e.getKey()
                  + "' (shape "
                  + Arrays.toString(e.getValue().shape())
                  + ")");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "Error(s) in loading state dict for "
              + moduleName
              + " ("
              + problems.size()
              + "); nothing was loaded:\n  "
              + String.join("\n  ", problems));
    }
    return new LoadResult(missing, unexpected);
  }
}
