package org.seqml.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.models.Input;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;
import org.seqml.testing.GradientCheck;
import org.seqml.testing.LayerContract;

@ExtendWith(DoublePrecision.class)
class DenseTest {

    @Test
    void computesKernelTimesInputPlusBias() {
        Dense dense = new Dense(2);
        dense.build(List.of(org.seqml.Shape.batchOf(3)));
        dense.setWeights(List.of(Nd4j.create(new double[][] {{1, 2}, {3, 4}, {5, 6}}), Nd4j.create(new double[] {0.5, -1})));
        INDArray y = dense.call(Nd4j.create(new double[][] {{1, 0, -1}}));
        assertEquals(Nd4j.create(new double[][] {{1 - 5 + 0.5, 2 - 6 - 1}}), y);
    }

    @Test
    void honoursTheLayerContract() {
        LayerContract.check(new Dense(3).activation("tanh"), new long[][] {{4}}, Arrays.random(2, 4));
        LayerContract.check(new Dense(3), new long[][] {{5, 4}}, Arrays.random(2, 5, 4));
    }

    @Test
    void gradientsMatchNumericalEstimate() {
        for (String act : new String[] {"linear", "relu", "sigmoid", "tanh", "softmax", "gelu", "swish"}) {
            GradientCheck.of(new Dense(3).activation(act), Arrays.random(4, 5)).check();
        }
        GradientCheck.of(new Dense(3).useBias(false), Arrays.random(4, 5)).check();
    }

    @Test
    void appliesToEveryTimeStepOfASequence() {
        Dense dense = new Dense(3).activation("sigmoid");
        INDArray x = Arrays.random(2, 4, 5);
        INDArray y = dense.call(x);
        assertEquals(3, y.rank());
        Dense perStep = new Dense(3).activation("sigmoid");
        perStep.build(List.of(org.seqml.Shape.batchOf(5)));
        perStep.setWeights(dense.getWeights());
        for (int t = 0; t < 4; t++) {
            INDArray step = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(t), org.nd4j.linalg.indexing.NDArrayIndex.all());
            assertTrue(perStep.call(step.dup()).equalsWithEps(y.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(t), org.nd4j.linalg.indexing.NDArrayIndex.all()), 1e-12));
        }
        GradientCheck.of(new Dense(2).activation("tanh"), Arrays.random(2, 3, 4)).check();
    }

    @Test
    void passesTheMaskThrough() {
        Dense dense = new Dense(2);
        INDArray mask = Nd4j.create(new double[][] {{1, 0, 1}});
        Forward f = dense.call(new INDArray[] {Arrays.random(1, 3, 4)}, new INDArray[] {mask}, false);
        assertEquals(mask, f.outputMask());
    }

    @Test
    void fluentOptionsReturnANewLayerAndKeepTheName() {
        Dense base = new Dense(4).named("out");
        Dense relu = base.activation("relu");
        assertEquals("out", relu.name());
        assertEquals("linear", base.config().activation().kerasName());
        assertEquals("relu", relu.config().activation().kerasName());
    }

    @Test
    void rejectsRank1InputAndNamesTheLayer() {
        Dense dense = new Dense(2).named("head");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dense.apply(Input.of()));
        assertTrue(e.getMessage().contains("Dense 'head'") && e.getMessage().contains("rank"), e.getMessage());
    }

    @Test
    void rejectsAWrongFeatureSizeWithExpectedAndActualShapes() {
        Dense dense = new Dense(2).named("proj");
        dense.apply(Input.of(4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dense.call(Arrays.random(3, 5)));
        assertTrue(e.getMessage().contains("Dense 'proj'") && e.getMessage().contains("(None, 4)")
            && e.getMessage().contains("[3, 5]"), e.getMessage());
    }

    @Test
    void rejectsNonPositiveUnits() {
        assertThrows(IllegalArgumentException.class, () -> new Dense(0));
    }
}
