package org.seqml.optimizers;

import static org.seqml.backend.Elementwise.array;
import static org.seqml.backend.Elementwise.scalar;

import org.seqml.backend.Elementwise;
import org.seqml.backend.Elementwise.Term;

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, Keras's {@code SGD}
 * (defaults: learning rate 0.01, momentum 0):
 * <pre>
 * momentum 0:  w = w - lr g
 * otherwise:   m = momentum m - lr g;   w = w + m                      (classic)
 *                                       w = w + momentum m - lr g       (nesterov)
 * </pre>
 *
 * <pre>{@code
 * new SGD(0.1).momentum(0.9).nesterov(true)
 * }</pre>
 */
public final class SGD extends Optimizer {
    private double momentum;
    private boolean nesterov;

    public SGD() {
        this(0.01);
    }

    public SGD(double learningRate) {
        super(learningRate);
    }

    /** With a learning rate that follows {@code schedule}. */
    public SGD(org.seqml.optimizers.schedules.LearningRateSchedule schedule) {
        super(schedule);
    }

    public SGD momentum(double value) {
        if (value < 0 || value > 1) {
            throw new IllegalArgumentException("SGD: momentum must be in [0, 1], got " + value);
        }
        return with((SGD o) -> o.momentum = value);
    }

    public SGD nesterov(boolean value) {
        return with((SGD o) -> o.nesterov = value);
    }

    @Override
    public String kerasName() {
        return "sgd";
    }

    @Override
    protected int slotCount() {
        return momentum > 0 ? 1 : 0;
    }

    /** Arrays w, g (, m); scalars -lr, momentum. */
    @Override
    protected Elementwise rule() {
        Term w = array(0);
        Term g = array(1);
        Term m = array(2);
        Term minusLr = scalar(0);
        Term mom = scalar(1);
        if (momentum == 0) {
            return Elementwise.over(2, 2).set(w, g.times(minusLr).plus(1, w));
        }
        Elementwise rule = Elementwise.over(3, 2).set(m, g.times(minusLr).plus(momentum, m));
        if (nesterov) {
            return rule.set(w, m.times(mom).plus(1, w)).set(w, g.times(minusLr).plus(1, w));
        }
        return rule.set(w, w.plus(m));
    }

    @Override
    protected double[] scalars(long t, double lr) {
        return new double[] {-lr, momentum};
    }
}
