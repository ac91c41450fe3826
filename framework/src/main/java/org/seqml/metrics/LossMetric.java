package org.seqml.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.losses.Loss;

/**
 * A loss tracked as a metric: the weighted mean of its per-sample values, e.g. "mae" next to an
 * MSE loss.
 *
 * <pre>{@code
 * model.compile(new Adam(), "mse", "mae");
 * }</pre>
 */
public final class LossMetric extends Mean {
    private final Loss loss;

    public LossMetric(String name, Loss loss) {
        super(name);
        this.loss = loss;
    }

    @Override
    public void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        addValues(loss.elementwise(yTrue, yPred), sampleWeight, mask);
    }
}
