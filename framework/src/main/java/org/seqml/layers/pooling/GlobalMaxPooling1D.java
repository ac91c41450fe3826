package org.seqml.layers.pooling;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.backend.TimePooling;
import org.seqml.backend.Ops;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Forward;

/**
 * The largest value over time of each feature, Keras's {@code GlobalMaxPooling1D}. With a mask
 * only the kept steps compete:
 * <pre>
 * y[b, f] = max over t with m[b, t] = 1 of x[b, t, f]
 * </pre>
 * The gradient goes to the winning step (the first, on ties). {@code (batch, time, features)}
 * becomes {@code (batch, features)}, or {@code (batch, 1, features)} with {@code keepdims(true)}.
 *
 * <pre>{@code
 * SymbolicTensor strongest = new GlobalMaxPooling1D().apply(sequence);
 * }</pre>
 */
public final class GlobalMaxPooling1D extends GlobalPooling1D {

    public GlobalMaxPooling1D() {
        this(new Config(false));
    }

    public GlobalMaxPooling1D(Config config) {
        super(config);
    }

    public GlobalMaxPooling1D keepdims(boolean keepdims) {
        return sameName(new GlobalMaxPooling1D(new Config(keepdims)));
    }

    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray x = inputs[0];
        INDArray m = firstMask(masks);
        if (TimePooling.takes(x)) {
            INDArray[] pooled = TimePooling.max(x, m, training);
            return result(inputs, masks, pooled[0], training, pooled[1]);
        }
        INDArray candidates = x;
        if (m != null) {
            // masked steps get a large negative offset so they never win
            INDArray m3 = m.castTo(x.dataType()).reshape(m.size(0), m.size(1), 1).broadcast(x.shape());
            candidates = m3.rsub(1.0).muli(-1e30).addi(x);
        }
        INDArray winner = Nd4j.argMax(candidates, 1);                       // (batch, features)
        INDArray onehot = Ops.oneHot(winner, (int) x.size(1), x.dataType());
        INDArray select = onehot.permute(0, 2, 1).dup('c');                  // (batch, time, features)
        INDArray y = x.mul(select).sum(1);
        return result(inputs, masks, y, training, select);
    }

    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        INDArray x = forward.input();
        INDArray dy = flatGradient(forward, outputGradients);
        INDArray saved = forward.saved(0);
        if (saved == null) {   // TimePooling.max in inference, which skips the winners
            saved = TimePooling.winners(x, forward.inputMask(), forward.output().reshape(x.size(0), x.size(2)));
        }
        if (saved.dataType() == org.nd4j.linalg.api.buffer.DataType.INT32) {   // the winners of TimePooling.max
            return new INDArray[] {TimePooling.maxBackward(dy, saved, x.size(1))};
        }
        return new INDArray[] {dy.reshape(x.size(0), 1, x.size(2)).broadcast(x.shape()).mul(saved)};
    }
}
