package org.seqml.io.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.activations.Activations;
import org.seqml.layers.Layer;
import org.seqml.layers.recurrent.GRU;
import org.seqml.models.Model;
import org.seqml.testing.Arrays;

/** Functional configs in Keras 3's node format: shared layers, merges, pooling, options read from the file. */
class KerasGraphTest {
    private static final String KERAS3 = """
        {"layers": [
          {"class_name": "InputLayer", "name": "x", "config": {"name": "x", "batch_shape": [null, 5, 3]}, "inbound_nodes": []},
          {"class_name": "LSTM", "name": "lstm", "config": {"name": "lstm", "units": 4, "return_sequences": true,
             "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true},
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["x", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "GlobalMaxPooling1D", "name": "pool", "config": {"name": "pool", "data_format": "channels_last", "keepdims": false},
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["lstm", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "GRU", "name": "gru", "config": {"name": "gru", "units": 4, "reset_after": false,
             "recurrent_activation": "hard_sigmoid", "activation": "tanh"},
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["x", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "Dense", "name": "shared", "config": {"name": "shared", "units": 4, "activation": "relu", "future_option": 1},
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["pool", 0, 0]}}], "kwargs": {}},
                             {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["gru", 0, 0]}}], "kwargs": {}}]},
          {"class_name": "Add", "name": "add", "config": {"name": "add"},
           "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__", "config": {"keras_history": ["shared", 0, 0]}},
                                        {"class_name": "__keras_tensor__", "config": {"keras_history": ["shared", 1, 0]}}]], "kwargs": {}}]},
          {"class_name": "Concatenate", "name": "cat", "config": {"name": "cat", "axis": -1},
           "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__", "config": {"keras_history": ["add", 0, 0]}},
                                        {"class_name": "__keras_tensor__", "config": {"keras_history": ["gru", 0, 0]}}]], "kwargs": {}}]}
        ],
        "input_layers": [["x", 0, 0]], "output_layers": [["cat", 0, 0]]}
        """;

    @Test
    void keras3FunctionalConfigBuildsWithSharedLayersAndMerges() throws Exception {
        Model model = new KerasGraph(Path.of("test.keras"), new KerasLayers("test.keras", "3.3.3"))
            .build(new ObjectMapper().readTree(KERAS3));
        INDArray y = model.predict(Arrays.random(2, 5, 3));
        assertArrayEquals(new long[] {2, 8}, y.shape());
        Layer shared = model.layers().stream().filter(l -> l.name().equals("shared")).findFirst().orElseThrow();
        assertEquals(2, shared.weights().size(), "one Dense, called twice");
        GRU gru = (GRU) model.layers().stream().filter(l -> l instanceof GRU).findFirst().orElseThrow();
        // Keras 3's hard_sigmoid, and reset_after as the file says
        assertEquals(Activations.HARD_SIGMOID, gru.config().recurrentActivation());
        assertTrue(!gru.config().resetAfter());
    }

    @Test
    void onlyOptionsThatChangeTheModelAreWarnedAbout() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String off : new String[] {"false", "0", "0.0", "null", "\"\"", "[]", "{}"}) {
            assertTrue(KerasLayers.off(json.readTree(off)), off + " is an option left off: no warning");
        }
        for (String on : new String[] {"true", "2", "\"tanh\"", "[1]", "{\"a\": 1}"}) {
            assertTrue(!KerasLayers.off(json.readTree(on)), on + " changes the model: a warning");
        }
    }

    @Test
    void anUnsupportedLayerNamesItselfAndTheFile() {
        KerasLayers mapping = new KerasLayers("m.h5", "2.2.4");
        KerasImportException e = assertThrows(KerasImportException.class, () -> mapping.layer("Conv1D",
            new ObjectMapper().readTree("{\"name\": \"conv\"}")));
        assertTrue(e.getMessage().contains("m.h5") && e.getMessage().contains("conv") && e.getMessage().contains("Conv1D"),
            e.getMessage());
    }

    @Test
    void aLayerTrainedUnderMixedBfloat16KeepsItsPolicy() throws Exception {
        KerasLayers mapping = new KerasLayers("m.keras", "3.3.3");
        ObjectMapper json = new ObjectMapper();
        Layer mixed = mapping.layer("LSTM", json.readTree("{\"name\": \"l\", \"units\": 4, \"dtype\": {\"module\":"
            + " \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"mixed_bfloat16\"}}}"));
        assertEquals(org.seqml.mixedprecision.Policy.MIXED_BFLOAT16, mixed.dtypePolicy());
        Layer keras2 = mapping.layer("Dense", json.readTree("{\"name\": \"d\", \"units\": 2, \"dtype\":"
            + " {\"class_name\": \"Policy\", \"config\": {\"name\": \"mixed_bfloat16\"}}}"));
        assertEquals(org.seqml.mixedprecision.Policy.MIXED_BFLOAT16, keras2.dtypePolicy());
        Layer plain = mapping.layer("Dense", json.readTree("{\"name\": \"e\", \"units\": 2, \"dtype\": \"float32\"}"));
        assertEquals(org.seqml.mixedprecision.Policy.FLOAT32, plain.dtypePolicy());
    }
}
