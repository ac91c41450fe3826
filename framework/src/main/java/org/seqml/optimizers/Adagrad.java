package org.seqml.optimizers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adagrad, Keras's {@code Adagrad} (defaults: learning rate 0.001, initial accumulator 0.1,
 * epsilon 1e-7):
 * <pre>
 * s = s + g^2;   w = w - lr g / sqrt(s + epsilon)
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
        this.initialAccumulatorValue = value;
        return this;
    }

    public Adagrad epsilon(double value) {
        this.epsilon = value;
        return this;
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

    @Override
    protected void update(INDArray w, INDArray g, INDArray[] state, long t, double lr) {
        INDArray s = state[0];
        s.addi(g.mul(g));
        w.subi(g.mul(lr).divi(Transforms.sqrt(s.add(epsilon), false)));
    }
}
