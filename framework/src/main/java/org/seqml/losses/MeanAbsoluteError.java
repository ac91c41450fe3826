package org.seqml.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Keras's {@code MeanAbsoluteError}: {@code l = mean(|y - yPred|)} over the last axis; its
 * gradient is {@code sign(yPred - y) / n}, zero at a tie.
 *
 * <pre>{@code
 * model.compile(new Adam(), new MeanAbsoluteError());
 * }</pre>
 */
public final class MeanAbsoluteError extends Loss {

    @Override
    public String kerasName() {
        return "mean_absolute_error";
    }

    @Override
    protected INDArray elementLoss(INDArray y, INDArray yPred) {
        return Transforms.abs(yPred.sub(y), false).mean(yPred.rank() - 1);
    }

    @Override
    protected INDArray elementGradient(INDArray y, INDArray yPred) {
        return Transforms.sign(yPred.sub(y), false).divi(yPred.size(-1));
    }
}
