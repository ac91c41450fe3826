package org.seqml.optimizers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam with decoupled weight decay, Keras's {@code AdamW} (defaults: learning rate 0.001, weight
 * decay 0.004): before each Adam step {@code w = w - lr * weightDecay * w}.
 *
 * <pre>{@code
 * new AdamW(1e-3).weightDecay(0.01)
 * }</pre>
 */
public final class AdamW extends Adam {
    private double weightDecay = 0.004;

    public AdamW() {
        this(0.001);
    }

    public AdamW(double learningRate) {
        super(learningRate);
    }

    /** With a learning rate that follows {@code schedule}. */
    public AdamW(org.seqml.optimizers.schedules.LearningRateSchedule schedule) {
        super(schedule);
    }

    public AdamW weightDecay(double value) {
        if (value < 0) {
            throw new IllegalArgumentException("AdamW: weightDecay must be >= 0, got " + value);
        }
        this.weightDecay = value;
        return this;
    }

    @Override
    public String kerasName() {
        return "adamw";
    }

    @Override
    protected void update(INDArray w, INDArray g, INDArray[] state, long t, double lr) {
        w.muli(1 - lr * weightDecay);
        super.update(w, g, state, t, lr);
    }
}
