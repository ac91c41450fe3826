package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** oneDNN's sqrt(x) + c against ND4J's sqrt and add, on the arrays optimizers hand it. */
class OneDnnEltwiseTest {

    private static void assertSqrtPlus(INDArray x, double c, INDArray out) {
        INDArray expected = Transforms.sqrt(x, true).addi(c);
        OneDnnEltwise.sqrtPlus(x, c, out);
        assertTrue(expected.equalsWithEps(out, 1e-6), "expected\n" + expected + "\ngot\n" + out);
    }

    @Test
    void sqrtPlusMatchesNd4jOnMatricesVectorRunsInPlaceAndDoubles() {
        assertSqrtPlus(Nd4j.rand(DataType.FLOAT, 37, 5), 1e-7, Nd4j.zeros(DataType.FLOAT, 37, 5));
        assertSqrtPlus(Nd4j.createFromArray(4f, 9f, 0.25f, 0f), 0.5, Nd4j.zeros(DataType.FLOAT, 4));
        INDArray v = Nd4j.rand(DataType.FLOAT, 101);
        INDArray out = Nd4j.zeros(DataType.FLOAT, 101);
        // the second half of each: views that start inside their buffers
        assertSqrtPlus(v.get(NDArrayIndex.interval(50, 101)), 1e-3, out.get(NDArrayIndex.interval(50, 101)));
        assertTrue(out.get(NDArrayIndex.interval(0, 50)).sumNumber().doubleValue() == 0, "wrote outside the view");
        INDArray same = Nd4j.rand(DataType.FLOAT, 64);
        INDArray expected = Transforms.sqrt(same, true).addi(2);
        OneDnnEltwise.sqrtPlus(same, 2, same);
        assertTrue(expected.equalsWithEps(same, 1e-6), "in place");
        assertSqrtPlus(Nd4j.rand(DataType.DOUBLE, 6, 3), 1e-7, Nd4j.zeros(DataType.DOUBLE, 6, 3));
    }

    @Test
    void refusesArraysOfOtherLengths() {
        assertThrows(IllegalArgumentException.class,
            () -> OneDnnEltwise.sqrtPlus(Nd4j.rand(DataType.FLOAT, 5), 0, Nd4j.rand(DataType.FLOAT, 6)));
    }
}
