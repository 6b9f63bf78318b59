package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.nn.Dropout;
import io.myelin.nn.Linear;
import io.myelin.nn.Maxout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** Generator.manualSeed makes layers built without a generator reproducible (torch.manual_seed). */
@Isolated
class GlobalSeedTest {
  /** Weights of a small model built without generators, and one dropout mask, as one array. */
  private static float[] build() {
    Linear a = new Linear(4, 3);
    Maxout m = new Maxout(3, 2, 2);
    Dropout d = new Dropout(0.5);
    d.train(true);
    float[] mask = d.forward(Tensor.ones(64)).toFloatArray();
    float[][] parts = {
      a.weight().toFloatArray(), a.bias().toFloatArray(), m.parameters().get(0).toFloatArray(), mask
    };
    return Arrays.stream(parts).reduce(new float[0], GlobalSeedTest::concat);
  }

  private static float[] concat(float[] x, float[] y) {
    float[] r = Arrays.copyOf(x, x.length + y.length);
    System.arraycopy(y, 0, r, x.length, y.length);
    return r;
  }

  @Test
  void theSameSeedGivesTheSameLayersAndMasks() {
    Generator.manualSeed(42);
    float[] first = build();
    Generator.manualSeed(42);
    assertArrayEquals(first, build());
    Generator.manualSeed(43);
    assertFalse(Arrays.equals(first, build()), "another seed, other weights");
  }

  @Test
  void consecutiveLayersDiffer() {
    Generator.manualSeed(Generator.DEFAULT_SEED);
    float[] w1 = new Linear(4, 3).weight().toFloatArray();
    float[] w2 = new Linear(4, 3).weight().toFloatArray();
    assertFalse(Arrays.equals(w1, w2), "each layer takes the next seed of the stream");
  }
}
