package org.seqml.constraints;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Keras's {@code MinMaxNorm} (defaults: min 0, max 1, rate 1, axis 0), the base of
 * {@link MaxNorm} and {@link UnitNorm}: the norm of each slice along {@code axis} (for a Dense
 * kernel (in, out) with axis 0, each unit's incoming weights) is pulled into [min, max]:
 * <pre>
 * n = ||w||_axis;   desired = rate * clip(n, min, max) + (1 - rate) * n
 * w = w * desired / (n + 1e-7)
 * </pre>
 *
 * <pre>{@code
 * new Dense(64).kernelConstraint(new MinMaxNorm(0.5, 2.0, 1.0, 0))
 * }</pre>
 */
public class MinMaxNorm implements Constraint {
    private static final double EPSILON = 1e-7;
    private final double min;
    private final double max;
    private final double rate;
    private final int axis;

    public MinMaxNorm(double min, double max, double rate, int axis) {
        this.min = min;
        this.max = max;
        this.rate = rate;
        this.axis = axis;
    }

    @Override
    public void apply(INDArray w) {
        int a = axis < 0 ? w.rank() + axis : axis;
        INDArray norms = Transforms.sqrt(w.mul(w).sum(true, a), false);
        INDArray clipped = Transforms.min(Transforms.max(norms, min, true), max, false);
        INDArray desired = clipped.muli(rate).addi(norms.mul(1 - rate));
        INDArray scale = desired.divi(norms.addi(EPSILON));
        w.muli(scale.broadcast(w.shape()));
    }
}
