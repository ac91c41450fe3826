package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;

/**
 * Flattens each sample to a vector, Keras's {@code Flatten}: {@code (batch, a, b)} becomes
 * {@code (batch, a * b)}. Every non-batch dimension must be known. A mask stops here.
 *
 * <pre>{@code
 * SymbolicTensor v = new Flatten().apply(sequence);   // (None, 20, 8) -> (None, 160)
 * }</pre>
 */
public final class Flatten extends Layer {

    @Override
    protected void checkInputShape(Shape shape) {
        if (shape.rank() < 2) {
            throw new IllegalArgumentException(describe() + ": expected input of rank 2 or more, got shape " + shape + ".");
        }
        if (shape.sampleSize() == Shape.UNKNOWN) {
            throw new IllegalArgumentException(describe() + ": every dimension but the batch must be known to flatten,"
                + " got shape " + shape + ". Give the Input a fixed length, or pool over time instead"
                + " (GlobalAveragePooling1D).");
        }
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        return Shape.of(inputShape.get(0), inputShape.sampleSize());
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        return single(inputs, masks, x.reshape('c', x.size(0), x.length() / x.size(0)), null, training);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        return new INDArray[] {outputGradient(forward, outputGradients).reshape('c', forward.input().shape())};
    }
}
