package org.seqml.layers;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;

/**
 * Applies a layer to every time step independently, Keras's {@code TimeDistributed}: the input
 * {@code (batch, time, ...)} is seen by the inner layer as {@code (batch * time, ...)}, one set of
 * weights for all steps. A mask passes through.
 *
 * <pre>{@code
 * SymbolicTensor probs = new TimeDistributed(new Dense(5000).activation("softmax")).apply(decoded);
 * }</pre>
 */
public final class TimeDistributed extends Layer {

    /** The option: the layer applied at each step. */
    public record Config(Layer layer) {
    }

    private final Config config;

    @Override
    protected java.util.List<Layer> innerLayers() {
        return java.util.List.of(config.layer());
    }

    public TimeDistributed(Layer layer) {
        this.config = new Config(layer);
    }

    public Config config() {
        return config;
    }

    @Override
    protected void checkInputShape(Shape shape) {
        if (shape.rank() < 3) {
            throw new IllegalArgumentException(describe() + ": expected input of rank 3 or more (batch, time, ...), got"
                + " shape " + shape + ".");
        }
    }

    private static Shape stepShape(Shape in) {
        long[] d = in.dims();
        return Shape.of(Arrays.copyOfRange(d, 1, d.length)).with(0, Shape.UNKNOWN);
    }

    @Override
    protected void build(Shape inputShape) {
        config.layer().build(List.of(stepShape(inputShape)));
        adoptWeights(config.layer());
    }

    @Override
    public Shape outputShape(Shape in) {
        Shape inner = config.layer().outputShapes(List.of(stepShape(in))).get(0);
        long[] d = inner.dims();
        long[] out = new long[d.length + 1];
        out[0] = in.get(0);
        out[1] = in.get(1);
        System.arraycopy(d, 1, out, 2, d.length - 1);
        return Shape.of(out);
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        long[] shape = x.shape();
        long[] merged = Arrays.copyOfRange(shape, 1, shape.length);
        merged[0] = shape[0] * shape[1];
        Forward inner = config.layer().call(new INDArray[] {x.reshape('c', merged)}, new INDArray[1], training);
        long[] innerShape = inner.output().shape();
        long[] out = new long[innerShape.length + 1];
        out[0] = shape[0];
        out[1] = shape[1];
        System.arraycopy(innerShape, 1, out, 2, innerShape.length - 1);
        return new Forward(inputs, masks, new INDArray[] {inner.output().reshape('c', out)},
            new INDArray[] {firstMask(masks)}, new INDArray[0], training, inner);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        Forward inner = forward.cache(Forward.class);
        INDArray dy = outputGradient(forward, outputGradients);
        INDArray[] dx = config.layer().backward(inner, new INDArray[] {dy.reshape('c', inner.output().shape())});
        return new INDArray[] {dx[0] == null ? null : dx[0].reshape('c', forward.input().shape())};
    }
}
