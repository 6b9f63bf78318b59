package io.myelin.optim;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every option record rejects bad values with a message naming the optimizer, option and value. */
class OptionsValidationTest {

  private static void rejects(Executable e, String... fragments) {
    var ex = assertThrows(IllegalArgumentException.class, e);
    for (String f : fragments) {
      assertTrue(ex.getMessage().contains(f), "'" + ex.getMessage() + "' should mention " + f);
    }
  }

  @Test
  void learningRates() {
    rejects(() -> SGD.Options.of(-0.1), "SGD", "lr", "-0.1");
    rejects(() -> SGD.Options.of(Double.NaN), "SGD", "lr", "NaN");
    rejects(
        () -> Adam.Options.defaults().withLr(Double.POSITIVE_INFINITY), "Adam", "lr", "Infinity");
    rejects(() -> AdamW.Options.defaults().withLr(-1), "AdamW", "lr");
    rejects(() -> AdaMax.Options.defaults().withLr(-1), "AdaMax", "lr");
    rejects(() -> NAdam.Options.defaults().withLr(-1), "NAdam", "lr");
    rejects(() -> RMSprop.Options.defaults().withLr(-1), "RMSprop", "lr");
    rejects(() -> AdaGrad.Options.defaults().withLr(-1), "AdaGrad", "lr");
    rejects(() -> AdaDelta.Options.defaults().withLr(-1), "AdaDelta", "lr");
    assertDoesNotThrow(() -> SGD.Options.of(0)); // lr 0 is allowed (frozen), as in PyTorch
  }

  @Test
  void betasMustLieInTheHalfOpenUnitInterval() {
    rejects(() -> Adam.Options.defaults().withBetas(1.0, 0.999), "beta1", "1.0", "[0, 1)");
    rejects(() -> Adam.Options.defaults().withBetas(0.9, -0.1), "beta2", "-0.1");
    rejects(() -> AdamW.Options.defaults().withBetas(0.9, 1.5), "AdamW", "beta2");
    rejects(() -> AdaMax.Options.defaults().withBetas(2, 0.9), "AdaMax", "beta1");
    rejects(() -> NAdam.Options.defaults().withBetas(0.9, 1), "NAdam", "beta2");
    rejects(() -> SGD.Options.averaged(0.1, 1.0, true), "SGD", "momentum", "[0, 1)");
  }

  @Test
  void epsMustBePositive() {
    rejects(() -> Adam.Options.defaults().withEps(0), "Adam", "eps", "> 0");
    rejects(() -> RMSprop.Options.defaults().withEps(-1e-8), "RMSprop", "eps");
    rejects(() -> AdaGrad.Options.defaults().withEps(0), "AdaGrad", "eps");
    rejects(() -> AdaDelta.Options.defaults().withEps(0), "AdaDelta", "eps");
  }

  @Test
  void otherOptions() {
    rejects(() -> SGD.Options.of(0.1).withMomentum(-0.9), "momentum", "-0.9");
    rejects(() -> SGD.Options.of(0.1).withWeightDecay(-1), "weightDecay");
    rejects(() -> SGD.Options.of(0.1).withDampening(1.5), "dampening");
    rejects(() -> SGD.Options.of(0.1).withNesterov(true), "nesterov", "momentum");
    rejects(
        () -> SGD.Options.of(0.1).withMomentum(0.9).withDampening(0.1).withNesterov(true),
        "nesterov",
        "dampening");
    rejects(() -> new SGD.Options(0.1, 0.9, 0, false, 0, false, true, false), "biasCorrection");
    rejects(() -> RMSprop.Options.defaults().withAlpha(1.1), "alpha");
    rejects(() -> RMSprop.Options.defaults().withMomentum(-1), "momentum");
    // Issue 9: momentum outside [0, 1) is refused (PyTorch takes >= 1, which never forgets).
    rejects(() -> SGD.Options.of(0.1).withMomentum(1.0), "SGD", "momentum", "1.0", "[0, 1)");
    rejects(() -> SGD.Options.of(0.1).withMomentum(Double.NaN), "SGD", "momentum", "NaN");
    rejects(() -> RMSprop.Options.defaults().withMomentum(1.5), "RMSprop", "momentum", "[0, 1)");
    rejects(() -> SGD.Options.of(-0.1), "SGD", "lr", "-0.1");
    rejects(
        () -> Adam.Options.defaults().withLr(Double.POSITIVE_INFINITY), "Adam", "lr", "Infinity");
    rejects(() -> AdaGrad.Options.defaults().withLrDecay(-1), "lrDecay");
    rejects(
        () -> AdaGrad.Options.defaults().withInitialAccumulatorValue(-1),
        "initialAccumulatorValue");
    rejects(() -> AdaDelta.Options.defaults().withRho(1.01), "rho");
    rejects(() -> NAdam.Options.defaults().withMomentumDecay(-1), "momentumDecay");
    rejects(() -> Adam.Options.defaults().withWeightDecay(Double.NaN), "weightDecay");
  }

  @Test
  void defaultsArePyTorchs() {
    assertEquals(
        new Adam.Options(1e-3, 0.9, 0.999, 1e-8, 0, false, false), Adam.Options.defaults());
    assertEquals(1e-2, AdamW.Options.defaults().weightDecay());
    assertEquals(2e-3, AdaMax.Options.defaults().lr());
    assertEquals(4e-3, NAdam.Options.defaults().momentumDecay());
    assertEquals(0.99, RMSprop.Options.defaults().alpha());
    assertEquals(1e-10, AdaGrad.Options.defaults().eps());
    assertEquals(new AdaDelta.Options(1.0, 0.9, 1e-6, 0, false), AdaDelta.Options.defaults());
  }

  @Test
  void stateSlotsFollowTheConfiguration() {
    var plain = SGD.Options.of(0.1).hyperparameters();
    assertEquals(false, OptimizerKind.SGD.usesState(0, plain));
    assertEquals(
        true,
        OptimizerKind.SGD.usesState(0, SGD.Options.of(0.1).withMomentum(0.9).hyperparameters()));
    OptimizerHyperparameters ams = Adam.Options.defaults().withAmsgrad(true).hyperparameters();
    assertEquals(true, OptimizerKind.ADAM.usesState(2, ams));
    assertEquals(false, OptimizerKind.ADAM.usesState(2, Adam.Options.defaults().hyperparameters()));
    var centered = RMSprop.Options.defaults().withCentered(true).hyperparameters();
    assertEquals(false, OptimizerKind.RMSPROP.usesState(1, centered));
    assertEquals(true, OptimizerKind.RMSPROP.usesState(2, centered));
    assertEquals(
        0.5,
        OptimizerKind.ADAGRAD.initialState(
            0, AdaGrad.Options.defaults().withInitialAccumulatorValue(0.5).hyperparameters()));
    assertEquals("exp_avg_sq", OptimizerKind.ADAM.stateName(1));
    assertTrue(AdamW.Options.defaults().hyperparameters().decoupledWeightDecay());
  }

  @Test
  void backendHyperparametersMustBeFinite() {
    rejects(
        () -> OptimizerHyperparameters.adam(Double.NaN, 0.9, 0.999, 1e-8, 0, false, false, false),
        "finite");
  }
}
