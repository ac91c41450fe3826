package org.seqml.layers.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.layers.Forward;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;
import org.seqml.testing.GradientCheck;
import org.seqml.testing.LayerContract;

@ExtendWith(DoublePrecision.class)
class AttentionTest {
    private static final INDArray QUERY_MASK = Nd4j.create(new double[][] {{1, 1, 0}, {1, 1, 1}});
    private static final INDArray VALUE_MASK = Nd4j.create(new double[][] {{1, 1, 1, 0}, {1, 0, 1, 1}});

    @Test
    void dotProductAttentionMatchesItsDefinition() {
        INDArray q = Nd4j.create(new double[] {1, 0, 0, 1}, new long[] {1, 2, 2});
        INDArray v = Nd4j.create(new double[] {1, 2, 3, 4, 5, 6}, new long[] {1, 3, 2});
        Forward f = new Attention().returnAttentionScores(true).call(new INDArray[] {q, v}, new INDArray[2], false);
        // query 0 scores values by their first feature: softmax(1, 3, 5)
        double e1 = Math.exp(1);
        double e3 = Math.exp(3);
        double e5 = Math.exp(5);
        double z = e1 + e3 + e5;
        assertEquals(e5 / z, f.outputs()[1].getDouble(0, 0, 2), 1e-12);
        assertEquals((e1 * 1 + e3 * 3 + e5 * 5) / z, f.output().getDouble(0, 0, 0), 1e-12);
    }

    @Test
    void masksAndCausalityGiveZeroWeightAndTheQueryMaskPassesOn() {
        INDArray q = Arrays.random(2, 3, 4);
        INDArray v = Arrays.random(2, 4, 4);
        Forward f = new Attention().returnAttentionScores(true).causal(true)
            .call(new INDArray[] {q, v}, new INDArray[] {QUERY_MASK, VALUE_MASK}, false);
        INDArray w = f.outputs()[1];
        assertEquals(0.0, w.getDouble(0, 2, 3), 1e-12, "padded value step");
        assertEquals(0.0, w.getDouble(1, 0, 1), 1e-12, "padded value step");
        assertEquals(0.0, w.getDouble(1, 0, 2), 1e-12, "the future, causal");
        assertEquals(1.0, w.getDouble(0, 0, 0), 1e-12, "only step 0 is visible to query 0");
        INDArray rowSums = w.sum(2);
        assertTrue(rowSums.equalsWithEps(Nd4j.ones(2, 3), 1e-12));
        assertEquals(QUERY_MASK, f.outputMask());
    }

    @Test
    void gradientsMatchNumericalEstimate() {
        INDArray q = Arrays.random(2, 3, 4);
        INDArray v = Arrays.random(2, 4, 5);
        INDArray k = Arrays.random(2, 4, 4);
        GradientCheck.of(new Attention(), q, Arrays.random(2, 4, 4)).check();
        GradientCheck.of(new Attention().useScale(true).returnAttentionScores(true), q, v, k).check();
        GradientCheck.of(new Attention().causal(true), new INDArray[] {q, v, k},
            new INDArray[] {QUERY_MASK, VALUE_MASK, null}, false).check();
        GradientCheck.of(new AdditiveAttention(), q, Arrays.random(2, 4, 4)).check();
        GradientCheck.of(new AdditiveAttention().useScale(false).returnAttentionScores(true), q, v, k).check();
        GradientCheck.of(new AdditiveAttention().causal(true), new INDArray[] {q, v, k},
            new INDArray[] {QUERY_MASK, VALUE_MASK, null}, false).check();
    }

    @Test
    void honourTheLayerContractAndSaveRoundTrip(@TempDir Path dir) throws IOException {
        LayerContract.check(new Attention().useScale(true), new long[][] {{3, 4}, {5, 4}}, Arrays.random(2, 3, 4),
            Arrays.random(2, 5, 4));
        LayerContract.check(new AdditiveAttention(), new long[][] {{3, 4}, {5, 4}}, Arrays.random(2, 3, 4),
            Arrays.random(2, 5, 4));
        SymbolicTensor q = Input.of(3, 4);
        SymbolicTensor v = Input.of(5, 4);
        Model model = new Model(List.of(q, v), List.of(new AdditiveAttention().causal(true).apply(q, v)));
        INDArray[] x = {Arrays.random(2, 3, 4), Arrays.random(2, 5, 4)};
        model.save(dir.resolve("att.seqml"));
        assertEquals(model.predict(x, 2)[0], Model.load(dir.resolve("att.seqml")).predict(x, 2)[0]);
    }

    @Test
    void mismatchedQueryAndKeyAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new Attention().named("att").apply(Input.of(3, 4), Input.of(5, 6)));
        assertTrue(e.getMessage().contains("Attention 'att'") && e.getMessage().contains("same feature size"));
        assertTrue(new AdditiveAttention().apply(Input.of(3, 4), Input.of(5, 7), Input.of(5, 4)).shape().get(2) == 7);
    }
}
