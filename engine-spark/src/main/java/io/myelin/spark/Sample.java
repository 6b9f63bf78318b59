package io.myelin.spark;

import java.io.Serializable;

/**
 * One training row: {@code features} (the model's input row) and {@code target} (a regression
 * target row, or one class index stored as a float when the loss takes class indices).
 */
public record Sample(float[] features, float[] target) implements Serializable {}
