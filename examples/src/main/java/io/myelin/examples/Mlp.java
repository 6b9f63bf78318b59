package io.myelin.examples;

import io.myelin.Generator;
import io.myelin.nn.Activation;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.Dropout;
import io.myelin.nn.InitScheme;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.Maxout;
import io.myelin.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@link Sequential} a {@link ModelSpec} describes, in PyTorch's order, so that its
 * state-dict names are those of the equivalent {@code torch.nn.Sequential}:
 *
 * <pre>
 * mlp:8-20-20-2 relu               0 Linear(8, 20), 1 ReLU, 2 Linear(20, 20), 3 ReLU, 4 Linear(20, 2)
 * mlp:8-20-2 relu --batch-norm     0 Linear, 1 BatchNorm1d(20), 2 ReLU, 3 Linear
 * mlp:8-20-2 relu --dropout 0.5    0 Linear, 1 ReLU, 2 Dropout(0.5), 3 Linear
 * </pre>
 */
public final class Mlp {
  private Mlp() {}

  /**
   * The model of a resolved spec (no {@code auto} sizes), its weights drawn from {@code gen}.
   *
   * @throws IllegalArgumentException for an unknown activation or initialisation name
   */
  public static Sequential build(ModelSpec spec, Generator gen) {
    if (spec.inputs() == ModelSpec.AUTO || spec.outputs() == ModelSpec.AUTO) {
      throw new IllegalArgumentException("resolve the model's auto sizes first: " + spec.text());
    }
    if (spec.cnn() != null) {
      return CnnSpec.parse(spec.cnn()).build(spec.inputs(), spec.outputs(), gen);
    }
    Activation act = Activation.byName(spec.activation());
    InitScheme init =
        spec.init() == null || spec.init().equals("default")
            ? null
            : InitScheme.byName(spec.init());
    List<Layer> layers = new ArrayList<>();
    List<Integer> s = spec.sizes();
    for (int i = 0; i + 1 < s.size(); i++) {
      int in = s.get(i);
      int out = s.get(i + 1);
      boolean last = i + 2 == s.size();
      if (last) {
        layers.add(new Linear(in, out, true, gen));
      } else if (act.isLayer()) {
        layers.add(new Maxout(in, out, ModelSpec.MAXOUT_PIECES, gen));
        if (spec.batchNorm()) {
          layers.add(new BatchNorm1d(out));
        }
      } else {
        layers.add(new Linear(in, out, true, gen));
        if (spec.batchNorm()) {
          layers.add(new BatchNorm1d(out));
        }
        layers.add(act.layer());
      }
      if (!last && spec.dropout() > 0) {
        layers.add(new Dropout(spec.dropout(), gen));
      }
    }
    Sequential model = new Sequential(layers);
    if (init != null) {
      init.initialize(model, gen);
    }
    return model;
  }
}
