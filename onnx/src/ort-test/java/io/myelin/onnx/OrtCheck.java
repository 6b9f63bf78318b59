package io.myelin.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.nn.Layer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/** Runs an exported model in ONNX Runtime and compares it with Myelin's eval-mode forward. */
final class OrtCheck {
  /** Tolerance: |ort - myelin| <= RTOL * max(1, |myelin|) per element. */
  static final double RTOL = 1e-5;

  private OrtCheck() {}

  /** ONNX Runtime's output for {@code x} (row-major, of {@code shape}) through {@code model}. */
  static float[] run(byte[] model, float[] x, int... shape) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] dims = Arrays.stream(shape).asLongStream().toArray();
    try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
        OrtSession.Result r = s.run(Map.of("input", in))) {
      OnnxTensor out =
          (OnnxTensor) r.get("output").orElseThrow(); // the graph output is named "output"
      FloatBuffer fb = out.getFloatBuffer();
      float[] y = new float[fb.remaining()];
      fb.get(y);
      return y;
    }
  }

  /** Myelin's eval-mode output for the same input. */
  static float[] myelin(Layer m, float[] x, int... shape) {
    m.eval();
    try (var ignored = Autograd.noGrad();
        Tensor in = Tensor.of(x, shape)) {
      return m.forward(in).toFloatArray();
    }
  }

  /**
   * Exports {@code m}, runs both, asserts they agree within {@link #RTOL}; returns the max relative
   * error.
   */
  static double assertAgrees(Layer m, float[] x, int... shape) throws Exception {
    byte[] bytes = Onnx.toBytes(m, exampleShape(shape));
    float[] expected = myelin(m, x, shape);
    float[] actual = run(bytes, x, shape);
    assertEquals(expected.length, actual.length, "output size");
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
      worst = Math.max(worst, err);
      final int at = i;
      assertTrue(
          err <= RTOL,
          () -> m + ": element " + at + " ORT " + actual[at] + " vs Myelin " + expected[at]);
    }
    return worst;
  }

  // The export's example has batch 1; the checks run other batch sizes, so the batch must be
  // dynamic.
  private static int[] exampleShape(int[] shape) {
    int[] e = shape.clone();
    e[0] = 1;
    return e;
  }
}
