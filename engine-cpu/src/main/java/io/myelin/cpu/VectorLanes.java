package io.myelin.cpu;

import jdk.incubator.vector.VectorSpecies;

/**
 * The float species of the element-wise and optimizer kernels ({@link VectorWidth}'s shape), in a
 * class of its own so that it is initialised at its first use, not with the kernel classes:
 * initialising {@code FloatVector} loads ~40 Vector API classes (~30 ms at start-up on this
 * project's machines), which a model whose calls all take the scalar paths ({@link ScalarPath})
 * never needs. Those paths must therefore not read {@link #S}.
 */
final class VectorLanes {
  static final VectorSpecies<Float> S = VectorSpecies.of(float.class, VectorWidth.SHAPE);

  private VectorLanes() {}
}
