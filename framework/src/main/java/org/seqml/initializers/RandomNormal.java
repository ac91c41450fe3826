package org.seqml.initializers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;

/** N(mean, stddev^2); Keras's defaults are 0 and 0.05. Keras's {@code RandomNormal}. */
public final class RandomNormal extends Seeded {
    private final double mean;
    private final double stddev;

    public RandomNormal() {
        this(0.0, 0.05);
    }

    public RandomNormal(double mean, double stddev) {
        this.mean = mean;
        this.stddev = stddev;
    }

    public RandomNormal(double mean, double stddev, long seed) {
        super(seed);
        this.mean = mean;
        this.stddev = stddev;
    }

    @Override
    public INDArray initialize(long[] shape, DataType type) {
        return sample(shape, type, (z, rng) -> Ops.normal(z, mean, stddev, rng));
    }

    @Override
    public String kerasName() {
        return "random_normal";
    }
}
