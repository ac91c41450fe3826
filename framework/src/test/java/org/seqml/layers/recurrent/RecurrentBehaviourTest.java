package org.seqml.layers.recurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.Shape;
import org.seqml.layers.Dense;
import org.seqml.layers.Forward;
import org.seqml.layers.Masking;
import org.seqml.layers.TimeDistributed;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.testing.Arrays;
import org.seqml.testing.DoublePrecision;
import org.seqml.testing.LayerContract;

@ExtendWith(DoublePrecision.class)
class RecurrentBehaviourTest {

    @Test
    void everyRecurrentLayerHonoursTheLayerContract() {
        INDArray x = Arrays.random(2, 5, 3);
        long[][] shape = {{5, 3}};
        LayerContract.check(new LSTM(4).returnSequences(true), shape, x);
        LayerContract.check(new LSTM(4).returnState(true), shape, x);
        LayerContract.check(new GRU(4), shape, x);
        LayerContract.check(new GRU(4).resetAfter(false).returnSequences(true), shape, x);
        LayerContract.check(new SimpleRNN(4), shape, x);
        LayerContract.check(new Bidirectional(new LSTM(4).returnSequences(true)), shape, x);
        LayerContract.check(new TimeDistributed(new Dense(2)), shape, x);
        LayerContract.check(new Masking(), shape, x);
    }

    @Test
    void weightsFollowKerasLayout() {
        LSTM lstm = new LSTM(4);
        lstm.apply(Input.of(5, 3));
        assertEquals(List.of("kernel[3, 16]", "recurrent_kernel[4, 16]", "bias[16]"),
            lstm.weights().stream().map(Object::toString).toList());
        // unitForgetBias: the forget block (second quarter) starts at 1
        assertEquals(4.0, lstm.weights().get(2).value().sumNumber().doubleValue(), 0);
        assertEquals(1.0, lstm.weights().get(2).value().getDouble(4), 0);
        GRU gru = new GRU(4);
        gru.apply(Input.of(5, 3));
        assertEquals("bias[2, 12]", gru.weights().get(2).toString());
        GRU old = new GRU(4).resetAfter(false);
        old.apply(Input.of(5, 3));
        assertEquals("bias[12]", old.weights().get(2).toString());
        Bidirectional bi = new Bidirectional(new GRU(2));
        bi.apply(Input.of(5, 3));
        assertEquals(6, bi.weights().size());
        LSTM peephole = new LSTM(4).peephole(true);
        peephole.apply(Input.of(5, 3));
        assertEquals("output_gate_peephole_weights[4]", peephole.weights().get(5).toString());
    }

    @Test
    void statefulLayerCarriesStatesAcrossCallsUntilReset() {
        INDArray x = Arrays.random(2, 6, 3);
        INDArray first = x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3), NDArrayIndex.all()).dup();
        INDArray second = x.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 6), NDArrayIndex.all()).dup();
        LSTM whole = new LSTM(4).seed(1);
        INDArray expected = whole.call(x);
        LSTM stateful = new LSTM(4).stateful(true);
        stateful.call(first);   // builds; copy the weights of `whole`
        stateful.setWeights(whole.getWeights());
        stateful.resetStates();
        stateful.call(first);
        assertTrue(expected.equalsWithEps(stateful.call(second), 1e-12), "the second half continues the first");
        stateful.resetStates();
        assertFalse(expected.equalsWithEps(stateful.call(second), 1e-6), "after reset it starts from zeros");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> stateful.call(Arrays.random(3, 3, 3)));
        assertTrue(e.getMessage().contains("same batch size") && e.getMessage().contains("resetStates"), e.getMessage());
    }

    @Test
    void inputDropoutDropsTheSameFeaturesAtEveryStep() {
        LSTM lstm = new LSTM(4).dropout(0.5).returnSequences(true);
        INDArray x = Arrays.random(3, 6, 8);
        Forward f = lstm.call(new INDArray[] {x}, new INDArray[1], true);
        INDArray dx = lstm.backward(f, new INDArray[] {Nd4j.ones(3, 6, 4)})[0];
        INDArray dropped = dx.eq(0).castTo(dx.dataType());   // (batch, time, features)
        INDArray perStep = dropped.sum(1);                    // (batch, features): 0 or 6 if constant in time
        INDArray constant = perStep.eq(0).castTo(dx.dataType()).add(perStep.eq(6).castTo(dx.dataType()));
        assertEquals(3 * 8, constant.sumNumber().doubleValue(), 0, "a feature is dropped at all steps or none");
        assertTrue(perStep.sumNumber().doubleValue() > 0, "some features were dropped");
        assertEquals(lstm.call(x), lstm.call(x), "no dropout at inference");
    }

    @Test
    void encoderStatesSeedADecoderInTheFunctionalApi() {
        SymbolicTensor src = Input.of(5, 3);
        SymbolicTensor tgt = Input.of(4, 2);
        LSTM encoder = new LSTM(6).returnState(true);
        List<SymbolicTensor> encoded = encoder.applyAll(src);
        assertEquals(3, encoded.size());
        LSTM decoder = new LSTM(6).returnSequences(true);
        SymbolicTensor decoded = decoder.apply(tgt, encoded.get(1), encoded.get(2));
        assertEquals(Shape.of(-1, 4, 6), decoded.shape());
        Model model = new Model(List.of(src, tgt), List.of(decoded));
        INDArray xs = Arrays.random(2, 5, 3);
        INDArray xt = Arrays.random(2, 4, 2);
        INDArray y = model.predict(new INDArray[] {xs, xt}, 2)[0];
        Forward enc = encoder.call(new INDArray[] {xs}, new INDArray[1], false);
        INDArray manual = decoder.call(new INDArray[] {xt, enc.outputs()[1], enc.outputs()[2]}, new INDArray[3], false)
            .output();
        assertTrue(manual.equalsWithEps(y, 1e-12));
        assertNotEquals(decoder.call(new INDArray[] {xt, Nd4j.zeros(2, 6), Nd4j.zeros(2, 6)}, new INDArray[3], false)
            .output(), y);
    }

    @Test
    void maskedStepsRepeatTheOutputAndKeepTheState() {
        INDArray x = Arrays.random(1, 4, 3);
        INDArray mask = Nd4j.create(new double[][] {{1, 0, 1, 0}});
        GRU gru = new GRU(2).returnSequences(true).returnState(true);
        Forward f = gru.call(new INDArray[] {x}, new INDArray[] {mask}, false);
        INDArray y = f.output();
        assertEquals(y.get(NDArrayIndex.point(0), NDArrayIndex.point(0), NDArrayIndex.all()),
            y.get(NDArrayIndex.point(0), NDArrayIndex.point(1), NDArrayIndex.all()));
        assertEquals(y.get(NDArrayIndex.point(0), NDArrayIndex.point(2), NDArrayIndex.all()).reshape(1, 2),
            f.outputs()[1]);
        assertEquals(mask, f.outputMask(), "returnSequences passes the mask on");
        Forward last = new GRU(2).call(new INDArray[] {x}, new INDArray[] {mask}, false);
        assertEquals(null, last.outputMask());
    }

    @Test
    void badInputsNameTheLayerAndTheFix() {
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
            () -> new LSTM(4).named("encoder").apply(Input.of(10)));
        assertTrue(rank.getMessage().contains("LSTM 'encoder'") && rank.getMessage().contains("(None, 10)")
            && rank.getMessage().contains("Embedding"), rank.getMessage());
        IllegalArgumentException states = assertThrows(IllegalArgumentException.class,
            () -> new LSTM(4).named("dec").apply(Input.of(5, 3), Input.of(4)));
        assertTrue(states.getMessage().contains("LSTM 'dec'") && states.getMessage().contains("[h, c]"),
            states.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
            () -> new GRU(4).named("g").apply(Input.of(5, 3), Input.of(5)));
        assertTrue(width.getMessage().contains("(None, 4)"), width.getMessage());
    }
}
