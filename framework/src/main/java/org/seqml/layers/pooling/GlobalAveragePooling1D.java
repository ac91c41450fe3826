package org.seqml.layers.pooling;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.TimePooling;
import org.seqml.layers.Forward;

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
public final class GlobalAveragePooling1D extends GlobalPooling1D {

    public GlobalAveragePooling1D() {
        this(new Config(false));
    }

    public GlobalAveragePooling1D(Config config) {
        super(config);
    }

    public GlobalAveragePooling1D keepdims(boolean keepdims) {
        return sameName(new GlobalAveragePooling1D(new Config(keepdims)));
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        INDArray m = firstMask(masks);
        INDArray y;
        INDArray count;
        if (m != null && TimePooling.takes(x)) {
            INDArray[] pooled = TimePooling.mean(x, m);
            return result(inputs, masks, pooled[0], training, pooled[1]);
        }
        if (m == null) {
            y = x.mean(1);
            count = null;
        } else {
            INDArray m3 = m.castTo(x.dataType()).reshape(m.size(0), m.size(1), 1);
            count = m3.sum(1);                              // (batch, 1)
            count.addi(count.eq(0).castTo(x.dataType()));   // an all-masked row gives 0, not NaN
            y = x.mul(m3.broadcast(x.shape())).sum(1).diviColumnVector(count);
        }
        return result(inputs, masks, y, training, count);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        INDArray x = forward.input();
        INDArray dy = flatGradient(forward, outputGradients);   // (batch, features)
        INDArray m = forward.inputMask();
        long time = x.size(1);
        INDArray dx;
        if (m != null && TimePooling.takes(x)) {
            dx = TimePooling.meanBackward(dy, m, forward.saved(0), time);
        } else if (m == null) {
            dx = dy.div(time).reshape(x.size(0), 1, x.size(2)).repeat(1, time);
        } else {
            INDArray share = dy.divColumnVector(forward.saved(0));
            INDArray m3 = m.castTo(x.dataType()).reshape(m.size(0), m.size(1), 1);
            dx = share.reshape(x.size(0), 1, x.size(2)).repeat(1, time).muli(m3.broadcast(x.shape()));
        }
        return new INDArray[] {dx};
    }
}
