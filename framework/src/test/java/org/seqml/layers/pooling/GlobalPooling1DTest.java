package org.seqml.layers.pooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.models.Input;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;
import org.seqml.testing.GradientCheck;
import org.seqml.testing.LayerContract;

@ExtendWith(DoublePrecision.class)
class GlobalPooling1DTest {
    private static final INDArray X = Nd4j.create(new double[] {1, 10, 2, 20, 9, 90, 4, 40}, new long[] {1, 4, 2});
    private static final INDArray MASK = Nd4j.create(new double[][] {{1, 1, 0, 1}});

    @Test
    void averageCountsOnlyKeptSteps() {
        INDArray y = new GlobalAveragePooling1D().call(new INDArray[] {X}, new INDArray[] {MASK}, false).output();
        assertEquals(Nd4j.create(new double[][] {{7.0 / 3, 70.0 / 3}}), y);
        assertEquals(Nd4j.create(new double[][] {{4, 40}}), new GlobalAveragePooling1D().call(X));
    }

    @Test
    void maxIgnoresMaskedSteps() {
        INDArray y = new GlobalMaxPooling1D().call(new INDArray[] {X}, new INDArray[] {MASK}, false).output();
        assertEquals(Nd4j.create(new double[][] {{4, 40}}), y);
        assertEquals(Nd4j.create(new double[][] {{9, 90}}), new GlobalMaxPooling1D().call(X));
    }

    @Test
    void honourTheLayerContractAndKeepdims() {
        LayerContract.check(new GlobalAveragePooling1D(), new long[][] {{5, 3}}, Arrays.random(2, 5, 3));
        LayerContract.check(new GlobalMaxPooling1D(), new long[][] {{5, 3}}, Arrays.random(2, 5, 3));
        assertEquals(Shape.of(-1, 1, 3), new GlobalMaxPooling1D().keepdims(true).apply(Input.of(5, 3)).shape());
        assertEquals(Shape.of(-1, 1, 3), new GlobalAveragePooling1D().keepdims(true).apply(Input.of(5, 3)).shape());
        LayerContract.check(new GlobalAveragePooling1D().keepdims(true), new long[][] {{5, 3}}, Arrays.random(2, 5, 3));
    }

    @Test
    void gradientsMatchNumericalEstimateWithAndWithoutMask() {
        INDArray mask = Nd4j.create(new double[][] {{1, 1, 0, 1, 0}, {1, 1, 1, 1, 1}});
        GradientCheck.of(new GlobalAveragePooling1D(), Arrays.random(2, 5, 3)).check();
        GradientCheck.of(new GlobalAveragePooling1D(), new INDArray[] {Arrays.random(2, 5, 3)}, new INDArray[] {mask},
            false).check();
        GradientCheck.of(new GlobalMaxPooling1D(), Arrays.random(2, 5, 3)).check();
        GradientCheck.of(new GlobalMaxPooling1D(), new INDArray[] {Arrays.random(2, 5, 3)}, new INDArray[] {mask},
            false).check();
        GradientCheck.of(new GlobalMaxPooling1D().keepdims(true), Arrays.random(2, 5, 3)).check();
    }

    @Test
    void rejectsNonSequenceInputNamingTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new GlobalAveragePooling1D().named("pool").apply(Input.of(4)));
        assertTrue(e.getMessage().contains("GlobalAveragePooling1D 'pool'") && e.getMessage().contains("rank 3"));
    }
}
