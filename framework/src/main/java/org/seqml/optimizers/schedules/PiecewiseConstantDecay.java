package org.seqml.optimizers.schedules;

/**
 * Keras's {@code PiecewiseConstantDecay}: {@code values[0]} up to and including step
 * {@code boundaries[0]}, {@code values[i]} for {@code boundaries[i-1] < step <= boundaries[i]},
 * and the last value after the last boundary.
 *
 * <pre>{@code
 * new SGD(new PiecewiseConstantDecay(new long[] {1000, 2000}, new double[] {0.1, 0.01, 0.001}))
 * }</pre>
 */
public final class PiecewiseConstantDecay implements LearningRateSchedule {
    private final long[] boundaries;
    private final double[] values;

    public PiecewiseConstantDecay(long[] boundaries, double[] values) {
        if (values.length != boundaries.length + 1) {
            throw new IllegalArgumentException("PiecewiseConstantDecay: need one more value than boundaries, got "
                + values.length + " values for " + boundaries.length + " boundaries");
        }
        this.boundaries = boundaries.clone();
        this.values = values.clone();
    }

    @Override
    public double rate(long step) {
        for (int i = 0; i < boundaries.length; i++) {
            if (step <= boundaries[i]) {
                return values[i];
            }
        }
        return values[values.length - 1];
    }
}
