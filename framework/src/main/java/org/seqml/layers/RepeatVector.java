package org.seqml.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;

/**
 * Repeats a vector {@code n} times along a new time axis, Keras's {@code RepeatVector}:
 * {@code (batch, features)} becomes {@code (batch, n, features)}. Used to feed an encoding to a
 * decoder at every step.
 *
 * <pre>{@code
 * SymbolicTensor steps = new RepeatVector(10).apply(encoding);   // (None, 64) -> (None, 10, 64)
 * }</pre>
 */
public final class RepeatVector extends Layer {

    /** The option: how many times to repeat. */
    public record Config(int n) {
        public Config {
            if (n <= 0) {
                throw new IllegalArgumentException("RepeatVector: n must be positive, got " + n);
            }
        }
    }

    private final Config config;

    public RepeatVector(int n) {
        this.config = new Config(n);
    }

    public Config config() {
        return config;
    }

    @Override
    protected void checkInputShape(Shape shape) {
        requireRank(shape, 2, "(batch, features)", "RepeatVector repeats vectors; flatten or pool the input first.");
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        return Shape.of(inputShape.get(0), config.n(), inputShape.get(1));
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        INDArray y = x.reshape(x.size(0), 1, x.size(1)).repeat(1, config.n());
        return single(inputs, masks, y, null, training);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        return new INDArray[] {outputGradient(forward, outputGradients).sum(1)};
    }
}
