package org.seqml.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ClassWeightTest {

    @Test
    void readsTheClassFromIdsBinaryLabelsOrOneHotRows() {
        Map<Integer, Double> w = Map.of(1, 3.0, 2, 0.5);
        INDArray fromIds = Trainer.classWeights(new INDArray[] {Nd4j.create(new double[] {2, 0, 1})}, w);
        assertEquals(Nd4j.create(new double[] {0.5, 1, 3}), fromIds);
        INDArray fromOneHot = Trainer.classWeights(new INDArray[] {Nd4j.create(new double[][] {{0, 1, 0}, {1, 0, 0}})}, w);
        assertEquals(Nd4j.create(new double[] {3, 1}), fromOneHot);
        assertThrows(IllegalArgumentException.class,
            () -> Trainer.classWeights(new INDArray[] {Nd4j.zeros(2, 3, 4)}, w));
    }
}
