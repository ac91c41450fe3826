package org.seqml.optimizers;

import static org.seqml.backend.OneDnnPasses.In.array;
import static org.seqml.backend.OneDnnPasses.In.scalar;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.OneDnnPasses;
import org.seqml.backend.OneDnnPasses.Op;

/**
 * RMSprop, Keras's {@code RMSprop} (defaults: learning rate 0.001, rho 0.9, momentum 0, epsilon
 * 1e-7, not centered):
 * <pre>
 * v = rho v + (1 - rho) g^2
 * d = v + epsilon                      (centered: a = rho a + (1 - rho) g;  d = v - a^2 + epsilon)
 * step = lr g / sqrt(d)
 * w = w - step                         (momentum: m = momentum m + step;  w = w - m)
 * </pre>
 * On the CPU a float32 weight takes two fused oneDNN passes (three centered or with momentum), each
 * reading its arrays once; ND4J's square root computes one element at a time.
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
        if (fused(java.util.List.of(rho, momentum, centered), this::passes,
            new INDArray[] {w, g, state[0], state[1], state[2]}, 1 - rho, epsilon, momentum > 0 ? lr : -lr, -1.0)) {
            return;
        }
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

    /**
     * Arrays w, g, v, the momentum m, the mean gradient a; scalars 1 - rho, epsilon, the signed
     * rate (+lr into m with momentum, -lr into w without), -1:
     * <pre>
     * v = ((g * g) * (1 - rho)) + rho v
     * a = (g * (1 - rho)) + rho a                                            (centered)
     * d = v + epsilon,  centered: ((a * a) * -1 + v) + epsilon
     * w = ((1 / sqrt(d)) * g) * -lr + w,  momentum: m = ((1 / sqrt(d)) * g) * lr + momentum m;  w = w - m
     * </pre>
     */
    private OneDnnPasses passes() {
        int w = 0;
        int g = 1;
        int v = 2;
        int m = 3;
        int a = 4;
        OneDnnPasses.Builder b = OneDnnPasses.with(5, 4)
            .pass(Op.MUL, array(g), array(g)).then(Op.MUL, scalar(0)).plusOld(rho).into(v);
        if (centered) {
            b.pass(Op.MUL, array(g), scalar(0)).plusOld(rho).into(a)
                .pass(Op.MUL, array(a), array(a)).then(Op.MUL, scalar(3)).then(Op.ADD, array(v)).then(Op.ADD, scalar(1));
        } else {
            b.pass(Op.ADD, array(v), scalar(1));
        }
        b.sqrt().reciprocal().then(Op.MUL, array(g)).then(Op.MUL, scalar(2));
        if (momentum > 0) {
            b.plusOld(momentum).into(m).pass(Op.SUB, array(w), array(m)).into(w);
        } else {
            b.plusOld(1).into(w);
        }
        return b.build();
    }
}
