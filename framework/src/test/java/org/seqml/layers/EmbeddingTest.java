package org.seqml.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.Shape;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;
import org.seqml.testing.GradientCheck;
import org.seqml.testing.LayerContract;

@ExtendWith(DoublePrecision.class)
class EmbeddingTest {

    @Test
    void looksUpTheRowOfEachId() {
        Embedding e = new Embedding(4, 2);
        e.build(List.of(Shape.batchOf(3)));
        INDArray table = Nd4j.create(new double[][] {{0, 0}, {1, 10}, {2, 20}, {3, 30}});
        e.setWeights(List.of(table));
        INDArray y = e.call(Nd4j.create(new double[][] {{3, 1, 0}}));
        assertEquals(Nd4j.create(new double[] {3, 30, 1, 10, 0, 0}, new long[] {1, 3, 2}), y);
    }

    @Test
    void honoursTheLayerContract() {
        LayerContract.check(new Embedding(7, 3), new long[][] {{5}}, Arrays.tokens(7, 2, 5));
    }

    @Test
    void gradientsMatchNumericalEstimateWithRepeatedIds() {
        INDArray ids = Nd4j.create(new double[][] {{1, 2, 1, 0}, {3, 3, 3, 2}});
        GradientCheck.of(new Embedding(5, 3), ids).check();
    }

    @Test
    void maskZeroMarksPaddingAndGivesNoInputGradient() {
        Embedding e = new Embedding(5, 2).maskZero(true);
        Forward f = e.call(new INDArray[] {Nd4j.create(new double[][] {{4, 2, 0, 0}})}, new INDArray[1], false);
        assertEquals(Nd4j.create(new double[][] {{1, 1, 0, 0}}), f.outputMask());
        assertNull(e.backward(f, GradientCheck.projections(f.outputs()))[0]);
        assertNull(new Embedding(5, 2).call(new INDArray[] {Nd4j.create(new double[][] {{1, 0}})},
            new INDArray[1], false).outputMask());
    }

    @Test
    void rejectsIdsOutsideTheVocabularyAndNamesTheLayer() {
        Embedding e = new Embedding(5, 2).named("words");
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> e.call(Nd4j.create(new double[][] {{1, 5}})));
        assertTrue(ex.getMessage().contains("Embedding 'words'") && ex.getMessage().contains("[0, 5)"), ex.getMessage());
    }

    @Test
    void onlyTheRowsOfSeenIdsGetGradient() {
        Embedding e = new Embedding(6, 2);
        Forward f = e.call(new INDArray[] {Nd4j.create(new double[][] {{1, 4}})}, new INDArray[1], true);
        e.weights().get(0).zeroGrad();
        e.backward(f, new INDArray[] {Nd4j.ones(1, 2, 2)});
        INDArray g = e.weights().get(0).grad();
        assertEquals(4.0, g.sumNumber().doubleValue(), 1e-12);
        assertEquals(0.0, g.get(NDArrayIndex.point(0), NDArrayIndex.all()).sumNumber().doubleValue(), 0);
        assertEquals(2.0, g.get(NDArrayIndex.point(4), NDArrayIndex.all()).sumNumber().doubleValue(), 0);
    }
}
