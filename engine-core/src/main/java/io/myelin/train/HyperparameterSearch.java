package io.myelin.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Grid and random search over hyperparameters, in the shape of scikit-learn's {@code GridSearchCV}
 * / {@code RandomizedSearchCV}: a search space names each hyperparameter with its candidate values
 * (a {@link List}) or, for random search, a {@link Range}; every candidate setting is scored
 * (typically by {@link CrossValidation}) and the settings come back ranked, best first, as a table.
 *
 * <pre>{@code
 * Map<String, Object> space = new LinkedHashMap<>();
 * space.put("lr", List.of(1e-3, 1e-2, 1e-1));
 * space.put("hidden", List.of(16, 64));
 * Ranking r = HyperparameterSearch.run(HyperparameterSearch.grid(space), true,
 *     p -> CrossValidation.kFold(data, new KFold(5, true, 0), trialFor(p)));
 * System.out.print(r.table());            // rank, mean +- std, then the hyperparameters
 * double bestLr = (Double) r.best().params().get("lr");
 * }</pre>
 *
 * <p>Ties keep the candidates' order (the ranking is a stable sort), so a search is reproducible.
 */
public final class HyperparameterSearch {
  private HyperparameterSearch() {}

  /**
   * A continuous range for random search: uniform in {@code [low, high)}, or log-uniform (uniform
   * in the logarithm, as learning rates are usually searched) when {@code log}.
   */
  public record Range(double low, double high, boolean log) {
    public Range {
      if (!(Double.isFinite(low) && Double.isFinite(high) && low < high)) {
        throw new IllegalArgumentException(
            "a range needs finite low < high, got " + low + ", " + high);
      }
      if (log && low <= 0) {
        throw new IllegalArgumentException("a log-uniform range needs low > 0, got " + low);
      }
    }

    double sample(SplittableRandom r) {
      double u = r.nextDouble();
      return log
          ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low)))
          : low + u * (high - low);
    }
  }

  /** Scores one setting; its mean metric is the score, its standard deviation is reported. */
  @FunctionalInterface
  public interface Scorer {
    CrossValidation.Result score(Map<String, Object> params) throws Exception;
  }

  /** One scored setting. */
  public record Candidate(Map<String, Object> params, double mean, double std) {
    public Candidate {
      params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }
  }

  /** The settings ranked best first. */
  public record Ranking(List<Candidate> ranked, boolean higherIsBetter) {
    public Ranking {
      ranked = List.copyOf(ranked);
    }

    public Candidate best() {
      return ranked.getFirst();
    }

    /** A plain-text table: rank, mean, std and one column per hyperparameter. */
    public String table() {
      List<String> names =
          ranked.isEmpty() ? List.of() : List.copyOf(ranked.getFirst().params().keySet());
      StringBuilder sb = new StringBuilder(String.format("%4s  %9s  %9s", "rank", "mean", "std"));
      for (String n : names) {
        sb.append(String.format("  %12s", n));
      }
      sb.append('\n');
      for (int i = 0; i < ranked.size(); i++) {
        Candidate c = ranked.get(i);
        sb.append(String.format("%4d  %9.4f  %9.4f", i + 1, c.mean(), c.std()));
        for (String n : names) {
          sb.append(String.format("  %12s", c.params().get(n)));
        }
        sb.append('\n');
      }
      return sb.toString();
    }
  }

  /**
   * Every combination of the listed values, the last hyperparameter varying fastest (as
   * scikit-learn's {@code ParameterGrid} with sorted keys, here in the space's own order).
   *
   * @param space name -> {@link List} of values, in a map with a defined order
   */
  public static List<Map<String, Object>> grid(Map<String, ?> space) {
    List<Map<String, Object>> out = new ArrayList<>();
    out.add(new LinkedHashMap<>());
    for (var e : space.entrySet()) {
      List<?> values = listOf(e.getKey(), e.getValue());
      List<Map<String, Object>> next = new ArrayList<>(out.size() * values.size());
      for (Map<String, Object> partial : out) {
        for (Object v : values) {
          Map<String, Object> m = new LinkedHashMap<>(partial);
          m.put(e.getKey(), v);
          next.add(m);
        }
      }
      out = next;
    }
    return out;
  }

  /**
   * {@code n} settings drawn independently: a {@link List} gives one of its values uniformly, a
   * {@link Range} a number in it. The same seed draws the same settings.
   */
  public static List<Map<String, Object>> random(Map<String, ?> space, int n, long seed) {
    if (n < 1) {
      throw new IllegalArgumentException("random search needs at least 1 candidate, got " + n);
    }
    SplittableRandom r = new SplittableRandom(seed);
    List<Map<String, Object>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (var e : space.entrySet()) {
        Object spec = e.getValue();
        if (spec instanceof Range range) {
          m.put(e.getKey(), range.sample(r));
        } else {
          List<?> values = listOf(e.getKey(), spec);
          m.put(e.getKey(), values.get(r.nextInt(values.size())));
        }
      }
      out.add(m);
    }
    return out;
  }

  /**
   * Scores every candidate in order and ranks them by mean score, best first.
   *
   * @param higherIsBetter true for accuracy-like scores, false for losses or MSE
   */
  public static Ranking run(
      List<Map<String, Object>> candidates, boolean higherIsBetter, Scorer scorer)
      throws Exception {
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("no candidates to search");
    }
    List<Candidate> scored = new ArrayList<>(candidates.size());
    for (Map<String, Object> p : candidates) {
      CrossValidation.Result r = scorer.score(p);
      scored.add(new Candidate(p, r.meanMetric(), r.stdMetric()));
    }
    Comparator<Candidate> byMean = Comparator.comparingDouble(Candidate::mean);
    // NaN scores (a diverged setting) rank last either way.
    Comparator<Candidate> order =
        Comparator.comparing((Candidate c) -> Double.isNaN(c.mean()))
            .thenComparing(higherIsBetter ? byMean.reversed() : byMean);
    scored.sort(order);
    return new Ranking(scored, higherIsBetter);
  }

  private static List<?> listOf(String name, Object spec) {
    if (spec instanceof List<?> l && !l.isEmpty()) {
      return l;
    }
    throw new IllegalArgumentException(
        "hyperparameter '"
            + name
            + "' needs a non-empty List of"
            + " values"
            + (spec instanceof Range ? " for grid search (a Range is for random search)" : "")
            + ", got "
            + spec);
  }
}
