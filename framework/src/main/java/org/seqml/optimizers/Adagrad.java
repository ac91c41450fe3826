package org.seqml.optimizers;

import static org.seqml.backend.OneDnnPasses.In.array;
import static org.seqml.backend.OneDnnPasses.In.scalar;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.OneDnnPasses;
import org.seqml.backend.OneDnnPasses.Op;

/**
 * Adagrad, Keras's {@code Adagrad} (defaults: learning rate 0.001, initial accumulator 0.1,
 * epsilon 1e-7):
 * <pre>
 * s = s + g^2;   w = w - lr g / sqrt(s + epsilon)
 * </pre>
 * On the CPU a float32 weight takes two fused oneDNN passes, each reading its arrays once.
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
        if (fused("adagrad", Adagrad::passes, new INDArray[] {w, g, state[0]}, epsilon, -lr)) {
            return;
        }
        INDArray s = state[0];
        s.addi(g.mul(g));
        w.subi(g.mul(lr).divi(Transforms.sqrt(s.add(epsilon), false)));
    }

    /** Arrays w, g, s; scalars epsilon, -lr:  s = (g * g) + s;  w = ((1 / sqrt(s + epsilon)) * g) * -lr + w. */
    private static OneDnnPasses passes() {
        return OneDnnPasses.with(3, 2)
            .pass(Op.MUL, array(1), array(1)).plusOld(1).into(2)
            .pass(Op.ADD, array(2), scalar(0)).sqrt().reciprocal().then(Op.MUL, array(1)).then(Op.MUL, scalar(1))
            .plusOld(1).into(0)
            .build();
    }
}
