package org.seqml.optimizers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.OneDnnEltwise;

/**
 * Adam, Keras's {@code Adam} (defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7):
 * <pre>
 * m = m + (1 - beta1)(g - m);   v = v + (1 - beta2)(g^2 - v)
 * a = lr sqrt(1 - beta2^t) / (1 - beta1^t)
 * w = w - a m / (sqrt(v) + epsilon)           (amsgrad: v replaced by max over steps of v)
 * </pre>
 * Each line is one or two in-place passes over the weights by ND4J's element-wise ops on the
 * calling thread (about 0.1-0.3 ms per 1.28M weights each), and the square root one vectorized
 * oneDNN pass ({@link OneDnnEltwise}): ND4J's own {@code sqrt} computes one element at a time (5.1 ms
 * per 1.28M weights), and so does its fused {@code adam_updater} op (7.2 ms), which this replaced.
 * W4's optimizer step (4.9M weights) went from 27-31 ms to 12-18 ms, W1's from 11 to 7-8 ms.
 * Splitting the passes between two threads was slower (W4: 21-23 ms): the helper thread competed
 * with OpenMP's spinning workers. {@code -Dseqml.fastAdam=false} takes ND4J's square root, the
 * plain reference the tests compare this with.
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

    /** The plain form (ND4J's square root) the fast one is tested against (tests). */
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
        if (fast) {
            OneDnnEltwise.sqrtPlus(second, epsilon, scratch);
        } else {
            Nd4j.exec(new Sqrt(second, scratch));
            scratch.addi(epsilon);
        }
    }

    /** w = w - alpha m / scratch (scratch is overwritten). */
    private static void step(double alpha, INDArray w, INDArray m, INDArray scratch) {
        m.div(scratch, scratch);
        axpy(-alpha, scratch, w);
    }

    /**
     * y += a x, in place, by ND4J's pairwise op on the calling thread: BLAS's axpy woke OpenBLAS's
     * worker threads, which then spun on the second core through the next step's oneDNN calls.
     */
    static void axpy(double a, INDArray x, INDArray y) {
        Nd4j.exec(new Axpy(x, y, y, a));
    }
}
