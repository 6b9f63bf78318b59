package io.myelin.nn;

import io.myelin.Generator;
import io.myelin.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The initialisation schemes by their command-line names, applied to weights (see {@link Init} for
 * the distributions).
 *
 * <pre>{@code
 * InitScheme.byName("he-normal").initialize(model, new Generator(7));
 * }</pre>
 */
public enum InitScheme {
  XAVIER_UNIFORM("xavier-uniform"),
  XAVIER_NORMAL("xavier-normal"),
  HE_UNIFORM("he-uniform"),
  HE_NORMAL("he-normal"),
  /** LeCun normal, std = sqrt(1 / fan_in) ({@code lecun-uniform} is {@link #LECUN_UNIFORM}). */
  LECUN("lecun"),
  LECUN_UNIFORM("lecun-uniform"),
  /** U(-0.05, 0.05) (Keras' RandomUniform default). */
  UNIFORM("uniform"),
  /** N(0, 0.05) (Keras' RandomNormal default). */
  NORMAL("normal"),
  ZEROS("zeros");

  /** Bound / standard deviation of {@link #UNIFORM} and {@link #NORMAL}. */
  public static final double DEFAULT_SCALE = 0.05;

  private final String cliName;

  InitScheme(String cliName) {
    this.cliName = cliName;
  }

  /** The command-line name, e.g. {@code he-normal}. */
  public String cliName() {
    return cliName;
  }

  /**
   * Looks a scheme up by command-line name (case-insensitive; underscores accepted for dashes).
   *
   * @throws IllegalArgumentException naming the accepted names
   */
  public static InitScheme byName(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (InitScheme s : values()) {
      if (s.cliName.equals(n)) {
        return s;
      }
    }
    if (n.equals("lecun-normal")) {
      return LECUN;
    }
    throw new IllegalArgumentException(
        "unknown initialisation '"
            + name
            + "'; expected one of "
            + Arrays.stream(values()).map(InitScheme::cliName).collect(Collectors.joining(", ")));
  }

  /** Overwrites {@code weight} (at least 2-D, except for UNIFORM/NORMAL/ZEROS) in place. */
  public Tensor apply(Tensor weight, Generator g) {
    return switch (this) {
      case XAVIER_UNIFORM -> Init.xavierUniform(weight, g);
      case XAVIER_NORMAL -> Init.xavierNormal(weight, g);
      case HE_UNIFORM -> Init.heUniform(weight, g);
      case HE_NORMAL -> Init.heNormal(weight, g);
      case LECUN -> Init.lecunNormal(weight, g);
      case LECUN_UNIFORM -> Init.lecunUniform(weight, g);
      case UNIFORM -> Init.uniform(weight, DEFAULT_SCALE, g);
      case NORMAL -> Init.normal(weight, DEFAULT_SCALE, g);
      case ZEROS -> Init.zeros(weight);
    };
  }

  /**
   * Initialises every {@link Linear} in {@code model} (including those inside {@link Maxout}): the
   * weight with this scheme, the bias with zeros (the usual choice with these schemes, unlike
   * PyTorch's uniform default bias). Returns the model.
   */
  public Layer initialize(Layer model, Generator g) {
    return model.apply(
        m -> {
          if (m instanceof Linear l) {
            apply(l.weight(), g);
            if (l.bias() != null) {
              Init.zeros(l.bias());
            }
          }
        });
  }
}
