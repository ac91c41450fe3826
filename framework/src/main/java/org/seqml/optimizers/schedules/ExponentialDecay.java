package org.seqml.optimizers.schedules;

/**
 * Keras's {@code ExponentialDecay}:
 * <pre>
 * p = step / decaySteps   (floored with staircase)
 * lr = initial * decayRate^p
 * </pre>
 *
 * <pre>{@code
 * new SGD(new ExponentialDecay(0.1, 1000, 0.96).staircase(true))
 * }</pre>
 */
public final class ExponentialDecay implements LearningRateSchedule {
    private final double initial;
    private final double decaySteps;
    private final double decayRate;
    private boolean staircase;

    public ExponentialDecay(double initial, long decaySteps, double decayRate) {
        this.initial = initial;
        this.decaySteps = decaySteps;
        this.decayRate = decayRate;
    }

    public ExponentialDecay staircase(boolean value) {
        this.staircase = value;
        return this;
    }

    @Override
    public double rate(long step) {
        double p = step / decaySteps;
        return initial * Math.pow(decayRate, staircase ? Math.floor(p) : p);
    }
}
