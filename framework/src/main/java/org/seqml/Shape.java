package org.seqml;

import java.util.Arrays;

/**
 * The shape of a tensor, where a dimension may be unknown until data arrives (Keras's {@code None}):
 * the batch dimension always, and often the time dimension.
 *
 * <p>Shapes here include the batch dimension, as Keras's {@code build(input_shape)} sees them.
 * {@code Shape.of(UNKNOWN, UNKNOWN, 8)} is a batch of sequences of any length with 8 features; it
 * prints as {@code (None, None, 8)}.
 *
 * <pre>{@code
 * Shape s = Shape.of(Shape.UNKNOWN, 20, 8);
 * s.rank();        // 3
 * s.last();        // 8
 * s.matches(new long[] {32, 20, 8});   // true
 * }</pre>
 */
public final class Shape {
    /** An unknown dimension. */
    public static final long UNKNOWN = -1;

    private final long[] dims;

    private Shape(long[] dims) {
        for (long d : dims) {
            if (d < 0 && d != UNKNOWN) {
                throw new IllegalArgumentException("Shape dimensions are positive or UNKNOWN (-1), got " + Arrays.toString(dims));
            }
        }
        this.dims = dims.clone();
    }

    /** A shape from its dimensions; {@link #UNKNOWN} marks an unknown one. */
    public static Shape of(long... dims) {
        return new Shape(dims);
    }

    /** The shape of a batch of samples of the given per-sample shape (batch dimension unknown). */
    public static Shape batchOf(long... sampleDims) {
        long[] d = new long[sampleDims.length + 1];
        d[0] = UNKNOWN;
        System.arraycopy(sampleDims, 0, d, 1, sampleDims.length);
        return new Shape(d);
    }

    public int rank() {
        return dims.length;
    }

    /** Dimension {@code axis}; negative axes count from the end. */
    public long get(int axis) {
        return dims[axis < 0 ? dims.length + axis : axis];
    }

    public long last() {
        return dims[dims.length - 1];
    }

    public boolean isKnown(int axis) {
        return get(axis) != UNKNOWN;
    }

    public long[] dims() {
        return dims.clone();
    }

    /** This shape with dimension {@code axis} replaced. */
    public Shape with(int axis, long value) {
        long[] d = dims.clone();
        d[axis < 0 ? d.length + axis : axis] = value;
        return new Shape(d);
    }

    /** This shape without its first (batch) dimension. */
    public Shape sample() {
        return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
    }

    /** The number of elements per sample, or UNKNOWN when a non-batch dimension is unknown. */
    public long sampleSize() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] == UNKNOWN) {
                return UNKNOWN;
            }
            n *= dims[i];
        }
        return n;
    }

    /** True when {@code actual} has this rank and agrees on every known dimension. */
    public boolean matches(long[] actual) {
        if (actual.length != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != UNKNOWN && dims[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Keras's notation: {@code (None, 20, 8)}. */
    @Override
    public String toString() {
        return format(dims);
    }

    /** Formats concrete or partial dimensions in Keras's notation. */
    public static String format(long[] dims) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i] == UNKNOWN ? "None" : Long.toString(dims[i]));
        }
        if (dims.length == 1) {
            sb.append(',');
        }
        return sb.append(')').toString();
    }
}
