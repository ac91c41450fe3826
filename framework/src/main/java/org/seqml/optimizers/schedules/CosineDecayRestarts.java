package org.seqml.optimizers.schedules;

/**
 * Keras's {@code CosineDecayRestarts} (SGDR, Loshchilov and Hutter 2017; defaults tMul 2, mMul 1,
 * alpha 0): cosine decay over {@code firstDecaySteps}, then restarts, each period {@code tMul}
 * times longer and each peak {@code mMul} times lower.
 * <pre>
 * f = step / firstDecaySteps
 * tMul = 1: i = floor(f);  f = f - i
 * else:     i = floor(log(1 - f (1 - tMul)) / log tMul);  f = (f - (1 - tMul^i) / (1 - tMul)) / tMul^i
 * lr = initial * ((1 - alpha) * mMul^i * (1 + cos(pi f)) / 2 + alpha)
 * </pre>
 *
 * <pre>{@code
 * new SGD(new CosineDecayRestarts(0.1, 1000))
 * }</pre>
 */
public final class CosineDecayRestarts implements LearningRateSchedule {
    private final double initial;
    private final double firstDecaySteps;
    private double tMul = 2.0;
    private double mMul = 1.0;
    private double alpha;

    public CosineDecayRestarts(double initial, long firstDecaySteps) {
        this.initial = initial;
        this.firstDecaySteps = firstDecaySteps;
    }

    public CosineDecayRestarts tMul(double value) {
        this.tMul = value;
        return this;
    }

    public CosineDecayRestarts mMul(double value) {
        this.mMul = value;
        return this;
    }

    public CosineDecayRestarts alpha(double value) {
        this.alpha = value;
        return this;
    }

    @Override
    public double rate(long step) {
        double f = step / firstDecaySteps;
        double restart;
        if (tMul == 1.0) {
            restart = Math.floor(f);
            f -= restart;
        } else {
            restart = Math.floor(Math.log(1 - f * (1 - tMul)) / Math.log(tMul));
            double before = (1 - Math.pow(tMul, restart)) / (1 - tMul);
            f = (f - before) / Math.pow(tMul, restart);
        }
        double cosine = 0.5 * Math.pow(mMul, restart) * (1 + Math.cos(Math.PI * f));
        return initial * ((1 - alpha) * cosine + alpha);
    }
}
