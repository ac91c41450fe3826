package org.seqml.optimizers;

import static org.seqml.backend.OneDnnPasses.In.array;
import static org.seqml.backend.OneDnnPasses.In.scalar;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.Ops;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.OneDnnPasses;
import org.seqml.backend.OneDnnPasses.Op;

/**
 * Adam, Keras's {@code Adam} (defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7):
 * <pre>
 * m = m + (1 - beta1)(g - m);   v = v + (1 - beta2)(g^2 - v)
 * a = lr sqrt(1 - beta2^t) / (1 - beta1^t)
 * w = w - a m / (sqrt(v) + epsilon)           (amsgrad: v replaced by max over steps of v)
 * </pre>
 * On the CPU a float32 weight takes three fused oneDNN passes, one per line (W1's 2.69M weights:
 * 2.4-3.4 ms a step with cold caches, against 6.1-9.4 ms for nine in-place ND4J passes; ND4J's
 * fused {@code adam_updater} takes 7.2 ms per 1.28M weights, its square root running one element
 * at a time):
 * <pre>
 * m = (g * (1 - beta1)) + beta1 m
 * v = ((g * g) * (1 - beta2)) + beta2 v                       (amsgrad: vmax = max(vmax, v))
 * w = ((1 / (sqrt(v + 0) + epsilon)) * m) * (-a) + w          (v: vmax with amsgrad)
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
        this.beta1 = value;
        return this;
    }

    public Adam beta2(double value) {
        this.beta2 = value;
        return this;
    }

    public Adam epsilon(double value) {
        this.epsilon = value;
        return this;
    }

    public Adam amsgrad(boolean value) {
        this.amsgrad = value;
        return this;
    }

    @Override
    public String kerasName() {
        return "adam";
    }

    /** Slot 0: m; slot 1: v; slot 2: scratch; slot 3: max v (amsgrad). */
    @Override
    protected int slotCount() {
        return amsgrad ? 4 : 3;
    }

    @Override
    protected void update(INDArray w, INDArray g, INDArray[] state, long t, double lr) {
        INDArray m = state[0];
        INDArray v = state[1];
        INDArray scratch = state[2];
        INDArray max = amsgrad ? state[3] : null;
        double alpha = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        INDArray[] arrays = amsgrad ? new INDArray[] {w, g, m, v, max} : new INDArray[] {w, g, m, v};
        // 1 - beta in float64, then rounded, as Keras does: 1 - 0.999f is 1.3e-5 off 0.001
        if (fused(java.util.List.of(beta1, beta2, amsgrad), this::passes, arrays, 1 - beta1, 1 - beta2, epsilon, -alpha,
            0.0)) {
            return;
        }
        moments(g, m, v, scratch, max);
        denominator(amsgrad ? max : v, scratch);
        step(alpha, w, m, scratch);
    }

    /**
     * The three passes (four with amsgrad) over arrays w, g, m, v (, vmax) and scalars 1 - beta1,
     * 1 - beta2, epsilon, -alpha, 0 ("+ 0" only gives the last pass its first input; add, not max,
     * which would turn a NaN into 0).
     */
    private OneDnnPasses passes() {
        int w = 0;
        int g = 1;
        int m = 2;
        int v = 3;
        int vmax = 4;
        OneDnnPasses.Builder b = OneDnnPasses.with(amsgrad ? 5 : 4, 5)
            .pass(Op.MUL, array(g), scalar(0)).plusOld(beta1).into(m)
            .pass(Op.MUL, array(g), array(g)).then(Op.MUL, scalar(1)).plusOld(beta2).into(v);
        if (amsgrad) {
            b.pass(Op.MAX, array(vmax), array(v)).into(vmax);
        }
        return b.pass(Op.ADD, array(amsgrad ? vmax : v), scalar(4)).sqrt().then(Op.ADD, scalar(2)).reciprocal()
            .then(Op.MUL, array(m)).then(Op.MUL, scalar(3)).plusOld(1).into(w)
            .build();
    }

    /** m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  max = max(max, v) (amsgrad). */
    private void moments(INDArray g, INDArray m, INDArray v, INDArray scratch, INDArray max) {
        // in place throughout: no weight-sized temporaries per step
        m.muli(beta1);
        axpy(1 - beta1, g, m);
        g.mul(g, scratch);
        v.muli(beta2);
        axpy(1 - beta2, scratch, v);
        if (max != null) {
            Transforms.max(max, v, false);
        }
    }

    /** scratch = sqrt(second) + epsilon. */
    private void denominator(INDArray second, INDArray scratch) {
        Ops.sqrt(second, scratch);
        scratch.addi(epsilon);
    }

    /** w = w - alpha m / scratch (scratch is overwritten). */
    private static void step(double alpha, INDArray w, INDArray m, INDArray scratch) {
        m.div(scratch, scratch);
        axpy(-alpha, scratch, w);
    }

    /**
     * y += a x, in place, by ND4J's pairwise op on the calling thread: BLAS's axpy woke OpenBLAS's
     * worker threads, which then spun on the second core through the next oneDNN calls.
     */
    private static void axpy(double a, INDArray x, INDArray y) {
        Ops.axpy(a, x, y);
    }
}
