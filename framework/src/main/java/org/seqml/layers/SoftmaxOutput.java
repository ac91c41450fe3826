package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer whose output may be a softmax of a pre-activation it can backpropagate from directly:
 * the trainer then fuses that softmax with a cross-entropy loss, as Keras's TensorFlow backend
 * does, computing the loss and its gradient from the logits and skipping the softmax's own
 * backward. {@link Dense} is one.
 */
public interface SoftmaxOutput {

    /** Whether this layer's output is a softmax (so the fusion applies). */
    boolean softmaxOutput();

    /** The pre-activation of the output: the logits of the softmax. */
    INDArray preActivation(Forward forward);

    /** Backward from dLoss/d(pre-activation) instead of dLoss/d(output). */
    INDArray[] backwardFromPreActivation(Forward forward, INDArray preActivationGradient);
}
