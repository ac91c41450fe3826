package org.seqml.layers.pooling;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Forward;

/** What the global 1D poolings share: their result with or without the kept time axis. */
final class Forward1D {
    private Forward1D() {
    }

    static Forward result(INDArray[] inputs, INDArray[] masks, INDArray pooled, boolean keepdims, boolean training,
                          INDArray saved) {
        INDArray y = keepdims ? pooled.reshape(pooled.size(0), 1, pooled.size(1)) : pooled;
        return new Forward(inputs, masks, new INDArray[] {y}, new INDArray[] {null}, new INDArray[] {saved}, training);
    }

    /** The output gradient as (batch, features), zeros where the loss does not reach it. */
    static INDArray flatGradient(Forward forward, INDArray[] outputGradients) {
        INDArray dy = outputGradients[0] != null ? outputGradients[0] : Nd4j.zerosLike(forward.output());
        return dy.rank() == 3 ? dy.reshape(dy.size(0), dy.size(2)) : dy;
    }
}
