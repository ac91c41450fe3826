package org.seqml.constraints;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A projection applied to a weight after every optimizer step, Keras's {@code Constraint}. Given
 * to a layer by role: {@code kernelConstraint}, {@code recurrentConstraint},
 * {@code biasConstraint}, {@code embeddingsConstraint}.
 *
 * <pre>{@code
 * new Dense(64).kernelConstraint(new MaxNorm(3))
 * }</pre>
 */
public interface Constraint {

    /** Projects {@code w} in place. */
    void apply(INDArray w);
}
