package org.seqml.initializers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.Lapack;

/**
 * A random orthogonal matrix times {@code gain}, Keras's {@code Orthogonal} (the default
 * recurrent-kernel initializer):
 * <pre>
 * A ~ N(0, 1) of shape (max(rows, cols), min(rows, cols));  A = Q R
 * Q = Q * sign(diag(R));   W = gain * (Q or Q^T, to shape (rows, cols))
 * </pre>
 * rows is the product of all dimensions but the last; cols is the last.
 */
public final class Orthogonal extends Seeded {
    private final double gain;

    public Orthogonal() {
        this(1.0);
    }

    public Orthogonal(double gain) {
        this.gain = gain;
    }

    public Orthogonal(double gain, long seed) {
        super(seed);
        this.gain = gain;
    }

    @Override
    public INDArray initialize(long[] shape, DataType type) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("Orthogonal initializer needs a shape of rank 2 or more, got rank "
                + shape.length + ".");
        }
        long cols = shape[shape.length - 1];
        long rows = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            rows *= shape[i];
        }
        long big = Math.max(rows, cols);
        long small = Math.min(rows, cols);
        // QR in double for accuracy, then cast to the weight type
        INDArray a = sample(new long[] {big, small}, DataType.DOUBLE, (z, rng) -> Ops.normal(z, 0.0, 1.0, rng));
        INDArray[] qr = Lapack.qr(a);   // reduced: Q (big, small) and diag(R) (small)
        INDArray q = qr[0];
        INDArray signs = Transforms.sign(qr[1], true).reshape(small);
        // columns with a zero diagonal keep their sign
        signs.addi(signs.eq(0).castTo(DataType.DOUBLE));
        q.muliRowVector(signs);
        INDArray w = rows < cols ? q.transpose() : q;
        return w.mul(gain).castTo(type).reshape('c', shape).dup('c');
    }

    @Override
    public String kerasName() {
        return "orthogonal";
    }
}
