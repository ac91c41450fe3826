package org.seqml.initializers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every value the same: Keras's {@code Constant}, and {@code zeros} / {@code ones}. */
public final class Constant implements Initializer {
    public static final Constant ZEROS = new Constant(0.0);
    public static final Constant ONES = new Constant(1.0);

    private final double value;

    public Constant(double value) {
        this.value = value;
    }

    public double value() {
        return value;
    }

    @Override
    public INDArray initialize(long[] shape, DataType type) {
        return Nd4j.valueArrayOf(shape, value, type);
    }

    @Override
    public String kerasName() {
        return value == 0.0 ? "zeros" : value == 1.0 ? "ones" : "constant";
    }
}
