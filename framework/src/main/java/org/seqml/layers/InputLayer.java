package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;

/**
 * The source of a Functional graph: it holds the input's shape and passes data through. Made by
 * {@link org.seqml.models.Input#of}; users rarely name it directly.
 */
public final class InputLayer extends Layer {
    private final Shape shape;

    public InputLayer(Shape shape) {
        this.shape = shape;
    }

    /** The shape of the input, batch dimension first. */
    public Shape shape() {
        return shape;
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        return single(inputs, masks, inputs[0], firstMask(masks), training);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        return outputGradients;
    }
}
