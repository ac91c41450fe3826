package org.seqml.io.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.activations.Activations;
import org.seqml.layers.recurrent.LSTM;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.activations.Activation;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.Masking;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.MergeMode;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.testing.Arrays;

/** Real Keras 2 files from ../shared/keras-h5 load and reproduce Keras's own predictions. */
class KerasH5Test {

    static Path dir() {
        for (Path p : new Path[] {Path.of("../shared/keras-h5"), Path.of("../../shared/keras-h5")}) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("../shared/keras-h5 not found from " + Path.of("").toAbsolutePath());
    }

    @Test
    void simpleRnnFromTfKeras2ReproducesKerasPredictions() {
        Model model = KerasH5.load(dir().resolve("simple_rnn_tf_keras_2_model.h5"));
        check(model, "simple_rnn_tf_keras_2_inputs_and_outputs.h5", "inputs/simple_rnn_1_input", "predictions/dense_1");
    }

    @Test
    void twoLstmsFromTheanoKeras2WeightsAndJsonReproduceKerasPredictions() {
        Model model = KerasH5.load(dir().resolve("lstm_th_keras_2_weights.h5"), dir().resolve("lstm_th_keras_2_config.json"));
        // Keras 2.0's hard_sigmoid, read from the file, is clip(0.2x + 0.5, 0, 1)
        assertEquals(Activations.HARD_SIGMOID_KERAS2, ((LSTM) model.layers().get(1)).config().recurrentActivation());
        check(model, "lstm_th_keras_2_inputs_and_predictions.h5", "inputs/lstm_1_input", "predictions/dense_1");
    }

    /**
     * A copy of a tf.keras 2 file whose input leaves the time open ({@code [null, null, F]}, as
     * tf.keras saves variable-length models), patched byte for byte in the model_config (the same
     * length: the spaces make room for the nulls).
     */
    private static Path openTime(Path tmp, String file, String fixed, String open) throws java.io.IOException {
        byte[] bytes = Files.readAllBytes(dir().resolve(file));
        String latin = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(fixed.length(), open.length());
        assertTrue(latin.contains(fixed), file + " holds " + fixed);
        Path copy = tmp.resolve("open_" + file);
        Files.write(copy, latin.replace(fixed, open).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        return copy;
    }

    @Test
    void aTfKeras2ModelWithAnOpenTimeDimensionLoadsAndTakesSequencesOfAnyLength(@org.junit.jupiter.api.io.TempDir
                                                                               Path tmp) throws java.io.IOException {
        Model fixed = KerasH5.load(dir().resolve("masking_zero_lstm.h5"));
        Model open = KerasH5.load(openTime(tmp, "masking_zero_lstm.h5", "\"batch_input_shape\": [null, 10, 42]",
            "\"batch_input_shape\":[null,null, 42]"));
        assertEquals(org.seqml.Shape.UNKNOWN, open.graph().inputs().get(0).shape().get(1));
        org.seqml.RandomSeed.set(8);
        INDArray x = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 6, 10, 42).addi(0.1);
        assertTrue(fixed.predict(x).equalsWithEps(open.predict(x), 1e-6), "the same model at the saved length");
        // 7 steps: what the saved model gives for the same steps padded with the mask value to 10
        INDArray seven = x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 7), NDArrayIndex.all()).dup();
        INDArray padded = org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 6, 10, 42);
        padded.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 7), NDArrayIndex.all()).assign(seven);
        assertTrue(fixed.predict(padded).equalsWithEps(open.predict(seven), 1e-6), "7 steps");

        Model tokensFixed = KerasH5.load(dir().resolve("embedding_lstm_tensorflow_2.h5"));
        Model tokensOpen = KerasH5.load(openTime(tmp, "embedding_lstm_tensorflow_2.h5",
            "\"batch_input_shape\": [null, 10]", "\"batch_input_shape\":[null,null]"));
        INDArray ids = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 5, 10).muli(2.99).addi(1);   // ids 1..3 of a vocabulary of 4
        ids = org.nd4j.linalg.ops.transforms.Transforms.floor(ids, false);
        assertTrue(tokensFixed.predict(ids).equalsWithEps(tokensOpen.predict(ids), 1e-6), "token ids, 10 steps");
        INDArray four = tokensOpen.predict(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)).dup());
        assertEquals(5, four.size(0), "4 steps run");
        assertTrue(!four.isNaN().any(), "4 steps run");
    }

    @Test
    void theOtherModelFilesSequentialAndFunctionalLoadWithTheirWeights() {
        for (String f : new String[] {"simple_lstm_tf_keras_2_model.h5", "masking_zero_lstm.h5", "bidirectional_lstm_tensorflow_2.h5", "bidirectional_lstm_no_return_sequences_tensorflow_2.h5", "embedding_lstm_tensorflow_2.h5", "rnn_5.h5", "rnn_29.h5"}) {
            Model model = KerasH5.load(dir().resolve(f));
            assertTrue(model.layers().stream().mapToLong(l -> l.weights().size()).sum() > 0, f);
        }
    }

    @Test
    void bidirectionalFileEqualsTheSameArchitectureBuiltByHandWithTheFilesWeights() {
        Path f = dir().resolve("bidirectional_lstm_tensorflow_2.h5");
        Model loaded = KerasH5.load(f);
        SymbolicTensor in = Input.of(4, 10);
        LSTM cell = new LSTM(10).returnSequences(true).recurrentActivation(Activations.HARD_SIGMOID_KERAS2);
        Model byHand = new Model(in, new Bidirectional(cell, MergeMode.CONCAT).apply(in));
        List<INDArray> weights = new ArrayList<>();
        try (HdfFile h5 = new HdfFile(f)) {
            for (String direction : new String[] {"forward", "backward"}) {
                for (String w : new String[] {"kernel", "recurrent_kernel", "bias"}) {
                    weights.add(KerasH5.array(h5.getDatasetByPath("model_weights/bidirectional_1/bidirectional_1/"
                        + direction + "_lstm_1/" + w + ":0")));
                }
            }
        }
        byHand.setWeights(weights);
        INDArray x = Arrays.random(3, 4, 10).castTo(DataType.FLOAT);
        INDArray expected = byHand.predict(x);
        assertArrayEquals(new long[] {3, 4, 20}, expected.shape());
        assertTrue(expected.equalsWithEps(loaded.predict(x), 1e-6));
    }

    @Test
    void everyFileWithoutPredictionsEqualsItsArchitectureBuiltByHand() {
        Activation hard = Activations.HARD_SIGMOID_KERAS2;   // Keras 2.1-2.2 files
        SymbolicTensor ids = Input.of(10);
        Model embedding = new Model(ids, new LSTM(6).returnSequences(true).recurrentActivation(hard)
            .apply(new Embedding(4, 5).apply(ids)));
        INDArray tokens = Arrays.tokens(4, 3, 10);
        byHand("embedding_lstm_tensorflow_2.h5", embedding, tokens, "embedding_1", "lstm_1");

        SymbolicTensor seq = Input.of(10, 42);
        Model masking = new Model(seq, new LSTM(32).recurrentActivation(hard).apply(new Masking(0.0).apply(seq)));
        INDArray x = Arrays.random(3, 10, 42);
        x.get(NDArrayIndex.point(0), NDArrayIndex.interval(7, 10), NDArrayIndex.all()).assign(0);   // padded steps
        byHand("masking_zero_lstm.h5", masking, x, "lstm_1");

        SymbolicTensor in = Input.of(3, 4);
        Model functional = new Model(in, new org.seqml.layers.Activation("relu").apply(
            new Bidirectional(new LSTM(6).returnSequences(true).recurrentActivation(hard), MergeMode.CONCAT).apply(in)));
        byHand("rnn_5.h5", functional, Arrays.random(2, 3, 4), "bidirectional_2");

        SymbolicTensor in29 = Input.of(3, 4);
        SymbolicTensor first = new org.seqml.layers.Activation("relu").apply(
            new Bidirectional(new LSTM(6).returnSequences(true).recurrentActivation(hard)).apply(in29));
        Model stacked = new Model(in29, new org.seqml.layers.Activation("relu").apply(
            new Bidirectional(new LSTM(4).returnSequences(true).recurrentActivation(hard)).apply(first)));
        byHand("rnn_29.h5", stacked, Arrays.random(2, 3, 4), "bidirectional_14", "bidirectional_15");

        SymbolicTensor in4 = Input.of(4, 10);
        Model last = new Model(in4, new Bidirectional(new LSTM(10).recurrentActivation(hard)).apply(in4));
        byHand("bidirectional_lstm_no_return_sequences_tensorflow_2.h5", last, Arrays.random(3, 4, 10),
            "bidirectional_1");

        SymbolicTensor in1 = Input.of(1, 1);
        Model lstmDense = new Model(in1, new Dense(1).apply(new LSTM(50).recurrentActivation(hard).apply(in1)));
        byHand("simple_lstm_tf_keras_2_model.h5", lstmDense, Arrays.random(25, 1, 1), "lstm_1", "dense_1");
    }

    /** The file's model against one built by hand and given the weights of the named layer groups. */
    private static void byHand(String name, Model byHand, INDArray x, String... groups) {
        Path f = dir().resolve(name);
        List<INDArray> weights = new ArrayList<>();
        try (HdfFile h5 = new HdfFile(f)) {
            for (String group : groups) {
                io.jhdf.api.Group g = (io.jhdf.api.Group) h5.getByPath("model_weights/" + group);
                for (String w : (String[]) g.getAttribute("weight_names").getData()) {
                    weights.add(KerasH5.array(h5.getDatasetByPath("model_weights/" + group + "/" + w)));
                }
            }
        }
        byHand.setWeights(weights);
        INDArray expected = byHand.predict(x.castTo(DataType.FLOAT));
        INDArray actual = KerasH5.load(f).predict(x.castTo(DataType.FLOAT));
        assertArrayEquals(expected.shape(), actual.shape(), name);
        assertTrue(expected.equalsWithEps(actual, 1e-6), name);
    }

    private static void check(Model model, String dataFile, String inputPath, String predictionPath) {
        try (HdfFile data = new HdfFile(dir().resolve(dataFile))) {
            INDArray x = KerasH5.array(data.getDatasetByPath(inputPath)).castTo(DataType.FLOAT);
            INDArray expected = KerasH5.array(data.getDatasetByPath(predictionPath)).castTo(DataType.DOUBLE);
            INDArray actual = model.predict(x).castTo(DataType.DOUBLE);
            assertArrayEquals(expected.shape(), actual.shape());
            INDArray relative = Transforms.abs(actual.sub(expected), false)
                .divi(Transforms.abs(expected, true).addi(1e-6));
            double worst = relative.maxNumber().doubleValue();
            assertTrue(worst <= 1e-5, dataFile + ": worst relative difference " + worst);
        }
    }
}
