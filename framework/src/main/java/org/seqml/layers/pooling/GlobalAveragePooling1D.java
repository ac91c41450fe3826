package org.seqml.layers.pooling;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;

/**
 * Averages a sequence over time, Keras's {@code GlobalAveragePooling1D}. With a mask only the
 * kept steps count:
 * <pre>
 * y[b, f] = sum_t m[b, t] x[b, t, f] / sum_t m[b, t]          (m = 1 without a mask)
 * </pre>
 * {@code (batch, time, features)} becomes {@code (batch, features)}, or {@code (batch, 1,
 * features)} with {@code keepdims(true)}. The mask stops here.
 *
 * <pre>{@code
 * SymbolicTensor sentence = new GlobalAveragePooling1D().apply(wordVectors);
 * }</pre>
 */
public final class GlobalAveragePooling1D extends Layer {

    /** The option: keep the time axis with length 1. */
    public record Config(boolean keepdims) {
    }

    private final Config config;

    public GlobalAveragePooling1D() {
        this(new Config(false));
    }

    public GlobalAveragePooling1D(Config config) {
        this.config = config;
    }

    public GlobalAveragePooling1D keepdims(boolean keepdims) {
        return sameName(new GlobalAveragePooling1D(new Config(keepdims)));
    }

    @Override
    protected void checkInputShape(Shape shape) {
        requireRank(shape, 3, "(batch, time, features)", "Pooling over time needs a sequence.");
    }

    @Override
    public Shape outputShape(Shape in) {
        return config.keepdims() ? Shape.of(in.get(0), 1, in.get(2)) : Shape.of(in.get(0), in.get(2));
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        INDArray m = firstMask(masks);
        INDArray y;
        INDArray count;
        if (m == null) {
            y = x.mean(1);
            count = null;
        } else {
            INDArray m3 = m.castTo(x.dataType()).reshape(m.size(0), m.size(1), 1);
            count = m3.sum(1);                              // (batch, 1)
            count.addi(count.eq(0).castTo(x.dataType()));   // an all-masked row gives 0, not NaN
            y = x.mul(m3.broadcast(x.shape())).sum(1).diviColumnVector(count);
        }
        return Forward1D.result(inputs, masks, y, config.keepdims(), training, count);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        INDArray x = forward.input();
        INDArray dy = Forward1D.flatGradient(forward, outputGradients);   // (batch, features)
        INDArray m = forward.inputMask();
        long time = x.size(1);
        INDArray dx;
        if (m == null) {
            dx = dy.div(time).reshape(x.size(0), 1, x.size(2)).repeat(1, time);
        } else {
            INDArray share = dy.divColumnVector(forward.saved(0));
            INDArray m3 = m.castTo(x.dataType()).reshape(m.size(0), m.size(1), 1);
            dx = share.reshape(x.size(0), 1, x.size(2)).repeat(1, time).muli(m3.broadcast(x.shape()));
        }
        return new INDArray[] {dx};
    }
}
