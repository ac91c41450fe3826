package org.seqml.optimizers.schedules;

/**
 * Keras's {@code PolynomialDecay} (defaults: end 1e-4, power 1, no cycle):
 * <pre>
 * without cycle: s = min(step, decaySteps);       D = decaySteps
 * with cycle:    s = step;  D = decaySteps * max(1, ceil(step / decaySteps))
 * lr = (initial - end) * (1 - s / D)^power + end
 * </pre>
 *
 * <pre>{@code
 * new Adam(new PolynomialDecay(1e-3, 10_000).end(1e-5).power(0.5))
 * }</pre>
 */
public final class PolynomialDecay implements LearningRateSchedule {
    private final double initial;
    private final double decaySteps;
    private double end = 1e-4;
    private double power = 1.0;
    private boolean cycle;

    public PolynomialDecay(double initial, long decaySteps) {
        this.initial = initial;
        this.decaySteps = decaySteps;
    }

    public PolynomialDecay end(double value) {
        this.end = value;
        return this;
    }

    public PolynomialDecay power(double value) {
        this.power = value;
        return this;
    }

    public PolynomialDecay cycle(boolean value) {
        this.cycle = value;
        return this;
    }

    @Override
    public double rate(long step) {
        double s = step;
        double d = decaySteps;
        if (cycle) {
            d = decaySteps * Math.max(1.0, Math.ceil(step / decaySteps));
        } else {
            s = Math.min(step, decaySteps);
        }
        return (initial - end) * Math.pow(1 - s / d, power) + end;
    }
}
