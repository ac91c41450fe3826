package org.seqml.losses;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keras's {@code MeanSquaredError}: {@code l = mean((y - yPred)^2)} over the last axis.
 *
 * <pre>{@code
 * model.compile(new Adam(), new MeanSquaredError());
 * }</pre>
 */
public final class MeanSquaredError extends Loss {

    @Override
    public String kerasName() {
        return "mean_squared_error";
    }

    @Override
    protected INDArray elementLoss(INDArray y, INDArray yPred) {
        INDArray e = yPred.sub(y);
        return e.muli(e).mean(yPred.rank() - 1);
    }

    @Override
    protected INDArray elementGradient(INDArray y, INDArray yPred) {
        return yPred.sub(y).muli(2.0 / yPred.size(-1));
    }
}
