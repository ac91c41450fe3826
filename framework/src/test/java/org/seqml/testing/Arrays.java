package org.seqml.testing;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.backend.Backend;

/** Seeded test data in floatX. */
public final class Arrays {
    private static long counter = 1;

    private Arrays() {
    }

    /** Uniform(-1, 1) values of this shape, in floatX, reproducible across runs. */
    public static synchronized INDArray random(long... shape) {
        Nd4j.getRandom().setSeed(counter++);
        return Nd4j.rand(Backend.floatX(), shape).muli(2).subi(1);
    }

    /** Token ids in [1, vocab) of this shape (as floatX), with the given trailing zeros per row. */
    public static synchronized INDArray tokens(int vocab, long batch, long time) {
        Nd4j.getRandom().setSeed(counter++);
        INDArray ids = Nd4j.rand(DataType.DOUBLE, batch, time).muli(vocab - 1).addi(1);
        return org.nd4j.linalg.ops.transforms.Transforms.floor(ids, false).castTo(Backend.floatX());
    }
}
