package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** oneDNN's softmax and log-softmax equal ND4J's (the plain path), on dense arrays and on views. */
class OneDnnSoftmaxTest {

    @Test
    void softmaxAndLogSoftmaxMatchTheND4JPath() {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 5, 37).muli(20).subi(10);
        INDArray plain = x.ulike();
        Nd4j.exec(new SoftMax(x, plain, 2));
        assertTrue(OneDnnSoftmax.applies(x));
        close(plain, OneDnnSoftmax.softmax(x, false), 1e-6);
        close(Transforms.log(plain, true), OneDnnSoftmax.softmax(x, true), 1e-5);
        // a strided view is copied first, not read as if dense
        INDArray view = x.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4), NDArrayIndex.all());
        close(plain.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4), NDArrayIndex.all()),
            OneDnnSoftmax.softmax(view, false), 1e-6);
    }

    @Test
    void float64StaysOnThePlainPath() {
        assertTrue(!OneDnnSoftmax.applies(Nd4j.rand(DataType.DOUBLE, 2, 3)));
    }

    private static void close(INDArray expected, INDArray actual, double tolerance) {
        assertArrayEquals(expected.shape(), actual.shape());
        double worst = Transforms.abs(expected.sub(actual), false).maxNumber().doubleValue();
        assertTrue(worst <= tolerance, "max difference " + worst);
    }
}
