package org.seqml.initializers;

/** Glorot (Xavier) normal: truncated normal, stddev = sqrt(2 / (fan_in + fan_out)). Keras's {@code glorot_normal}. */
public final class GlorotNormal extends VarianceScaling {
    public GlorotNormal() {
        super(1.0, Mode.FAN_AVG, false);
    }

    public GlorotNormal(long seed) {
        super(1.0, Mode.FAN_AVG, false, seed);
    }

    @Override
    public String kerasName() {
        return "glorot_normal";
    }
}
