package org.seqml.layers.merging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.Shape;
import org.seqml.layers.Forward;
import org.seqml.models.Input;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;
import org.seqml.testing.GradientCheck;
import org.seqml.testing.LayerContract;

@ExtendWith(DoublePrecision.class)
class MergeLayersTest {

    @Test
    void concatenateJoinsAlongTheLastAxisAndSplitsTheGradientBack() {
        Concatenate c = new Concatenate();
        assertEquals(Shape.of(-1, 7), c.apply(Input.of(3), Input.of(4)).shape());
        INDArray a = Nd4j.create(new double[][] {{1, 2}});
        INDArray b = Nd4j.create(new double[][] {{3}});
        assertEquals(Nd4j.create(new double[][] {{1, 2, 3}}),
            new Concatenate().call(new INDArray[] {a, b}, new INDArray[2], false).output());
        LayerContract.check(new Concatenate(), new long[][] {{3}, {4}}, Arrays.random(2, 3), Arrays.random(2, 4));
        GradientCheck.of(new Concatenate(), Arrays.random(2, 3), Arrays.random(2, 4)).check();
        GradientCheck.of(new Concatenate(1), Arrays.random(2, 3, 4), Arrays.random(2, 2, 4)).check();
    }

    @Test
    void addSumsAndPassesTheGradientToEveryInput() {
        LayerContract.check(new Add(), new long[][] {{3}, {3}}, Arrays.random(2, 3), Arrays.random(2, 3));
        GradientCheck.of(new Add(), Arrays.random(2, 3), Arrays.random(2, 3), Arrays.random(2, 3)).check();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new Add().named("sum").apply(Input.of(3), Input.of(4)));
        assertTrue(e.getMessage().contains("Add 'sum'") && e.getMessage().contains("(None, 3)"), e.getMessage());
    }

    @Test
    void mergedMaskKeepsOnlyStepsEveryInputKeeps() {
        INDArray m1 = Nd4j.create(new double[][] {{1, 1, 0}});
        INDArray m2 = Nd4j.create(new double[][] {{1, 0, 0}});
        INDArray x = Arrays.random(1, 3, 2);
        Forward f = new Add().call(new INDArray[] {x, x}, new INDArray[] {m1, m2}, false);
        assertEquals(Nd4j.create(new double[][] {{1, 0, 0}}), f.outputMask());
        Forward g = new Concatenate().call(new INDArray[] {x, x}, new INDArray[] {m1, null}, false);
        assertEquals(m1, g.outputMask());
        assertNull(new Add().call(new INDArray[] {x, x}, new INDArray[2], false).outputMask());
    }

    @Test
    void rejectsASingleInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new Concatenate().named("cat").apply(Input.of(3)));
        assertTrue(e.getMessage().contains("Concatenate 'cat'") && e.getMessage().contains("at least 2"));
    }
}
