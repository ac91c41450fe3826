package org.seqml.regularizers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Keras's {@code L1L2} (defaults 0 and 0), the base of {@link L1} and {@link L2}:
 * <pre>
 * penalty = l1 * sum(|w|) + l2 * sum(w^2)          (no 1/2, as in Keras)
 * gradient = l1 * sign(w) + 2 * l2 * w
 * </pre>
 *
 * <pre>{@code
 * new LSTM(64).recurrentRegularizer(new L1L2(1e-5, 1e-4))
 * }</pre>
 */
public class L1L2 implements Regularizer {
    private final double l1;
    private final double l2;

    public L1L2(double l1, double l2) {
        if (l1 < 0 || l2 < 0) {
            throw new IllegalArgumentException("L1L2: factors must be >= 0, got " + l1 + " and " + l2);
        }
        this.l1 = l1;
        this.l2 = l2;
    }

    public double l1() {
        return l1;
    }

    public double l2() {
        return l2;
    }

    @Override
    public double penalty(INDArray w) {
        double p = 0;
        if (l1 > 0) {
            p += l1 * w.norm1Number().doubleValue();
        }
        if (l2 > 0) {
            double n = w.norm2Number().doubleValue();
            p += l2 * n * n;
        }
        return p;
    }

    @Override
    public void addGradient(INDArray w, INDArray grad, double scale) {
        if (l1 > 0) {
            grad.addi(Transforms.sign(w, true).muli(l1 * scale));
        }
        if (l2 > 0) {
            grad.addi(w.mul(2 * l2 * scale));
        }
    }
}
