package io.myelin.nn;

import io.myelin.io.SafetensorsFormatException;

/**
 * A safetensors file is not a model file {@link ModelFiles#load} can rebuild: no architecture in
 * its metadata (a plain state dict), a newer format version, a layer type without a codec, a layer
 * configuration that is incomplete, or weights that do not fit the architecture. The message starts
 * with the file name, then names the layer ({@code layer '3.linear'}) or the metadata entry.
 */
public final class ModelFormatException extends SafetensorsFormatException {
  ModelFormatException(String source, String message) {
    super(source, -1, null, message);
  }
}
