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
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.layers.Forward;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;
import org.seqml.testing.GradientCheck;
import org.seqml.testing.LayerContract;

@ExtendWith(DoublePrecision.class)
class AttentionLSTMTest {
    private static final INDArray X_MASK = Nd4j.create(new double[][] {{1, 1, 1, 0}, {1, 1, 0, 0}});
    private static final INDArray MEMORY_MASK = Nd4j.create(new double[][] {{1, 1, 1, 1, 0}, {1, 1, 0, 0, 0}});

    /**
     * The plain definition, one step and one sample at a time with no buffers and no masks, that
     * the layer's batched loop must reproduce: z, c, h, α, ctx and a as the Javadoc writes them.
     */
    private static INDArray[] reference(AttentionLSTM layer, INDArray x, INDArray memory, INDArray h0, INDArray c0,
                                        INDArray a0) {
        List<INDArray> w = layer.getWeights();
        INDArray kernel = w.get(0);
        INDArray recurrent = w.get(1);
        INDArray bias = w.get(2);
        INDArray attention = w.get(3);
        long batch = x.size(0);
        long time = x.size(1);
        int u = layer.config().units();
        INDArray out = Nd4j.create(batch, time, layer.config().attentionUnits());
        INDArray weights = Nd4j.create(batch, time, memory.size(1));
        for (int b = 0; b < batch; b++) {
            INDArray h = h0.getRow(b).reshape(1, u).dup();
            INDArray c = c0.getRow(b).reshape(1, u).dup();
            INDArray a = a0.getRow(b).reshape(1, a0.size(1)).dup();
            INDArray m = memory.slice(b);
            for (int t = 0; t < time; t++) {
                INDArray xt = x.get(NDArrayIndex.point(b), NDArrayIndex.point(t), NDArrayIndex.all()).reshape(1, -1);
                INDArray z = Nd4j.hstack(xt, a).mmul(kernel).addi(h.mmul(recurrent)).addiRowVector(bias);
                INDArray i = Transforms.sigmoid(z.get(NDArrayIndex.all(), NDArrayIndex.interval(0, u)));
                INDArray f = Transforms.sigmoid(z.get(NDArrayIndex.all(), NDArrayIndex.interval(u, 2 * u)));
                INDArray g = Transforms.tanh(z.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * u, 3 * u)));
                INDArray o = Transforms.sigmoid(z.get(NDArrayIndex.all(), NDArrayIndex.interval(3 * u, 4 * u)));
                c = f.mul(c).addi(i.mul(g));
                h = o.mul(Transforms.tanh(c));
                INDArray alpha = Transforms.softmax(h.mmul(m.transpose()));
                INDArray context = alpha.mmul(m);
                a = Transforms.tanh(Nd4j.hstack(h, context).mmul(attention));
                out.get(NDArrayIndex.point(b), NDArrayIndex.point(t), NDArrayIndex.all()).assign(a.reshape(-1));
                weights.get(NDArrayIndex.point(b), NDArrayIndex.point(t), NDArrayIndex.all()).assign(alpha.reshape(-1));
            }
        }
        return new INDArray[] {out, weights};
    }

    /** A layer with {@code layer}'s config and weights, built for these inputs (a built layer keeps its shapes). */
    private static AttentionLSTM sameWeights(AttentionLSTM layer, INDArray[] inputs) {
        AttentionLSTM copy = new AttentionLSTM(layer.config(), layer.options());
        copy.call(inputs, new INDArray[inputs.length], false);
        copy.setWeights(layer.getWeights());
        return copy;
    }

    @Test
    void theBatchedLoopComputesTheDefinition() {
        AttentionLSTM layer = new AttentionLSTM(3).attentionUnits(4).returnAttentionScores(true);
        INDArray x = Arrays.random(2, 4, 5);
        INDArray memory = Arrays.random(2, 6, 3);
        INDArray[] in = {x, memory, Arrays.random(2, 3), Arrays.random(2, 3), Arrays.random(2, 4)};
        Forward f = layer.call(in, new INDArray[5], false);
        INDArray[] expected = reference(layer, x, memory, in[2], in[3], in[4]);
        assertTrue(expected[0].equalsWithEps(f.outputs()[0], 1e-12), "outputs a_t");
        assertTrue(expected[1].equalsWithEps(f.outputs()[1], 1e-12), "attention weights");
        // with no initial states given, they start at zero
        Forward zero = sameWeights(layer, new INDArray[] {x, memory}).call(new INDArray[] {x, memory},
            new INDArray[2], false);
        INDArray[] fromZero = reference(layer, x, memory, Nd4j.zeros(2, 3), Nd4j.zeros(2, 3), Nd4j.zeros(2, 4));
        assertTrue(fromZero[0].equalsWithEps(zero.output(), 1e-12));
    }

    @Test
    void steppingOneStepAtATimeGivesTheWholeSequence() {
        AttentionLSTM layer = new AttentionLSTM(4).returnState(true);
        INDArray x = Arrays.random(3, 5, 2);
        INDArray memory = Arrays.random(3, 4, 4);
        INDArray[] whole = layer.call(new INDArray[] {x, memory}, new INDArray[2], false).outputs();
        INDArray h = Nd4j.zeros(3, 4);
        INDArray c = Nd4j.zeros(3, 4);
        INDArray a = Nd4j.zeros(3, 4);
        AttentionLSTM stepper = null;
        for (int t = 0; t < 5; t++) {
            INDArray xt = x.get(NDArrayIndex.all(), NDArrayIndex.interval(t, t + 1), NDArrayIndex.all()).dup();
            if (stepper == null) {
                stepper = sameWeights(layer, new INDArray[] {xt, memory, h, c, a});
            }
            INDArray[] step = stepper.call(new INDArray[] {xt, memory, h, c, a}, new INDArray[5], false).outputs();
            INDArray expected = whole[0].get(NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all());
            assertTrue(expected.equalsWithEps(step[0].reshape(3, 4), 1e-12), "step " + t);
            h = step[1];
            c = step[2];
            a = step[3];
        }
        assertTrue(whole[1].equalsWithEps(h, 1e-12) && whole[2].equalsWithEps(c, 1e-12)
            && whole[3].equalsWithEps(a, 1e-12), "the final states");
    }

    @Test
    void paddedStepsCarryTheStatesAndPaddedMemoryGetsNoWeight() {
        AttentionLSTM layer = new AttentionLSTM(3).returnState(true).returnAttentionScores(true);
        INDArray x = Arrays.random(2, 4, 2);
        INDArray memory = Arrays.random(2, 5, 3);
        Forward f = layer.call(new INDArray[] {x, memory}, new INDArray[] {X_MASK, MEMORY_MASK}, false);
        INDArray out = f.outputs()[0];
        INDArray w = f.outputs()[4];
        assertEquals(0.0, w.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.interval(2, 5)).sumNumber()
            .doubleValue(), 1e-12);
        assertEquals(0.0, w.getDouble(0, 1, 4), 1e-12);
        // sample 1 ends after two steps: its final state is the state after step 1, its output repeats
        assertTrue(out.get(NDArrayIndex.point(1), NDArrayIndex.point(1), NDArrayIndex.all())
            .equalsWithEps(f.outputs()[3].getRow(1), 1e-12));
        assertTrue(out.get(NDArrayIndex.point(1), NDArrayIndex.point(3), NDArrayIndex.all())
            .equalsWithEps(f.outputs()[3].getRow(1), 1e-12));
        // and equals running the unpadded prefix alone
        INDArray[] prefix = {
            x.get(NDArrayIndex.interval(1, 2), NDArrayIndex.interval(0, 2), NDArrayIndex.all()).dup(),
            memory.get(NDArrayIndex.interval(1, 2), NDArrayIndex.interval(0, 2), NDArrayIndex.all()).dup()};
        INDArray[] alone = sameWeights(layer, prefix).call(prefix, new INDArray[2], false).outputs();
        assertTrue(alone[1].getRow(0).equalsWithEps(f.outputs()[1].getRow(1), 1e-12));
        assertEquals(X_MASK, f.outputMask());
    }

    @Test
    void gradientsMatchNumericalEstimate() {
        INDArray x = Arrays.random(2, 4, 3);
        INDArray memory = Arrays.random(2, 5, 3);
        GradientCheck.of(new AttentionLSTM(3), x, memory).check();
        GradientCheck.of(new AttentionLSTM(3).attentionUnits(2).returnState(true).returnAttentionScores(true),
            x, memory, Arrays.random(2, 3), Arrays.random(2, 3), Arrays.random(2, 2)).check();
        GradientCheck.of(new AttentionLSTM(3).returnState(true).returnAttentionScores(true),
            new INDArray[] {x, memory, Arrays.random(2, 3), Arrays.random(2, 3)},
            new INDArray[] {X_MASK, MEMORY_MASK, null, null}, false).check();
    }

    @Test
    void honoursTheLayerContractAndSaveRoundTrip(@TempDir Path dir) throws IOException {
        LayerContract.check(new AttentionLSTM(4).attentionUnits(3).returnState(true), new long[][] {{3, 2}, {5, 4}},
            Arrays.random(2, 3, 2), Arrays.random(2, 5, 4));
        SymbolicTensor x = Input.of(3, 2);
        SymbolicTensor m = Input.of(5, 4);
        Model model = new Model(List.of(x, m), List.of(new AttentionLSTM(4).apply(x, m)));
        INDArray[] in = {Arrays.random(2, 3, 2), Arrays.random(2, 5, 4)};
        model.save(dir.resolve("attention-lstm.seqml"));
        assertEquals(model.predict(in, 2)[0], Model.load(dir.resolve("attention-lstm.seqml")).predict(in, 2)[0]);
    }

    @Test
    void aMemoryOfTheWrongSizeIsRejectedNamingTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new AttentionLSTM(4).named("dec").apply(Input.of(3, 2), Input.of(5, 6)));
        assertTrue(e.getMessage().contains("AttentionLSTM 'dec'") && e.getMessage().contains("units (4)")
            && e.getMessage().contains("6"), e.getMessage());
    }
}
