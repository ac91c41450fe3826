package org.seqml.optimizers.schedules;

/**
 * Keras's {@code InverseTimeDecay}:
 * <pre>
 * p = step / decaySteps   (floored with staircase)
 * lr = initial / (1 + decayRate * p)
 * </pre>
 *
 * <pre>{@code
 * new SGD(new InverseTimeDecay(0.1, 1000, 0.5))
 * }</pre>
 */
public final class InverseTimeDecay implements LearningRateSchedule {
    private final double initial;
    private final double decaySteps;
    private final double decayRate;
    private boolean staircase;

    public InverseTimeDecay(double initial, long decaySteps, double decayRate) {
        this.initial = initial;
        this.decaySteps = decaySteps;
        this.decayRate = decayRate;
    }

    public InverseTimeDecay staircase(boolean value) {
        this.staircase = value;
        return this;
    }

    @Override
    public double rate(long step) {
        double p = step / decaySteps;
        return initial / (1 + decayRate * (staircase ? Math.floor(p) : p));
    }
}
