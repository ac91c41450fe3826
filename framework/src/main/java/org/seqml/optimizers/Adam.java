package org.seqml.optimizers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.OneDnnAdam;

/**
 * Adam, Keras's {@code Adam} (defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7):
 * <pre>
 * m = m + (1 - beta1)(g - m);   v = v + (1 - beta2)(g^2 - v)
 * a = lr sqrt(1 - beta2^t) / (1 - beta1^t)
 * w = w - a m / (sqrt(v) + epsilon)           (amsgrad: v replaced by max over steps of v)
 * </pre>
 * On the CPU a float32 weight takes the three fused oneDNN passes of {@link OneDnnAdam}, each
 * reading its arrays once (W1's 2.69M weights: 2.4-3.4 ms a step, against 6.1-9.4 ms for nine
 * in-place ND4J passes; ND4J's fused {@code adam_updater} takes 7.2 ms per 1.28M weights, its square
 * root running one element at a time). Other types and backends take the plain in-place ND4J passes below, the
 * reference the tests compare the fused form with ({@code -Dseqml.fastAdam=false} forces it).
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
    private boolean fast = Boolean.parseBoolean(System.getProperty("seqml.fastAdam", "true"));

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

    /** The plain form (ND4J's passes) the fused one is tested against (tests). */
    Adam reference() {
        this.fast = false;
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
        if (fast && OneDnnAdam.step(w, g, m, v, max, beta1, beta2, epsilon, alpha)) {
            return;
        }
        moments(g, m, v, scratch, max);
        denominator(amsgrad ? max : v, scratch);
        step(alpha, w, m, scratch);
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
        Nd4j.exec(new Sqrt(second, scratch));
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
    static void axpy(double a, INDArray x, INDArray y) {
        Nd4j.exec(new Axpy(x, y, y, a));
    }
}
