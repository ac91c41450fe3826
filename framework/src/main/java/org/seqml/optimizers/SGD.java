package org.seqml.optimizers;

import org.nd4j.linalg.api.ndarray.INDArray;

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
        this.momentum = value;
        return this;
    }

    public SGD nesterov(boolean value) {
        this.nesterov = value;
        return this;
    }

    @Override
    public String kerasName() {
        return "sgd";
    }

    @Override
    protected int slotCount() {
        return momentum > 0 ? 1 : 0;
    }

    @Override
    protected void update(INDArray w, INDArray g, INDArray[] state, long t, double lr) {
        if (momentum == 0) {
            w.subi(g.mul(lr));
            return;
        }
        INDArray m = state[0];
        m.muli(momentum).subi(g.mul(lr));
        if (nesterov) {
            w.addi(m.mul(momentum)).subi(g.mul(lr));
        } else {
            w.addi(m);
        }
    }
}
