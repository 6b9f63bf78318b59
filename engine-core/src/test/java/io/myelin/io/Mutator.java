package io.myelin.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded mutations of a valid file for the fuzz tests: bit flips, interesting bytes, truncation,
 * extension, spliced slices, a rewritten length field, and header-aware edits that put hostile
 * numbers and JSON tokens where a structured parser is most likely to slip.
 */
final class Mutator {
  private static final byte[] INTERESTING_BYTES = {
    0,
    (byte) 0xFF,
    0x7F,
    (byte) 0x80,
    '"',
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    '-',
    '9',
    '\\',
    ' ',
    (byte) 0xC3,
  };
  private static final String[] HOSTILE_TOKENS = {
    "-1",
    "0",
    "99999999999999999999",
    "9223372036854775807",
    "4294967296",
    "2147483648",
    "1e400",
    "-0",
    "1.5",
    "null",
    "true",
    "\"F64\"",
    "\"F8_E4M3\"",
    "\"I64\"",
    "\"BOOL\"",
    "[]",
    "{}",
    "[0,0]",
    "\"__metadata__\"",
    "\"\\ud800\"",
    "[[[[[[",
    "\"",
    "\\",
  };

  private Mutator() {}

  static byte[] mutate(byte[] base, SplittableRandom r) {
    byte[] b = base.clone();
    int rounds = 1 + r.nextInt(3);
    for (int i = 0; i < rounds; i++) {
      b = once(b, r);
    }
    return b;
  }

  private static byte[] once(byte[] b, SplittableRandom r) {
    if (b.length == 0) {
      return new byte[] {(byte) r.nextInt(256)};
    }
    int headerEnd =
        (int)
            Math.min(b.length, 8 + Math.max(0, Math.min(Integer.MAX_VALUE - 16, headerLength(b))));
    return switch (r.nextInt(9)) {
      case 0 -> { // flip bits
        int at = r.nextInt(b.length);
        b[at] ^= (byte) (1 << r.nextInt(8));
        yield b;
      }
      case 1 -> { // an interesting byte, mostly in the header where the structure is
        int at = r.nextInt(headerEnd);
        b[at] = INTERESTING_BYTES[r.nextInt(INTERESTING_BYTES.length)];
        yield b;
      }
      case 2 -> Arrays.copyOf(b, r.nextInt(b.length)); // truncate
      case 3 -> { // append
        byte[] out = Arrays.copyOf(b, b.length + 1 + r.nextInt(64));
        for (int i = b.length; i < out.length; i++) {
          out[i] = (byte) r.nextInt(256);
        }
        yield out;
      }
      case 4 -> { // rewrite the length field
        if (b.length < 8) {
          yield b;
        }
        long[] lengths = {
          0,
          1,
          7,
          headerLength(b) - 1,
          headerLength(b) + 1,
          b.length,
          b.length - 8,
          -1,
          Long.MIN_VALUE,
          100_000_001L,
          10_000_000_000L,
          r.nextLong()
        };
        ByteBuffer.wrap(b)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(0, lengths[r.nextInt(lengths.length)]);
        yield b;
      }
      case 5 -> { // delete a slice
        int from = r.nextInt(b.length);
        int to = Math.min(b.length, from + 1 + r.nextInt(16));
        byte[] out = new byte[b.length - (to - from)];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(b, to, out, from, b.length - to);
        yield out;
      }
      case 6 -> { // duplicate a slice of the header elsewhere in it
        int from = Math.min(b.length - 1, 8 + r.nextInt(Math.max(1, headerEnd - 8)));
        int len = Math.min(b.length - from, 1 + r.nextInt(40));
        yield insert(b, r.nextInt(headerEnd), Arrays.copyOfRange(b, from, from + len));
      }
      default -> { // replace a token of the header text with a hostile one
        int at = 8 + r.nextInt(Math.max(1, headerEnd - 8));
        if (at >= b.length) {
          yield b;
        }
        int end = at;
        while (end < headerEnd && end - at < 24 && ",:[]{}".indexOf(b[end]) < 0) {
          end++;
        }
        byte[] token =
            HOSTILE_TOKENS[r.nextInt(HOSTILE_TOKENS.length)].getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length - (end - at) + token.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(token, 0, out, at, token.length);
        System.arraycopy(b, end, out, at + token.length, b.length - end);
        if (r.nextBoolean()) {
          fixLength(
              out, headerLength(b) + token.length - (end - at)); // keep the file otherwise coherent
        }
        yield out;
      }
    };
  }

  private static byte[] insert(byte[] b, int at, byte[] piece) {
    byte[] out = new byte[b.length + piece.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(piece, 0, out, at, piece.length);
    System.arraycopy(b, at, out, at + piece.length, b.length - at);
    return out;
  }

  static long headerLength(byte[] b) {
    return b.length < 8 ? 0 : ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
  }

  private static void fixLength(byte[] b, long n) {
    if (b.length >= 8) {
      ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
    }
  }
}
