package org.seqml.layers.pooling;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;

/**
 * What the global 1D poolings share: a sequence {@code (batch, time, features)} in, one vector
 * {@code (batch, features)} out ({@code (batch, 1, features)} with {@code keepdims}), and the mask
 * stops here.
 */
public abstract class GlobalPooling1D extends Layer {

    /** The option: keep the time axis with length 1. */
    public record Config(boolean keepdims) {
    }

    private final Config config;

    GlobalPooling1D(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    @Override
    protected void checkInputShape(Shape shape) {
        requireRank(shape, 3, "(batch, time, features)", "Pooling over time needs a sequence.");
    }

    @Override
    public Shape outputShape(Shape in) {
        return config.keepdims() ? Shape.of(in.get(0), 1, in.get(2)) : Shape.of(in.get(0), in.get(2));
    }

    /** The pooled (batch, features) result with the kept axis if asked, and what backward needs. */
    protected final Forward result(INDArray[] inputs, INDArray[] masks, INDArray pooled, boolean training,
                                   INDArray saved) {
        INDArray y = config.keepdims() ? pooled.reshape(pooled.size(0), 1, pooled.size(1)) : pooled;
        return new Forward(inputs, masks, new INDArray[] {y}, new INDArray[] {null}, new INDArray[] {saved}, training);
    }

    /** The output gradient as (batch, features), zeros where the loss does not reach it. */
    protected static INDArray flatGradient(Forward forward, INDArray[] outputGradients) {
        INDArray dy = outputGradients[0] != null ? outputGradients[0] : Nd4j.zerosLike(forward.output());
        return dy.rank() == 3 ? dy.reshape(dy.size(0), dy.size(2)) : dy;
    }
}
