package io.myelin.backend;

import io.myelin.DType;
import io.myelin.Layout;
import java.util.Arrays;

/**
 * The building blocks of {@link BackendArguments}: one check each (a storage is present and belongs
 * to the backend, a dtype, a run or a strided view inside its storage, two regions that must not
 * overlap). Every failure is an {@link IllegalArgumentException} whose message starts with {@code
 * "<op>: <what>"}, so the same mistake reads the same on every backend. Positions and extents are
 * computed in {@code long}: no sum of int offsets can wrap around. Stateless; no allocation on the
 * success path (these run before every primitive).
 */
final class ArgumentChecks {
  private ArgumentChecks() {}

  static IllegalArgumentException bad(String op, String message) {
    return new IllegalArgumentException(op + ": " + message);
  }

  /** Throws unless {@code value} is not null. */
  static <T> T present(String op, String what, T value) {
    if (value == null) {
      throw bad(op, what + " is null");
    }
    return value;
  }

  /**
   * Throws unless {@code s} is a live storage of {@code backend}: not null, not freed (that one is
   * an {@link IllegalStateException}), allocated by this backend.
   */
  static Storage storage(Backend backend, String op, String what, Storage s) {
    if (s == null) {
      throw bad(op, what + " is null");
    }
    if (s.owner() != backend) {
      throw bad(
          op,
          s.device().equals(backend.device())
              ? what + " belongs to another backend instance of " + backend.device()
              : what
                  + " lives on "
                  + s.device()
                  + ", this backend runs "
                  + backend.device()
                  + ": move it there first (Tensor.to)");
    }
    if (s.isFreed()) {
      throw new IllegalStateException(op + ": " + what + " is used after it was freed");
    }
    return s;
  }

  /** {@link #storage} for an optional operand: null passes. */
  static Storage optional(Backend backend, String op, String what, Storage s) {
    return s == null ? null : storage(backend, op, what, s);
  }

  /** Throws unless {@code s} is FLOAT32 or FLOAT64; returns its dtype. */
  static DType floating(String op, String what, Storage s) {
    if (!s.dtype().isFloating()) {
      throw bad(op, what + " is " + s.dtype().shortName() + ", expected f32 or f64");
    }
    return s.dtype();
  }

  /** Throws unless {@code s} (when not null) has dtype {@code expected}. */
  static void dtype(String op, String what, Storage s, DType expected) {
    if (s != null && s.dtype() != expected) {
      throw bad(op, what + " is " + s.dtype().shortName() + ", expected " + expected.shortName());
    }
  }

  /** Throws unless {@code value >= 0}. */
  static void size(String op, String what, long value) {
    if (value < 0) {
      throw bad(op, what + " must be >= 0, got " + value);
    }
  }

  /** {@code a * b} for non-negative factors, saturating at Long.MAX_VALUE (then no run fits). */
  static long count(long a, long b) {
    long r = a * b;
    return a != 0 && (r / a != b || r < 0) ? Long.MAX_VALUE : r;
  }

  /** Throws unless elements [offset, offset + n) lie inside {@code s} (when not null). */
  static void run(String op, String what, Storage s, long offset, long n) {
    if (s == null) {
      return;
    }
    if (offset < 0 || n < 0 || offset > s.length() - n) {
      throw bad(
          op,
          what
              + " elements ["
              + offset
              + ", "
              + (n == Long.MAX_VALUE ? "overflow" : String.valueOf(offset + n))
              + ") outside a storage of "
              + s.length());
    }
  }

  /** Throws unless {@code l} is present, has no negative stride and lies inside {@code s}. */
  static Layout view(String op, String what, Storage s, Layout l) {
    if (l == null) {
      throw bad(op, what + " layout is null");
    }
    for (int st : l.strides()) {
      if (st < 0) {
        throw bad(op, what + " has a negative stride: " + l);
      }
    }
    if (l.extent() > s.length()) {
      throw bad(
          op,
          what
              + " "
              + l
              + " reaches element "
              + (l.extent() - 1)
              + " of a storage of "
              + s.length());
    }
    return l;
  }

  /** Throws unless {@code l} has the shape of {@code ref}. */
  static void sameShape(String op, String what, Layout l, String refWhat, Layout ref) {
    if (!Arrays.equals(l.shape(), ref.shape())) {
      throw bad(
          op,
          what
              + " has shape "
              + Arrays.toString(l.shape())
              + ", "
              + refWhat
              + " has "
              + Arrays.toString(ref.shape()));
    }
  }

  /** Throws when an output view writes one element twice (a 0 stride over a dimension > 1). */
  static void notBroadcast(String op, String what, Layout l) {
    for (int d = 0; d < l.rank(); d++) {
      if (l.strides()[d] == 0 && l.shape()[d] > 1) {
        throw bad(op, what + " must not broadcast (0 stride over a dimension > 1): " + l);
      }
    }
  }

  /**
   * Throws when the output run {@code [outOffset, outOffset + outN)} of {@code out} overlaps the
   * input run {@code [inOffset, inOffset + inN)} of {@code in}; with {@code exactAllowed} the
   * output may be exactly the input (an in-place element-wise map).
   */
  static void disjoint(
      String op,
      String outWhat,
      Storage out,
      long outOffset,
      long outN,
      String inWhat,
      Storage in,
      long inOffset,
      long inN,
      boolean exactAllowed) {
    if (out != in || in == null || outN == 0 || inN == 0) {
      return;
    }
    if (outOffset < inOffset + inN && inOffset < outOffset + outN) {
      if (exactAllowed && outOffset == inOffset && outN == inN) {
        return;
      }
      throw bad(
          op,
          outWhat
              + " ["
              + outOffset
              + ", "
              + (outOffset + outN)
              + ") overlaps "
              + inWhat
              + " ["
              + inOffset
              + ", "
              + (inOffset + inN)
              + ") of the same storage"
              + (exactAllowed ? " (only an exact in-place call is allowed)" : ""));
    }
  }

  /**
   * {@link #disjoint} for strided views: decided when both are dense (as PyTorch does; a strided
   * pair may interleave without touching, which only an element walk could tell).
   */
  static void disjoint(
      String op,
      String outWhat,
      Storage out,
      Layout outLayout,
      String inWhat,
      Storage in,
      Layout inLayout,
      boolean exactAllowed) {
    if (out != in || !outLayout.isContiguous() || !inLayout.isContiguous()) {
      return;
    }
    if (exactAllowed && outLayout.offset() == inLayout.offset()) {
      return; // same shape (checked before), same start: exactly the input
    }
    disjoint(
        op,
        outWhat,
        out,
        outLayout.offset(),
        outLayout.size(),
        inWhat,
        in,
        inLayout.offset(),
        inLayout.size(),
        exactAllowed);
  }

  /** Throws unless {@code array} is a host array of {@code dt} holding [offset, offset + n). */
  static void hostArray(String op, String what, Object array, DType dt, int offset, int n) {
    if (array == null) {
      throw bad(op, what + " is null");
    }
    int length =
        switch (array) {
          case float[] f when dt == DType.FLOAT32 -> f.length;
          case double[] d when dt == DType.FLOAT64 -> d.length;
          case int[] i when dt == DType.INT32 -> i.length;
          default ->
              throw bad(
                  op,
                  what
                      + " is "
                      + array.getClass().getSimpleName()
                      + ", expected "
                      + switch (dt) {
                        case FLOAT32 -> "float[]";
                        case FLOAT64 -> "double[]";
                        case INT32 -> "int[]";
                      }
                      + " for a "
                      + dt.shortName()
                      + " storage");
        };
    if (offset < 0 || n < 0 || (long) offset + n > length) {
      throw bad(
          op,
          what
              + " elements ["
              + offset
              + ", "
              + ((long) offset + n)
              + ") outside an array of "
              + length);
    }
  }
}
