package io.myelin.cli;

import io.myelin.examples.ModelSpec;
import picocli.CommandLine.Option;

/** The options that describe the model. */
final class ModelArgs {
  @Option(
      names = "--model",
      paramLabel = "SPEC",
      defaultValue = "mlp:auto-128-auto",
      description =
          "mlp:IN-H1-...-OUT, layer widths; IN and OUT may be 'auto' (taken from the"
              + " data); or a convolutional network cnn:TOKEN-...-CLASSES with tokens cOkK[sS][pP]"
              + " (conv, O channels, KxK, stride, padding), pK[sS] (max pool), aK[sS] (avg pool),"
              + " gap (global avg pool), bn, flatten, fN (dense), dP (dropout), relu|tanh|sigmoid|"
              + "gelu|elu|softplus|swish, CLASSES last (or auto), e.g."
              + " cnn:c32k3-relu-p2-c64k3-relu-p2-flatten-f128-relu-d0.5-10; or a preset: convnet"
              + " (Keras mnist_convnet), lenet5. Images enter as [N, 1, H, W] (default:"
              + " ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--activation",
      paramLabel = "NAME",
      defaultValue = "relu",
      description =
          "Hidden activation: step, sign, identity, piecewise, sigmoid, tanh, hardtanh,"
              + " relu, leaky-relu, elu, softplus, swish, gelu, maxout (default: ${DEFAULT-VALUE}).")
  String activation;

  @Option(
      names = "--batch-norm",
      description = "BatchNorm1d after each hidden Linear (default: off).")
  boolean batchNorm;

  @Option(
      names = "--dropout",
      paramLabel = "P",
      defaultValue = "0",
      description = "Dropout probability after each hidden activation (default: ${DEFAULT-VALUE}).")
  double dropout;

  @Option(
      names = "--init",
      paramLabel = "NAME",
      defaultValue = "default",
      description =
          "Weight initialisation: xavier-uniform, xavier-normal, he-uniform, he-normal,"
              + " lecun, uniform, normal, zeros, or default (PyTorch's Linear default) (default:"
              + " ${DEFAULT-VALUE}).")
  String init;

  /** The spec as given (sizes may still be auto). */
  ModelSpec spec() {
    if (io.myelin.examples.CnnSpec.matches(model)) {
      return ModelSpec.cnn(model, init);
    }
    return new ModelSpec(ModelSpec.parseSizes(model), activation, batchNorm, dropout, init);
  }
}
