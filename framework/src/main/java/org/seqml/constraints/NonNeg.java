package org.seqml.constraints;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Keras's {@code NonNeg}: negative weights become 0. */
public final class NonNeg implements Constraint {
    @Override
    public void apply(INDArray w) {
        w.muli(w.gte(0).castTo(w.dataType()));
    }
}
