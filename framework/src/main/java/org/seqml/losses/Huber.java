package org.seqml.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Keras's {@code Huber} loss: quadratic near zero, linear beyond {@code delta} (default 1), averaged
 * over the last axis:
 * <pre>
 * e = yPred - y;   l = mean( |e| <= delta ? e^2 / 2 : delta (|e| - delta / 2) )
 * </pre>
 *
 * <pre>{@code
 * model.compile(new Adam(), new Huber(2.0));
 * }</pre>
 */
public final class Huber extends Loss {
    private final double delta;

    public Huber() {
        this(1.0);
    }

    public Huber(double delta) {
        if (delta <= 0) {
            throw new IllegalArgumentException("Huber: delta must be positive, got " + delta);
        }
        this.delta = delta;
    }

    @Override
    public String kerasName() {
        return "huber";
    }

    @Override
    protected INDArray elementLoss(INDArray y, INDArray yPred) {
        INDArray e = yPred.sub(y);
        INDArray abs = Transforms.abs(e, true);
        INDArray small = abs.lte(delta).castTo(e.dataType());
        INDArray quadratic = e.mul(e).muli(0.5);
        INDArray linear = abs.sub(delta / 2).muli(delta);
        // small * quadratic + (1 - small) * linear
        return quadratic.subi(linear).muli(small).addi(linear).mean(yPred.rank() - 1);
    }

    @Override
    protected INDArray elementGradient(INDArray y, INDArray yPred) {
        INDArray e = yPred.sub(y);
        INDArray clipped = Transforms.min(Transforms.max(e, -delta, true), delta, false);
        return clipped.divi(yPred.size(-1));
    }
}
