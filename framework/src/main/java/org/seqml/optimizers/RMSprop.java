package org.seqml.optimizers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * RMSprop, Keras's {@code RMSprop} (defaults: learning rate 0.001, rho 0.9, momentum 0, epsilon
 * 1e-7, not centered):
 * <pre>
 * v = rho v + (1 - rho) g^2
 * d = v + epsilon                      (centered: a = rho a + (1 - rho) g;  d = v - a^2 + epsilon)
 * step = lr g / sqrt(d)
 * w = w - step                         (momentum: m = momentum m + step;  w = w - m)
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
        this.rho = value;
        return this;
    }

    public RMSprop momentum(double value) {
        this.momentum = value;
        return this;
    }

    public RMSprop epsilon(double value) {
        this.epsilon = value;
        return this;
    }

    public RMSprop centered(boolean value) {
        this.centered = value;
        return this;
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

    @Override
    protected void update(INDArray w, INDArray g, INDArray[] state, long t, double lr) {
        INDArray v = state[0];
        v.muli(rho).addi(g.mul(g).muli(1 - rho));
        INDArray denominator = v.add(epsilon);
        if (centered) {
            INDArray a = state[2];
            a.muli(rho).addi(g.mul(1 - rho));
            denominator.subi(a.mul(a));
        }
        INDArray step = g.mul(lr).divi(Transforms.sqrt(denominator, false));
        if (momentum > 0) {
            state[1].muli(momentum).addi(step);
            w.subi(state[1]);
        } else {
            w.subi(step);
        }
    }
}
