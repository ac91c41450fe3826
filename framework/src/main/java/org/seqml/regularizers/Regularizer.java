package org.seqml.regularizers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A penalty on a weight (or a layer's output) added to the training loss, Keras's
 * {@code Regularizer}. Given to a layer by role: {@code kernelRegularizer},
 * {@code recurrentRegularizer}, {@code biasRegularizer}, {@code embeddingsRegularizer},
 * {@code activityRegularizer}.
 *
 * <pre>{@code
 * new Dense(64).kernelRegularizer(new L2(1e-4))
 * }</pre>
 */
public interface Regularizer {

    /** The penalty for {@code w}. */
    double penalty(INDArray w);

    /** Adds dPenalty/dw, times {@code scale}, into {@code grad}. */
    void addGradient(INDArray w, INDArray grad, double scale);
}
