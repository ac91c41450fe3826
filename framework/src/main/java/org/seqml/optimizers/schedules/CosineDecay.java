package org.seqml.optimizers.schedules;

/**
 * Keras's {@code CosineDecay}, with optional linear warm-up (Loshchilov and Hutter 2017):
 * <pre>
 * step < warmupSteps:  lr = initial + (warmupTarget - initial) * step / warmupSteps
 * after:               s = min(step - warmupSteps, decaySteps)
 *                      lr = top * ((1 - alpha) * (1 + cos(pi s / decaySteps)) / 2 + alpha)
 *                      top = warmupTarget with warm-up, else initial
 * </pre>
 *
 * <pre>{@code
 * new Adam(new CosineDecay(0.0, 10_000).warmup(1e-3, 500))
 * }</pre>
 */
public final class CosineDecay implements LearningRateSchedule {
    private final double initial;
    private final double decaySteps;
    private double alpha;
    private Double warmupTarget;
    private long warmupSteps;

    public CosineDecay(double initial, long decaySteps) {
        this.initial = initial;
        this.decaySteps = decaySteps;
    }

    /** The floor as a fraction of the top rate. */
    public CosineDecay alpha(double value) {
        this.alpha = value;
        return this;
    }

    /** Rises linearly from the initial rate to {@code target} over {@code steps} steps first. */
    public CosineDecay warmup(double target, long steps) {
        this.warmupTarget = target;
        this.warmupSteps = steps;
        return this;
    }

    @Override
    public double rate(long step) {
        if (warmupTarget != null && step < warmupSteps) {
            return initial + (warmupTarget - initial) * step / warmupSteps;
        }
        double top = warmupTarget != null ? warmupTarget : initial;
        double s = Math.min(step - warmupSteps, decaySteps);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * s / decaySteps));
        return top * ((1 - alpha) * cosine + alpha);
    }
}
