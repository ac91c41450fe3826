package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Reversal along any axis: the float32 block copy against the float64 gather, views included. */
class ArrayOpsTest {
    @Test
    void reversesAlongEveryAxisAsTheGatherDoes() {
        INDArray x = Nd4j.linspace(DataType.DOUBLE, 1, 2 * 5 * 3, 1).reshape(2, 5, 3);
        INDArray view = Nd4j.linspace(DataType.DOUBLE, 1, 4 * 6 * 3, 1).reshape(4, 6, 3)
            .get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(0, 5), NDArrayIndex.all());
        for (INDArray a : new INDArray[] {x, view, x.reshape(10, 3)}) {
            for (int axis = 0; axis < a.rank(); axis++) {
                INDArray expected = ArrayOps.reverse(a, axis);   // float64: the gather
                INDArray got = ArrayOps.reverse(a.castTo(DataType.FLOAT), axis);
                assertEquals(0, expected.sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 0,
                    "axis " + axis + " of " + java.util.Arrays.toString(a.shape()));
            }
        }
        assertEquals(30.0, ArrayOps.reverse(x.castTo(DataType.FLOAT), 1).getDouble(1, 0, 2), 0);
    }
}
