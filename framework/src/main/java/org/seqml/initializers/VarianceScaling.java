package org.seqml.initializers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;

/**
 * Keras's VarianceScaling, the base of the Glorot and He initializers:
 * <pre>
 * n      = fan_in | fan_out | (fan_in + fan_out) / 2        (mode)
 * normal : truncated normal (cut at 2 stddev), stddev = sqrt(scale / n) / 0.87962566103423978
 * uniform: U(-limit, limit), limit = sqrt(3 scale / n)
 * </pre>
 */
public class VarianceScaling extends Seeded {
    /** Which fan the variance is scaled by. */
    public enum Mode { FAN_IN, FAN_OUT, FAN_AVG }

    private final double scale;
    private final Mode mode;
    private final boolean uniform;

    public VarianceScaling(double scale, Mode mode, boolean uniform) {
        super();
        this.scale = scale;
        this.mode = mode;
        this.uniform = uniform;
    }

    public VarianceScaling(double scale, Mode mode, boolean uniform, long seed) {
        super(seed);
        this.scale = scale;
        this.mode = mode;
        this.uniform = uniform;
    }

    @Override
    public INDArray initialize(long[] shape, DataType type) {
        long[] fans = Initializer.fans(shape);
        double n = switch (mode) {
            case FAN_IN -> fans[0];
            case FAN_OUT -> fans[1];
            case FAN_AVG -> (fans[0] + fans[1]) / 2.0;
        };
        double variance = scale / Math.max(1.0, n);
        if (uniform) {
            double limit = Math.sqrt(3.0 * variance);
            return sample(shape, type, (z, rng) -> Ops.uniform(z, -limit, limit, rng));
        }
        // 0.879... is the stddev of a unit normal truncated to [-2, 2]
        double stddev = Math.sqrt(variance) / 0.87962566103423978;
        return sample(shape, type, (z, rng) -> Ops.truncatedNormal(z, 0.0, stddev, rng));
    }

    @Override
    public String kerasName() {
        return "variance_scaling";
    }
}
