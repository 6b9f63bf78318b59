package io.myelin.io;

import io.myelin.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;
import java.util.LinkedHashMap;

/**
 * Reads safetensors bytes from a channel in two steps, neither of which needs a backend: {@link
 * #readHeader} validates the whole layout, {@link #readTensor} decodes one tensor to host arrays.
 *
 * <p>Sizes are checked before anything is allocated: the header length against the limit and the
 * file size (a corrupt length of 10 GB is refused after reading 8 bytes), each tensor against the
 * header's validated offsets. Data is read in bounded chunks at explicit positions, never the whole
 * file into one array. A file that shrinks while being read gives a typed error too.
 */
final class SafetensorsReader {
  /** Chunk size for data reads; a multiple of every element size, so no element straddles. */
  static final int CHUNK = 1 << 20;

  /** The largest array the JVM reliably allocates. */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private SafetensorsReader() {}

  /** Reads and validates the length field and the header; reads no tensor data. */
  static SafetensorsHeader readHeader(SeekableByteChannel ch, String source) throws IOException {
    long size = ch.size();
    if (size < 8) {
      throw SafetensorsFormatException.atByte(
          source,
          0,
          "file has " + size + " bytes; a safetensors file starts with an 8-byte header length");
    }
    ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, length, 0, source, "the header length");
    long n = length.getLong(0);
    if (n < 0 || n > SafetensorsHeader.MAX_HEADER_LENGTH) {
      throw SafetensorsFormatException.atByte(
          source,
          0,
          "header length "
              + Long.toUnsignedString(n)
              + " exceeds the limit of "
              + SafetensorsHeader.MAX_HEADER_LENGTH
              + " bytes");
    }
    if (n > size - 8) {
      throw SafetensorsFormatException.atByte(
          source,
          0,
          "header length "
              + n
              + " is larger than the "
              + (size - 8)
              + " bytes that follow it (file truncated or not a safetensors file?)");
    }
    byte[] json = new byte[(int) n];
    readFully(ch, ByteBuffer.wrap(json), 8, source, "the header");
    return SafetensorsHeader.parse(source, json, size - 8 - n);
  }

  /** Reads every tensor, in header order. */
  static LinkedHashMap<String, HostTensor> readAll(
      SeekableByteChannel ch, String source, SafetensorsHeader header) throws IOException {
    LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
    for (SafetensorsHeader.Entry e : header.tensors()) {
      out.put(e.name(), readTensor(ch, source, header, e));
    }
    return out;
  }

  /** Decodes one tensor of a validated header to host arrays, converting its type. */
  static HostTensor readTensor(
      SeekableByteChannel ch, String source, SafetensorsHeader header, SafetensorsHeader.Entry e)
      throws IOException {
    DType target = e.dtype().loadsAs();
    if (target == null) {
      throw SafetensorsFormatException.inTensor(
          source,
          e.name(),
          "dtype "
              + e.dtype()
              + " cannot be loaded: Myelin has no such type "
              + "(it loads floats as F32/F64 and integers as I32)");
    }
    long[] dims = e.shape();
    int[] shape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] > Integer.MAX_VALUE) {
        throw SafetensorsFormatException.inTensor(
            source,
            e.name(),
            "dim "
                + i
                + " of shape "
                + Arrays.toString(dims)
                + " exceeds a tensor dim's limit of 2^31-1");
      }
      shape[i] = (int) dims[i];
    }
    if (e.numel() > MAX_ELEMENTS) {
      throw SafetensorsFormatException.inTensor(
          source,
          e.name(),
          "shape "
              + Arrays.toString(dims)
              + " has "
              + e.numel()
              + " elements; a Myelin tensor holds at most "
              + MAX_ELEMENTS);
    }
    int n = (int) e.numel();
    Object data =
        switch (target) {
          case FLOAT32 -> new float[n];
          case FLOAT64 -> new double[n];
          case INT32 -> new int[n];
        };
    int size = e.dtype().byteSize();
    ByteBuffer buf =
        ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(8, (long) n * size)))
            .order(ByteOrder.LITTLE_ENDIAN);
    long pos = header.dataStart() + e.begin();
    for (int done = 0; done < n; ) {
      int count = Math.min(n - done, buf.capacity() / size);
      buf.clear().limit(count * size);
      readFully(ch, buf, pos, source, "tensor '" + e.name() + "'");
      buf.flip();
      convert(source, e, buf, data, done, count);
      done += count;
      pos += (long) count * size;
    }
    return new HostTensor(target, shape, data);
  }

  private static void convert(
      String source, SafetensorsHeader.Entry e, ByteBuffer b, Object data, int at, int count)
      throws SafetensorsFormatException {
    switch (e.dtype()) {
      case F32 -> b.asFloatBuffer().get((float[]) data, at, count);
      case F64 -> b.asDoubleBuffer().get((double[]) data, at, count);
      case I32 -> b.asIntBuffer().get((int[]) data, at, count);
      case F16 -> {
        float[] f = (float[]) data;
        for (int i = 0; i < count; i++) {
          f[at + i] = Float.float16ToFloat(b.getShort(2 * i));
        }
      }
      case BF16 -> {
        // bfloat16 is the top half of a float32: widening is a shift, exact.
        float[] f = (float[]) data;
        for (int i = 0; i < count; i++) {
          f[at + i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
        }
      }
      case BOOL, U8, I8, I16, U16, U32, I64, U64 -> {
        int[] v = (int[]) data;
        for (int i = 0; i < count; i++) {
          long x =
              switch (e.dtype()) {
                case BOOL -> b.get(i) != 0 ? 1 : 0;
                case U8 -> b.get(i) & 0xFF;
                case I8 -> b.get(i);
                case I16 -> b.getShort(2 * i);
                case U16 -> b.getShort(2 * i) & 0xFFFF;
                case U32 -> b.getInt(4 * i) & 0xFFFFFFFFL;
                case I64 -> b.getLong(8 * i);
                default -> b.getLong(8 * i); // U64: a negative long is above 2^63, refused below
              };
          if (x < Integer.MIN_VALUE
              || x > Integer.MAX_VALUE
              || (e.dtype() == SafetensorsDType.U64 && x < 0)) {
            throw SafetensorsFormatException.inTensor(
                source,
                e.name(),
                "element "
                    + (at + i)
                    + " is "
                    + (e.dtype() == SafetensorsDType.U64
                        ? Long.toUnsignedString(x)
                        : String.valueOf(x))
                    + ", outside the int32 range that "
                    + e.dtype()
                    + " tensors load into");
          }
          v[at + i] = (int) x;
        }
      }
      default -> throw new IllegalStateException("no conversion for " + e.dtype());
    }
  }

  /** Fills {@code buf} from file position {@code pos}, or fails naming what was cut short. */
  static void readFully(
      SeekableByteChannel ch, ByteBuffer buf, long pos, String source, String what)
      throws IOException {
    ch.position(pos);
    while (buf.hasRemaining()) {
      long at = ch.position();
      if (ch.read(buf) < 0) {
        throw SafetensorsFormatException.atByte(
            source,
            at,
            "file ended while reading " + what + " (was it truncated while being read?)");
      }
    }
  }
}
