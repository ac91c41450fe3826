package org.seqml.optimizers;

import static org.seqml.backend.Elementwise.array;
import static org.seqml.backend.Elementwise.scalar;

import org.seqml.backend.Elementwise;
import org.seqml.backend.Elementwise.Term;

/**
 * Adam, Keras's {@code Adam} (defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7):
 * <pre>
 * m = m + (1 - beta1)(g - m);   v = v + (1 - beta2)(g^2 - v)
 * a = lr sqrt(1 - beta2^t) / (1 - beta1^t)
 * w = w - a m / (sqrt(v) + epsilon)           (amsgrad: v replaced by max over steps of v)
 * </pre>
 * written for the backend as three lines, each one fused pass over its arrays on the CPU (see
 * docs/performance.md):
 * <pre>
 * m = g (1 - beta1) + beta1 m
 * v = g g (1 - beta2) + beta2 v                 (amsgrad: vmax = max(vmax, v))
 * w = 1 / (sqrt(v) + epsilon) m (-a) + w        (v: vmax with amsgrad)
 * </pre>
 *
 * <pre>{@code
 * model.compile(new Adam(3e-4), "binary_crossentropy");
 * }</pre>
 */
public class Adam extends Optimizer {
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-7;
    private boolean amsgrad;

    public Adam() {
        this(0.001);
    }

    public Adam(double learningRate) {
        super(learningRate);
    }

    /** With a learning rate that follows {@code schedule}. */
    public Adam(org.seqml.optimizers.schedules.LearningRateSchedule schedule) {
        super(schedule);
    }

    public Adam beta1(double value) {
        return with((Adam o) -> o.beta1 = value);
    }

    public Adam beta2(double value) {
        return with((Adam o) -> o.beta2 = value);
    }

    public Adam epsilon(double value) {
        return with((Adam o) -> o.epsilon = value);
    }

    public Adam amsgrad(boolean value) {
        return with((Adam o) -> o.amsgrad = value);
    }

    @Override
    public String kerasName() {
        return "adam";
    }

    /** Slot 0: m; slot 1: v; slot 2: max v (amsgrad). */
    @Override
    protected int slotCount() {
        return amsgrad ? 3 : 2;
    }

    @Override
    protected Elementwise rule() {
        return adam(Elementwise.over(amsgrad ? 5 : 4, 4), 0);
    }

    /**
     * Adam's lines on arrays w, g, m, v (, vmax) and scalars {@code first..first+3}: 1 - beta1,
     * 1 - beta2 (in float64, then rounded, as Keras does: 1 - 0.999f is 1.3e-5 off 0.001),
     * epsilon, -a.
     */
    protected final Elementwise adam(Elementwise rule, int first) {
        Term w = array(0);
        Term g = array(1);
        Term m = array(2);
        Term v = array(3);
        Term vmax = array(4);
        Term oneMinusBeta1 = scalar(first);
        Term oneMinusBeta2 = scalar(first + 1);
        Term eps = scalar(first + 2);
        Term minusA = scalar(first + 3);
        rule.set(m, g.times(oneMinusBeta1).plus(beta1, m))
            .set(v, g.times(g).times(oneMinusBeta2).plus(beta2, v));
        if (amsgrad) {
            rule.set(vmax, vmax.max(v));
        }
        return rule.set(w, (amsgrad ? vmax : v).sqrt().plus(eps).reciprocal().times(m).times(minusA).plus(1, w));
    }

    /** Files before version 2 kept a scratch array as slot 2. */
    @Override
    protected org.nd4j.linalg.api.ndarray.INDArray[] savedSlots(org.nd4j.linalg.api.ndarray.INDArray[] saved) {
        if (saved.length != slotCount() + 1) {
            return saved;
        }
        return amsgrad ? new org.nd4j.linalg.api.ndarray.INDArray[] {saved[0], saved[1], saved[3]}
            : new org.nd4j.linalg.api.ndarray.INDArray[] {saved[0], saved[1]};
    }

    @Override
    protected double[] scalars(long t, double lr) {
        double a = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        return new double[] {1 - beta1, 1 - beta2, epsilon, -a};
    }
}
