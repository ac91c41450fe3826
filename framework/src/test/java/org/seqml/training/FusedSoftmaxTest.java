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
import org.seqml.losses.Loss;
import org.seqml.losses.SparseCategoricalCrossentropy;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.optimizers.SGD;

/**
 * A Dense softmax output with a cross-entropy loss trains from the logits in one pass (as Keras's
 * TensorFlow backend does); the step must equal the unfused one (a separate Activation layer).
 */
class FusedSoftmaxTest {

    private static void sameStep(String loss, INDArray y, String... metrics) {
        RandomSeed.set(17);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 5, 4);
        Sequential fused = new Sequential(Input.of(5, 4), new Dense(6).activation("softmax"));
        Sequential plain = new Sequential(Input.of(5, 4), new Dense(6), new Activation("softmax"));
        plain.setWeights(fused.getWeights());
        fused.compile(new SGD(0.5), loss, metrics);
        plain.compile(new SGD(0.5), loss, metrics);
        Map<String, Double> a = fused.trainOnBatch(x, y);
        Map<String, Double> b = plain.trainOnBatch(x, y);
        assertEquals(b.get("loss"), a.get("loss"), 1e-5);
        for (String m : metrics) {
            assertEquals(b.get(m), a.get(m), 1e-6, m);
        }
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
    void fusedSparseCrossEntropyLeavesTheSoftmaxToTheMetrics() {
        // with a metric the softmax output is read after the step, so the gradient may not overwrite it
        sameStep("sparse_categorical_crossentropy", Nd4j.create(new double[][] {{0, 5, 2, 3, 1}, {4, 4, 0, 1, 2}}),
            "accuracy");
    }

    @Test
    void aTrueClassWhoseProbabilityUnderflowsTakesItsLossFromTheLogits() {
        // softmax of (0, -200) at class 1 is exp(-200): 0 in float32, so -log would be infinite
        INDArray logits = Nd4j.create(new float[][] {{0f, -200f}, {1f, 2f}});
        INDArray probabilities = org.seqml.activations.Activations.SOFTMAX.apply(logits.dup());
        INDArray y = Nd4j.create(new float[] {1, 0});
        SparseCategoricalCrossentropy loss = new SparseCategoricalCrossentropy();
        Loss.Result fused = loss.evaluateSoftmax(y, logits, probabilities, null, null, false);
        Loss.Result reference = loss.fromLogits(true).evaluate(y, logits, null, null, true);
        assertEquals(reference.value(), fused.value(), 1e-4);
        assertEquals((200 + Math.log(1 + Math.exp(-1)) + 1) / 2, fused.value(), 1e-4);
        assertTrue(fused.gradient().equalsWithEps(reference.gradient(), 1e-6));
        assertTrue(probabilities.equalsWithEps(org.seqml.activations.Activations.SOFTMAX.apply(logits.dup()), 0),
            "without reuse the softmax output is left as it was");
    }

    @Test
    void fusedCategoricalCrossEntropyStepsLikeTheUnfusedOne() {
        INDArray ids = Nd4j.create(new double[] {0, 5, 2, 3, 1, 4, 4, 0, 1, 2});
        INDArray y = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.OneHot(ids.castTo(DataType.INT64), 6, -1, 1.0, 0.0,
            DataType.FLOAT))[0].reshape(2, 5, 6);
        sameStep("categorical_crossentropy", y);
    }
}
