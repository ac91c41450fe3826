package org.seqml.optimizers;

import static org.seqml.backend.Elementwise.array;
import static org.seqml.backend.Elementwise.scalar;

import org.seqml.backend.Elementwise;
import org.seqml.backend.Elementwise.Term;

/**
 * Adagrad, Keras's {@code Adagrad} (defaults: learning rate 0.001, initial accumulator 0.1,
 * epsilon 1e-7):
 * <pre>
 * s = s + g^2;   w = w - lr g / sqrt(s + epsilon)
 * </pre>
 * written for the backend as
 * <pre>
 * s = g g + s;   w = 1 / sqrt(s + epsilon) g (-lr) + w
 * </pre>
 *
 * <pre>{@code
 * new Adagrad(0.01)
 * }</pre>
 */
public final class Adagrad extends Optimizer {
    private double initialAccumulatorValue = 0.1;
    private double epsilon = 1e-7;

    public Adagrad() {
        this(0.001);
    }

    public Adagrad(double learningRate) {
        super(learningRate);
    }

    /** With a learning rate that follows {@code schedule}. */
    public Adagrad(org.seqml.optimizers.schedules.LearningRateSchedule schedule) {
        super(schedule);
    }

    public Adagrad initialAccumulatorValue(double value) {
        return with((Adagrad o) -> o.initialAccumulatorValue = value);
    }

    public Adagrad epsilon(double value) {
        return with((Adagrad o) -> o.epsilon = value);
    }

    @Override
    public String kerasName() {
        return "adagrad";
    }

    @Override
    protected int slotCount() {
        return 1;
    }

    @Override
    protected double initialSlotValue(int i) {
        return initialAccumulatorValue;
    }

    /** Arrays w, g, s; scalars epsilon, -lr. */
    @Override
    protected Elementwise rule() {
        Term w = array(0);
        Term g = array(1);
        Term acc = array(2);
        return Elementwise.over(3, 2)
            .set(acc, g.times(g).plus(1, acc))
            .set(w, acc.plus(scalar(0)).sqrt().reciprocal().times(g).times(scalar(1)).plus(1, w));
    }

    @Override
    protected double[] scalars(long t, double lr) {
        return new double[] {epsilon, -lr};
    }
}
