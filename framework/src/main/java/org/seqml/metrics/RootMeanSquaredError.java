package org.seqml.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keras's {@code RootMeanSquaredError}: {@code sqrt(sum(w (y - yPred)^2) / sum(w))} over every
 * element seen so far.
 *
 * <pre>{@code
 * model.compile(new Adam(), "mse", "rmse");
 * }</pre>
 */
public final class RootMeanSquaredError extends Metric {
    private final Mean squared = new Mean("squared_error");

    public RootMeanSquaredError() {
        super("root_mean_squared_error");
    }

    @Override
    public void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        INDArray y = yTrue.rank() == yPred.rank() ? yTrue : yTrue.reshape(yPred.shape());
        INDArray e = yPred.sub(y.castTo(yPred.dataType()));
        squared.addValues(e.muli(e).mean(yPred.rank() - 1), sampleWeight, mask);
    }

    @Override
    public double result() {
        return Math.sqrt(squared.result());
    }

    @Override
    public void reset() {
        squared.reset();
    }
}
