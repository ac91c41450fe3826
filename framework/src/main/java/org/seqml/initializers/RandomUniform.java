package org.seqml.initializers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;

/** U(minval, maxval); Keras's defaults are -0.05 and 0.05. Keras's {@code RandomUniform}. */
public final class RandomUniform extends Seeded {
    private final double minval;
    private final double maxval;

    public RandomUniform() {
        this(-0.05, 0.05);
    }

    public RandomUniform(double minval, double maxval) {
        this.minval = minval;
        this.maxval = maxval;
    }

    public RandomUniform(double minval, double maxval, long seed) {
        super(seed);
        this.minval = minval;
        this.maxval = maxval;
    }

    @Override
    public INDArray initialize(long[] shape, DataType type) {
        return sample(shape, type, (z, rng) -> Ops.uniform(z, minval, maxval, rng));
    }

    @Override
    public String kerasName() {
        return "random_uniform";
    }
}
