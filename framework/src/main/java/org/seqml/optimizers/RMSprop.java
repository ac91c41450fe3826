package org.seqml.optimizers;

import static org.seqml.backend.Elementwise.array;
import static org.seqml.backend.Elementwise.scalar;

import org.seqml.backend.Elementwise;
import org.seqml.backend.Elementwise.Term;

/**
 * RMSprop, Keras's {@code RMSprop} (defaults: learning rate 0.001, rho 0.9, momentum 0, epsilon
 * 1e-7, not centered):
 * <pre>
 * v = rho v + (1 - rho) g^2
 * d = v + epsilon                      (centered: a = rho a + (1 - rho) g;  d = v - a^2 + epsilon)
 * step = lr g / sqrt(d)
 * w = w - step                         (momentum: m = momentum m + step;  w = w - m)
 * </pre>
 * written for the backend as
 * <pre>
 * v = g g (1 - rho) + rho v
 * a = g (1 - rho) + rho a                                      (centered)
 * w = 1 / sqrt(v + epsilon) g (-lr) + w                        (centered: sqrt(a a (-1) + v + epsilon))
 * momentum: m = 1 / sqrt(...) g lr + momentum m;   w = w - m
 * </pre>
 *
 * <pre>{@code
 * new RMSprop(1e-3).centered(true)
 * }</pre>
 */
public final class RMSprop extends Optimizer {
    private double rho = 0.9;
    private double momentum;
    private double epsilon = 1e-7;
    private boolean centered;

    public RMSprop() {
        this(0.001);
    }

    public RMSprop(double learningRate) {
        super(learningRate);
    }

    /** With a learning rate that follows {@code schedule}. */
    public RMSprop(org.seqml.optimizers.schedules.LearningRateSchedule schedule) {
        super(schedule);
    }

    public RMSprop rho(double value) {
        return with((RMSprop o) -> o.rho = value);
    }

    public RMSprop momentum(double value) {
        return with((RMSprop o) -> o.momentum = value);
    }

    public RMSprop epsilon(double value) {
        return with((RMSprop o) -> o.epsilon = value);
    }

    public RMSprop centered(boolean value) {
        return with((RMSprop o) -> o.centered = value);
    }

    @Override
    public String kerasName() {
        return "rmsprop";
    }

    /** Slot 0: the mean square; slot 1: the momentum; slot 2: the mean gradient (centered). */
    @Override
    protected int slotCount() {
        return 3;
    }

    /** Arrays w, g, v, m, a; scalars 1 - rho, epsilon, the signed rate (+lr into m, -lr into w), -1. */
    @Override
    protected Elementwise rule() {
        Term w = array(0);
        Term g = array(1);
        Term v = array(2);
        Term m = array(3);
        Term a = array(4);
        Term oneMinusRho = scalar(0);
        Term eps = scalar(1);
        Term signedLr = scalar(2);
        Elementwise rule = Elementwise.over(5, 4).set(v, g.times(g).times(oneMinusRho).plus(rho, v));
        Term denominator;
        if (centered) {
            rule.set(a, g.times(oneMinusRho).plus(rho, a));
            denominator = a.times(a).times(scalar(3)).plus(v).plus(eps);
        } else {
            denominator = v.plus(eps);
        }
        Term step = denominator.sqrt().reciprocal().times(g).times(signedLr);
        if (momentum > 0) {
            return rule.set(m, step.plus(momentum, m)).set(w, w.minus(m));
        }
        return rule.set(w, step.plus(1, w));
    }

    @Override
    protected double[] scalars(long t, double lr) {
        return new double[] {1 - rho, epsilon, momentum > 0 ? lr : -lr, -1.0};
    }
}
