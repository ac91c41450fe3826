package org.seqml.optimizers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam, Keras's {@code Adam} (defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7):
 * <pre>
 * m = m + (1 - beta1)(g - m);   v = v + (1 - beta2)(g^2 - v)
 * a = lr sqrt(1 - beta2^t) / (1 - beta1^t)
 * w = w - a m / (sqrt(v) + epsilon)           (amsgrad: v replaced by max over steps of v)
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

    @Override
    protected int slotCount() {
        return amsgrad ? 3 : 2;
    }

    @Override
    protected void update(INDArray w, INDArray g, INDArray[] state, long t, double lr) {
        INDArray m = state[0];
        INDArray v = state[1];
        double alpha = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        m.addi(g.sub(m).muli(1 - beta1));
        v.addi(g.mul(g).subi(v).muli(1 - beta2));
        INDArray second = v;
        if (amsgrad) {
            Transforms.max(state[2], v, false);
            second = state[2];
        }
        w.subi(m.mul(alpha).divi(Transforms.sqrt(second, true).addi(epsilon)));
    }
}
