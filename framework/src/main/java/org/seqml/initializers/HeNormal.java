package org.seqml.initializers;

/** He normal: truncated normal, stddev = sqrt(2 / fan_in). Keras's {@code he_normal}. */
public final class HeNormal extends VarianceScaling {
    public HeNormal() {
        super(2.0, Mode.FAN_IN, false);
    }

    public HeNormal(long seed) {
        super(2.0, Mode.FAN_IN, false, seed);
    }

    @Override
    public String kerasName() {
        return "he_normal";
    }
}
