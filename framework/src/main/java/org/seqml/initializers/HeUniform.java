package org.seqml.initializers;

/** He uniform: limit = sqrt(6 / fan_in). Keras's {@code he_uniform}. */
public final class HeUniform extends VarianceScaling {
    public HeUniform() {
        super(2.0, Mode.FAN_IN, true);
    }

    public HeUniform(long seed) {
        super(2.0, Mode.FAN_IN, true, seed);
    }

    @Override
    public String kerasName() {
        return "he_uniform";
    }
}
