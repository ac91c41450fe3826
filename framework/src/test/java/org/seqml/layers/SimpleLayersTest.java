package org.seqml.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

/** Dropout, Activation, Flatten and RepeatVector: small layers, the same contract and gradient check. */
@ExtendWith(DoublePrecision.class)
class SimpleLayersTest {

    @Test
    void dropoutIsTheIdentityAtInferenceAndScalesKeptUnitsInTraining() {
        Dropout d = new Dropout(0.5).seed(3);
        INDArray x = Nd4j.ones(20, 50);
        assertEquals(x, d.call(x));
        Forward f = d.call(new INDArray[] {x}, new INDArray[1], true);
        INDArray y = f.output();
        double kept = y.gt(0).castTo(x.dataType()).meanNumber().doubleValue();
        assertTrue(Math.abs(kept - 0.5) < 0.05, "about half kept: " + kept);
        assertEquals(y.sumNumber().doubleValue(), y.gt(0).castTo(x.dataType()).sumNumber().doubleValue() * 2, 1e-9);
        // backward multiplies by the same mask, the exact derivative of x * keep
        INDArray dy = Arrays.random(20, 50);
        assertEquals(dy.mul(y), d.backward(f, new INDArray[] {dy})[0]);
        INDArray transposed = Arrays.random(50, 20).transpose();   // a view in f order: the mask follows positions
        assertEquals(transposed.mul(y), d.backward(f, new INDArray[] {transposed})[0]);
        LayerContract.check(new Dropout(0.3), new long[][] {{4}}, Arrays.random(2, 4));
        GradientCheck.of(new Dropout(0.3), Arrays.random(3, 4)).check();
    }

    @Test
    void dropoutMasksDifferBetweenCallsButRepeatForTheSameSeed() {
        INDArray x = Nd4j.ones(4, 30);
        Dropout a = new Dropout(0.5).seed(9);
        Dropout b = new Dropout(0.5).seed(9);
        INDArray first = a.call(new INDArray[] {x}, new INDArray[1], true).output();
        assertEquals(first, b.call(new INDArray[] {x}, new INDArray[1], true).output());
        assertNotEquals(first, a.call(new INDArray[] {x}, new INDArray[1], true).output());
    }

    @Test
    void activationLayerMatchesItsFunctionAndGradient() {
        for (String name : new String[] {"linear", "relu", "sigmoid", "tanh", "softmax", "hard_sigmoid",
            "hard_sigmoid_keras2", "gelu", "swish"}) {
            Activation layer = new Activation(name);
            LayerContract.check(layer, new long[][] {{3, 4}}, Arrays.random(2, 3, 4).muli(3));
            GradientCheck.of(new Activation(name), Arrays.random(2, 3, 4).muli(3)).check();
        }
    }

    @Test
    void flattenJoinsEveryNonBatchAxis() {
        Flatten f = new Flatten();
        assertEquals(Shape.of(-1, 12), f.apply(Input.of(3, 4)).shape());
        LayerContract.check(new Flatten(), new long[][] {{3, 4}}, Arrays.random(2, 3, 4));
        GradientCheck.of(new Flatten(), Arrays.random(2, 3, 4)).check();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new Flatten().named("flat").apply(Input.of(Shape.UNKNOWN, 4)));
        assertTrue(e.getMessage().contains("Flatten 'flat'") && e.getMessage().contains("(None, None, 4)"));
    }

    @Test
    void repeatVectorRepeatsAlongANewTimeAxis() {
        RepeatVector r = new RepeatVector(3);
        INDArray x = Nd4j.create(new double[][] {{1, 2}});
        assertEquals(Nd4j.create(new double[] {1, 2, 1, 2, 1, 2}, new long[] {1, 3, 2}), r.call(x));
        LayerContract.check(new RepeatVector(4), new long[][] {{5}}, Arrays.random(2, 5));
        GradientCheck.of(new RepeatVector(3), Arrays.random(2, 5)).check();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new RepeatVector(2).named("rep").apply(Input.of(3, 4)));
        assertTrue(e.getMessage().contains("RepeatVector 'rep'") && e.getMessage().contains("rank 2"));
    }
}
