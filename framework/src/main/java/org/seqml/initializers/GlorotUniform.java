package org.seqml.initializers;

/** Glorot (Xavier) uniform: limit = sqrt(6 / (fan_in + fan_out)). Keras's {@code glorot_uniform}. */
public final class GlorotUniform extends VarianceScaling {
    public GlorotUniform() {
        super(1.0, Mode.FAN_AVG, true);
    }

    public GlorotUniform(long seed) {
        super(1.0, Mode.FAN_AVG, true, seed);
    }

    @Override
    public String kerasName() {
        return "glorot_uniform";
    }
}
