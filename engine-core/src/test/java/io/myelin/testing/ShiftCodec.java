package io.myelin.testing;

import io.myelin.Tensor;
import io.myelin.nn.Layer;
import io.myelin.nn.LayerCodec;
import io.myelin.nn.LayerConfig;

/**
 * A user's codec registered the ServiceLoader way (listed in the test resources'
 * META-INF/services/io.myelin.nn.LayerCodec), for {@link Shift}: {@code y = x + offset}.
 */
public final class ShiftCodec implements LayerCodec<ShiftCodec.Shift> {
  /** The user's layer: adds a constant, no parameters. */
  public static final class Shift extends Layer {
    private final double offset;

    public Shift(double offset) {
      this.offset = offset;
    }

    public double offset() {
      return offset;
    }

    @Override
    public Tensor forward(Tensor input) {
      return input.add(offset);
    }

    @Override
    protected String extraRepr() {
      return "offset=" + offset;
    }
  }

  @Override
  public String type() {
    return "test.Shift";
  }

  @Override
  public Class<Shift> layerClass() {
    return Shift.class;
  }

  @Override
  public void write(Shift layer, LayerConfig config) {
    config.put("offset", layer.offset());
  }

  @Override
  public Shift read(LayerConfig config) {
    return new Shift(config.getDouble("offset"));
  }
}
