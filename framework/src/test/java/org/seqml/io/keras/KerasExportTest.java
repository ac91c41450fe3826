package org.seqml.io.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.activations.Activations;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.Layer;
import org.seqml.layers.TimeDistributed;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.pooling.GlobalMaxPooling1D;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.layers.recurrent.MergeMode;
import org.seqml.layers.recurrent.SimpleRNN;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.testing.Arrays;

/** seqml -> .keras -> seqml gives the same outputs, bit for bit. */
class KerasExportTest {

    @TempDir
    Path dir;

    @Test
    void aMaskedTextClassifierRoundTrips() throws Exception {
        SymbolicTensor tokens = Input.of(7);
        SymbolicTensor h = new Bidirectional(new GRU(5).returnSequences(true), MergeMode.SUM)
            .apply(new Embedding(20, 4).maskZero(true).apply(tokens));
        Model model = new Model(tokens, new Dense(3).activation("softmax").apply(new GlobalMaxPooling1D().apply(h)));
        INDArray ids = Arrays.tokens(20, 3, 7);
        ids.putScalar(0, 6, 0);
        ids.putScalar(1, 5, 0);
        ids.putScalar(1, 6, 0);
        same(model, ids);
    }

    @Test
    void aSharedLayerGraphWithStatesRoundTrips() throws Exception {
        SymbolicTensor a = Input.of(6, 3);
        SymbolicTensor b = Input.of(6, 3);
        LSTM shared = new LSTM(4).returnSequences(true).goBackwards(true).recurrentActivation(Activations.HARD_SIGMOID);
        SymbolicTensor merged = new Concatenate().apply(shared.apply(a), shared.apply(b));
        List<SymbolicTensor> rnn = new SimpleRNN(2).returnState(true).applyAll(merged);
        SymbolicTensor perStep = new TimeDistributed(new Dense(2).activation("tanh")).apply(merged);
        Model model = new Model(List.of(a, b), List.of(rnn.get(0), rnn.get(1), perStep));
        Path file = dir.resolve("graph.keras");
        KerasExport.save(model, file);
        Model back = KerasArchive.load(file);
        INDArray[] x = {Arrays.random(2, 6, 3), Arrays.random(2, 6, 3)};
        INDArray[] expected = model.predict(x, 32);
        INDArray[] actual = back.predict(x, 32);
        assertEquals(expected.length, actual.length);
        for (int k = 0; k < expected.length; k++) {
            assertArrayEquals(expected[k].shape(), actual[k].shape());
            assertTrue(expected[k].equals(actual[k]), "output " + k);
        }
        assertEquals(6, back.layers().size(), "two inputs, one shared LSTM, Concatenate, SimpleRNN, TimeDistributed");
    }

    @Test
    void attentionWithItsScaleAndCallOptionsRoundTrips() throws Exception {
        SymbolicTensor q = Input.of(4, 3);
        SymbolicTensor v = Input.of(6, 3);
        List<SymbolicTensor> dot = new org.seqml.layers.attention.Attention().useScale(true)
            .returnAttentionScores(true).applyAll(q, v);
        SymbolicTensor additive = new org.seqml.layers.attention.AdditiveAttention().causal(true).apply(q, q);
        Model model = new Model(List.of(q, v), List.of(dot.get(0), dot.get(1), additive));
        model.layers().forEach(l -> l.weights().forEach(p -> p.value().assign(Arrays.random(p.value().shape()))));
        Path file = dir.resolve("attention.keras");
        model.saveKeras(file);
        Model back = KerasArchive.load(file);
        INDArray[] x = {Arrays.random(2, 4, 3), Arrays.random(2, 6, 3)};
        INDArray[] expected = model.predict(x, 32);
        INDArray[] actual = back.predict(x, 32);
        assertEquals(3, actual.length);
        for (int k = 0; k < expected.length; k++) {
            assertTrue(expected[k].equals(actual[k]), "output " + k);
        }
    }

    @Test
    void frozenLayersAndBfloat16PoliciesSurviveTheRoundTrip() throws Exception {
        SymbolicTensor tokens = Input.of(5);
        Embedding embedding = new Embedding(20, 4);
        embedding.setTrainable(false);
        LSTM lstm = new LSTM(3).dtype("mixed_bfloat16");
        Model model = new Model(tokens, new Dense(1).apply(lstm.apply(embedding.apply(tokens))));
        Path file = dir.resolve("frozen.keras");
        model.saveKeras(file);
        Model back = KerasArchive.load(file);
        Layer e = back.layers().stream().filter(l -> l instanceof Embedding).findFirst().orElseThrow();
        Layer l = back.layers().stream().filter(x -> x instanceof LSTM).findFirst().orElseThrow();
        Layer d = back.layers().stream().filter(x -> x instanceof Dense).findFirst().orElseThrow();
        assertFalse(e.trainable(), "Keras's trainable: false");
        assertTrue(l.trainable() && d.trainable());
        assertEquals("mixed_bfloat16", l.dtypePolicy().name());
        assertEquals("float32", d.dtypePolicy().name());
    }

    @Test
    void whatKeras3CannotExpressIsRefusedByName() {
        SymbolicTensor x = Input.of(4, 2);
        LSTM old = new LSTM(3).recurrentActivation(Activations.HARD_SIGMOID_KERAS2).named("old_lstm");
        Model model = new Model(x, old.apply(x));
        KerasImportException e = assertThrows(KerasImportException.class,
            () -> KerasExport.save(model, dir.resolve("m.keras")));
        assertTrue(e.getMessage().contains("old_lstm"), e.getMessage());
    }

    private void same(Model model, INDArray x) throws Exception {
        Path file = dir.resolve("model.keras");
        model.saveKeras(file);
        Model back = KerasArchive.load(file);
        INDArray expected = model.predict(x);
        INDArray actual = back.predict(x);
        assertArrayEquals(expected.shape(), actual.shape());
        assertTrue(expected.equals(actual), "expected\n" + expected + "\nactual\n" + actual);
    }
}
