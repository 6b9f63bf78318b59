package io.myelin.onnx;

/**
 * Field numbers and enum values of the ONNX protobuf schema ({@code onnx/onnx.proto}, IR version
 * 8), the subset the exporter writes. One nested class per message.
 */
final class OnnxFields {
  private OnnxFields() {}

  /** IR version 8 (ONNX 1.10+); ONNX Runtime 1.20 reads IR versions up to 10. */
  static final long IR_VERSION = 8;

  /**
   * Default-domain opset 17 (ONNX 1.12): has LayerNormalization; ONNX Runtime 1.20 runs opsets up
   * to 21.
   */
  static final long OPSET = 17;

  static final class Model {
    static final int IR_VERSION = 1,
        PRODUCER_NAME = 2,
        PRODUCER_VERSION = 3,
        GRAPH = 7,
        OPSET_IMPORT = 8,
        METADATA_PROPS = 14;
  }

  static final class StringStringEntry {
    static final int KEY = 1, VALUE = 2;
  }

  static final class OperatorSetId {
    static final int DOMAIN = 1, VERSION = 2;
  }

  static final class Graph {
    static final int NODE = 1, NAME = 2, INITIALIZER = 5, INPUT = 11, OUTPUT = 12;
  }

  static final class Node {
    static final int INPUT = 1, OUTPUT = 2, NAME = 3, OP_TYPE = 4, ATTRIBUTE = 5;
  }

  static final class Attribute {
    static final int NAME = 1, F = 2, I = 3, INTS = 8, TYPE = 20;
    static final int TYPE_FLOAT = 1, TYPE_INT = 2, TYPE_INTS = 7;
  }

  static final class TensorP {
    static final int DIMS = 1, DATA_TYPE = 2, NAME = 8, RAW_DATA = 9;
    static final int FLOAT = 1, INT64 = 7;
  }

  static final class ValueInfo {
    static final int NAME = 1, TYPE = 2;
  }

  static final class Type {
    static final int TENSOR_TYPE = 1;
    static final int ELEM_TYPE = 1, SHAPE = 2;
    static final int DIM = 1;
    static final int DIM_VALUE = 1, DIM_PARAM = 2;
  }
}
