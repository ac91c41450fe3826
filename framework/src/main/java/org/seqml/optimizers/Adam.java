package org.seqml.optimizers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.TwoThreads;

/**
 * Adam, Keras's {@code Adam} (defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7):
 * <pre>
 * m = m + (1 - beta1)(g - m);   v = v + (1 - beta2)(g^2 - v)
 * a = lr sqrt(1 - beta2^t) / (1 - beta1^t)
 * w = w - a m / (sqrt(v) + epsilon)           (amsgrad: v replaced by max over steps of v)
 * </pre>
 * Without amsgrad the three lines run as one pass of ND4J's {@code adam_updater} op (the same
 * formula, Keras's epsilon-hat form) and one subtraction, instead of nine passes over the weights:
 * for W1's 2.56M-weight embedding 17.5 -> 15.5 ms a step (one thread), and 8.2-8.7 ms (best of 50
 * calls; means 9.9-11.5 ms) with its two halves on two threads (from {@value #TWO_THREADS_FROM}
 * weights). The
 * nine-pass form stays as the reference the tests compare it with ({@code -Dseqml.fusedAdam=false}
 * runs it everywhere).
 *
 * <pre>{@code
 * model.compile(new Adam(3e-4), "binary_crossentropy");
 * }</pre>
 */
public class Adam extends Optimizer {
    /**
     * From this many weights the fused update runs in two halves at once ({@link TwoThreads}): a step
     * over W1's 2.56M-weight embedding took 15.3-15.5 ms on one thread and 8.2-8.7 ms on two.
     */
    static final long TWO_THREADS_FROM = 1L << 20;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-7;
    private boolean amsgrad;
    private boolean fused = Boolean.parseBoolean(System.getProperty("seqml.fusedAdam", "true"));

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

    /** The nine-pass form the fused step is tested against (tests). */
    Adam reference() {
        this.fused = false;
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
        if (fused && !amsgrad && fusable(w, g, m, v, scratch)) {
            long n = w.length();
            if (n >= TWO_THREADS_FROM && TwoThreads.available()) {
                long h = n / 2;
                TwoThreads.run(() -> fusedStep(part(w, 0, h), part(g, 0, h), part(m, 0, h), part(v, 0, h),
                        part(scratch, 0, h), t, lr),
                    () -> fusedStep(part(w, h, n), part(g, h, n), part(m, h, n), part(v, h, n),
                        part(scratch, h, n), t, lr));
            } else {
                fusedStep(w, g, m, v, scratch, t, lr);
            }
            return;
        }
        double alpha = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        // in place throughout: no weight-sized temporaries per step
        m.muli(beta1);
        axpy(1 - beta1, g, m);                       // m = beta1 m + (1 - beta1) g
        g.mul(g, scratch);
        v.muli(beta2);
        axpy(1 - beta2, scratch, v);                 // v = beta2 v + (1 - beta2) g^2
        INDArray second = v;
        if (amsgrad) {
            Transforms.max(state[3], v, false);
            second = state[3];
        }
        Nd4j.exec(new Sqrt(second, scratch));
        scratch.addi(epsilon);
        m.div(scratch, scratch);
        axpy(-alpha, scratch, w);                    // w = w - alpha m / (sqrt(v) + eps)
    }

    /** One pass of the native op over these (equally long, dense) arrays, then w -= the step. */
    private void fusedStep(INDArray w, INDArray g, INDArray m, INDArray v, INDArray scratch, long t, double lr) {
        // adam_updater counts iterations from 0 and computes alpha itself; scratch gets a m / (sqrt(v) + eps)
        Nd4j.exec(new AdamUpdater(g, v, m, scratch, v, m, lr, beta1, beta2, epsilon, (int) (t - 1)));
        w.subi(scratch);
    }

    /** Elements [from, to) of a dense array in its own order, as a vector sharing its memory. */
    private static INDArray part(INDArray a, long from, long to) {
        return a.reshape(a.ordering(), new long[] {a.length()}).get(NDArrayIndex.interval(from, to));
    }

    /** Dense arrays of one type and length, as the native op wants them. */
    private static boolean fusable(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a.isView() || a.dataType() != arrays[0].dataType() || a.length() != arrays[0].length()
                || a.ordering() != arrays[0].ordering()) {
                return false;
            }
        }
        return arrays[0].dataType().isFPType();
    }

    /** y += a x, in place. */
    static void axpy(double a, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(y.length(), a, x, y);
    }
}
