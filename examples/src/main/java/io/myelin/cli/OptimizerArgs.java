package io.myelin.cli;

import io.myelin.Tensor;
import io.myelin.optim.AdaDelta;
import io.myelin.optim.AdaGrad;
import io.myelin.optim.AdaMax;
import io.myelin.optim.Adam;
import io.myelin.optim.AdamW;
import io.myelin.optim.ConjugateGradient;
import io.myelin.optim.FullBatchOptimizer;
import io.myelin.optim.LBFGS;
import io.myelin.optim.NAdam;
import io.myelin.optim.NewtonCG;
import io.myelin.optim.Optimizer;
import io.myelin.optim.RMSprop;
import io.myelin.optim.SGD;
import io.myelin.optim.schedule.CosineAnnealing;
import io.myelin.optim.schedule.ExponentialDecay;
import io.myelin.optim.schedule.InverseTimeDecay;
import io.myelin.optim.schedule.LearningRateSchedule;
import io.myelin.optim.schedule.MultiStepDecay;
import io.myelin.optim.schedule.StepDecay;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The optimizer, its hyperparameters, penalties, clipping and learning-rate schedule. Serializable
 * (strings and numbers only) so that {@code --spark} ships it to the workers.
 */
final class OptimizerArgs implements java.io.Serializable {
  static final List<String> NAMES =
      List.of(
          "sgd",
          "adagrad",
          "adadelta",
          "rmsprop",
          "adam",
          "adamw",
          "adamax",
          "nadam",
          "amsgrad",
          "lbfgs",
          "cg",
          "newton-cg");

  @Option(
      names = "--optimizer",
      paramLabel = "NAME",
      defaultValue = "sgd",
      description =
          "sgd, adagrad, adadelta, rmsprop, adam, adamw, adamax, nadam, amsgrad, lbfgs, cg,"
              + " newton-cg (lbfgs, cg and newton-cg take one full-batch step per epoch)"
              + " (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(
      names = "--lr",
      paramLabel = "X",
      description =
          "Learning rate (default: per optimizer: sgd 0.1, adam/adamw/amsgrad 0.001,"
              + " adamax/nadam 0.002, rmsprop/adagrad 0.01, adadelta/lbfgs/cg/newton-cg 1).")
  Double lr;

  @Option(
      names = "--momentum",
      paramLabel = "X",
      defaultValue = "0",
      description = "Momentum of sgd and rmsprop (default: ${DEFAULT-VALUE}).")
  double momentum;

  @Option(names = "--nesterov", description = "Nesterov momentum for sgd (default: off).")
  boolean nesterov;

  @Option(
      names = "--weight-decay",
      paramLabel = "X",
      description = "Weight decay of the optimizer (default: 0; adamw 0.01).")
  Double weightDecay;

  @Option(
      names = "--beta1",
      paramLabel = "X",
      defaultValue = "0.9",
      description = "Adam family: first-moment decay (default: ${DEFAULT-VALUE}).")
  double beta1;

  @Option(
      names = "--beta2",
      paramLabel = "X",
      defaultValue = "0.999",
      description = "Adam family: second-moment decay (default: ${DEFAULT-VALUE}).")
  double beta2;

  @Option(
      names = "--eps",
      paramLabel = "X",
      description =
          "Denominator epsilon (default: per optimizer: 1e-8; adagrad 1e-10," + " adadelta 1e-6).")
  Double eps;

  @Option(
      names = "--l1",
      paramLabel = "X",
      defaultValue = "0",
      description =
          "L1 penalty on the weights (not biases), added to the loss (default:"
              + " ${DEFAULT-VALUE}).")
  double l1;

  @Option(
      names = "--l2",
      paramLabel = "X",
      defaultValue = "0",
      description =
          "L2 penalty X/2 * sum of squares on the weights, added to the loss (gradient X*W,"
              + " as PyTorch's weight decay; default:"
              + " ${DEFAULT-VALUE}).")
  double l2;

  @Option(
      names = "--clip-norm",
      paramLabel = "X",
      defaultValue = "0",
      description = "Clip the global gradient norm to X, 0 for off (default: ${DEFAULT-VALUE}).")
  double clipNorm;

  @Option(
      names = "--clip-value",
      paramLabel = "X",
      defaultValue = "0",
      description = "Clip each gradient element to [-X, X], 0 for off (default: ${DEFAULT-VALUE}).")
  double clipValue;

  @Option(
      names = "--lr-schedule",
      paramLabel = "SPEC",
      defaultValue = "none",
      description =
          "Per-epoch learning-rate schedule: none, step:EPOCHS[:GAMMA],"
              + " multistep:E1,E2,..[:GAMMA], exp:GAMMA, inverse:DECAY, cosine[:MIN_LR]"
              + " (default: ${DEFAULT-VALUE}).")
  String lrSchedule;

  /** The optimizer's name, normalised; refuses unknown names. */
  String name() {
    String n = optimizer.toLowerCase(Locale.ROOT).replace('_', '-');
    if (n.equals("conjugate-gradient")) {
      n = "cg";
    }
    if (n.equals("newtoncg") || n.equals("hessian-free")) {
      n = "newton-cg";
    }
    if (!NAMES.contains(n)) {
      throw new Errors.BadInputException(
          "unknown optimizer '" + optimizer + "'; expected one of " + String.join(", ", NAMES));
    }
    return n;
  }

  boolean fullBatch() {
    String n = name();
    return n.equals("lbfgs") || n.equals("cg") || n.equals("newton-cg");
  }

  /** The learning rate, given or the optimizer's default. */
  double learningRate() {
    double v =
        lr != null
            ? lr
            : switch (name()) {
              case "sgd" -> 0.1;
              case "adam", "adamw", "amsgrad" -> 1e-3;
              case "adamax", "nadam" -> 2e-3;
              case "rmsprop", "adagrad" -> 1e-2;
              default -> 1.0;
            };
    return v;
  }

  /** Checks every number before anything runs. */
  void validate() {
    name();
    double rate = learningRate();
    if (!Double.isFinite(rate) || rate <= 0) {
      throw new Errors.BadInputException("--lr must be a finite number > 0, got " + rate);
    }
    for (var e :
        List.of(
            new Object[] {"--l1", l1},
            new Object[] {"--l2", l2},
            new Object[] {"--clip-norm", clipNorm},
            new Object[] {"--clip-value", clipValue},
            new Object[] {"--weight-decay", weightDecay == null ? 0.0 : weightDecay},
            new Object[] {"--eps", eps == null ? 1.0 : eps})) {
      double v = (Double) e[1];
      if (!Double.isFinite(v) || v < 0) {
        throw new Errors.BadInputException(e[0] + " must be a finite number >= 0, got " + v);
      }
    }
    for (var e :
        List.of(
            new Object[] {"--beta1", beta1},
            new Object[] {"--beta2", beta2},
            new Object[] {"--momentum", momentum})) {
      double v = (Double) e[1];
      if (!(v >= 0 && v < 1)) {
        throw new Errors.BadInputException(e[0] + " must be in [0, 1), got " + v);
      }
    }
    if (nesterov && momentum <= 0) {
      throw new Errors.BadInputException("--nesterov needs --momentum above 0");
    }
    schedule(10);
  }

  /** A per-batch optimizer over {@code params}, or null for lbfgs / cg. */
  Optimizer<?> perBatch(List<Tensor> params) {
    double rate = learningRate();
    double wd = weightDecay == null ? 0 : weightDecay;
    return switch (name()) {
      case "sgd" ->
          new SGD(
              params,
              SGD.Options.of(rate)
                  .withMomentum(momentum)
                  .withNesterov(nesterov)
                  .withWeightDecay(wd));
      case "adam", "amsgrad" ->
          new Adam(
              params,
              Adam.Options.defaults()
                  .withLr(rate)
                  .withBetas(beta1, beta2)
                  .withEps(eps == null ? 1e-8 : eps)
                  .withWeightDecay(wd)
                  .withAmsgrad(name().equals("amsgrad")));
      case "adamw" ->
          new AdamW(
              params,
              AdamW.Options.defaults()
                  .withLr(rate)
                  .withBetas(beta1, beta2)
                  .withEps(eps == null ? 1e-8 : eps)
                  .withWeightDecay(weightDecay == null ? 1e-2 : wd));
      case "adamax" ->
          new AdaMax(
              params,
              AdaMax.Options.defaults()
                  .withLr(rate)
                  .withBetas(beta1, beta2)
                  .withEps(eps == null ? 1e-8 : eps)
                  .withWeightDecay(wd));
      case "nadam" ->
          new NAdam(
              params,
              NAdam.Options.defaults()
                  .withLr(rate)
                  .withBetas(beta1, beta2)
                  .withEps(eps == null ? 1e-8 : eps)
                  .withWeightDecay(wd, false));
      case "rmsprop" ->
          new RMSprop(
              params,
              RMSprop.Options.defaults()
                  .withLr(rate)
                  .withMomentum(momentum)
                  .withEps(eps == null ? 1e-8 : eps)
                  .withWeightDecay(wd));
      case "adagrad" ->
          new AdaGrad(
              params,
              AdaGrad.Options.defaults()
                  .withLr(rate)
                  .withEps(eps == null ? 1e-10 : eps)
                  .withWeightDecay(wd));
      case "adadelta" ->
          new AdaDelta(
              params,
              AdaDelta.Options.defaults()
                  .withLr(rate)
                  .withEps(eps == null ? 1e-6 : eps)
                  .withWeightDecay(wd));
      default -> null;
    };
  }

  /** L-BFGS or CG over {@code params}, or null for the per-batch optimizers. */
  FullBatchOptimizer fullBatch(List<Tensor> params) {
    return switch (name()) {
      case "lbfgs" -> new LBFGS(params, LBFGS.Options.defaults().withLr(learningRate()));
      case "cg" ->
          new ConjugateGradient(
              params, ConjugateGradient.Options.defaults().withLr(learningRate()));
      case "newton-cg" -> new NewtonCG(params, NewtonCG.Options.defaults().withLr(learningRate()));
      default -> null;
    };
  }

  /** The schedule (per epoch), or null for none; {@code epochs} is cosine's period. */
  LearningRateSchedule schedule(int epochs) {
    String s = lrSchedule.toLowerCase(Locale.ROOT).strip();
    String[] p = s.split(":");
    String usage =
        "bad --lr-schedule '"
            + lrSchedule
            + "': expected none, step:EPOCHS[:GAMMA],"
            + " multistep:E1,E2,..[:GAMMA], exp:GAMMA, inverse:DECAY or cosine[:MIN_LR]";
    try {
      return switch (p[0]) {
        case "none", "constant" -> null;
        case "step" ->
            new StepDecay(Integer.parseInt(p[1]), p.length > 2 ? Double.parseDouble(p[2]) : 0.1);
        case "multistep" ->
            new MultiStepDecay(
                Arrays.stream(p[1].split(",")).mapToInt(Integer::parseInt).toArray(),
                p.length > 2 ? Double.parseDouble(p[2]) : 0.1);
        case "exp", "exponential" -> new ExponentialDecay(Double.parseDouble(p[1]));
        case "inverse" -> new InverseTimeDecay(Double.parseDouble(p[1]));
        case "cosine" ->
            new CosineAnnealing(Math.max(1, epochs), p.length > 1 ? Double.parseDouble(p[1]) : 0);
        default -> throw new Errors.BadInputException(usage);
      };
    } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
      throw new Errors.BadInputException(usage);
    } catch (IllegalArgumentException e) {
      throw new Errors.BadInputException(
          "bad --lr-schedule '" + lrSchedule + "': " + e.getMessage());
    }
  }
}
