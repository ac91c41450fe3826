package org.seqml.optimizers;

import static org.seqml.backend.Elementwise.array;
import static org.seqml.backend.Elementwise.scalar;

import org.seqml.backend.Elementwise;


/**
 * Adam with decoupled weight decay, Keras's {@code AdamW} (defaults: learning rate 0.001, weight
 * decay 0.004): before each Adam step
 * <pre>
 * w = w (1 - lr weightDecay)
 * </pre>
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
        return with((AdamW o) -> o.weightDecay = value);
    }

    @Override
    public String kerasName() {
        return "adamw";
    }

    /** The decay, then Adam's lines (scalars: the decay factor, then Adam's). */
    @Override
    protected Elementwise rule() {
        Elementwise rule = Elementwise.over(slotCount() + 2, 5).set(array(0), array(0).times(scalar(0)));
        return adam(rule, 1);
    }

    @Override
    protected double[] scalars(long t, double lr) {
        double[] adam = super.scalars(t, lr);
        double[] all = new double[adam.length + 1];
        all[0] = 1 - lr * weightDecay;
        System.arraycopy(adam, 0, all, 1, adam.length);
        return all;
    }
}
