package org.seqml.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.layers.Activation;
import org.seqml.layers.Dense;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.optimizers.SGD;

/**
 * A Dense softmax output with a cross-entropy loss trains from the logits in one pass (as Keras's
 * TensorFlow backend does); the step must equal the unfused one (a separate Activation layer).
 */
class FusedSoftmaxTest {

    private static void sameStep(String loss, INDArray y) {
        RandomSeed.set(17);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 5, 4);
        Sequential fused = new Sequential(Input.of(5, 4), new Dense(6).activation("softmax"));
        Sequential plain = new Sequential(Input.of(5, 4), new Dense(6), new Activation("softmax"));
        plain.setWeights(fused.getWeights());
        fused.compile(new SGD(0.5), loss);
        plain.compile(new SGD(0.5), loss);
        Map<String, Double> a = fused.trainOnBatch(x, y);
        Map<String, Double> b = plain.trainOnBatch(x, y);
        assertEquals(b.get("loss"), a.get("loss"), 1e-5);
        List<INDArray> wa = fused.getWeights();
        List<INDArray> wb = plain.getWeights();
        for (int i = 0; i < wa.size(); i++) {
            assertTrue(wa.get(i).equalsWithEps(wb.get(i), 1e-5), loss + " weight " + i);
        }
    }

    @Test
    void fusedSparseCrossEntropyStepsLikeTheUnfusedOne() {
        sameStep("sparse_categorical_crossentropy", Nd4j.create(new double[][] {{0, 5, 2, 3, 1}, {4, 4, 0, 1, 2}}));
    }

    @Test
    void fusedCategoricalCrossEntropyStepsLikeTheUnfusedOne() {
        INDArray ids = Nd4j.create(new double[] {0, 5, 2, 3, 1, 4, 4, 0, 1, 2});
        INDArray y = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.OneHot(ids.castTo(DataType.INT64), 6, -1, 1.0, 0.0,
            DataType.FLOAT))[0].reshape(2, 5, 6);
        sameStep("categorical_crossentropy", y);
    }
}
