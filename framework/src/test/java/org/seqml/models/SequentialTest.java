package org.seqml.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.Shape;
import org.seqml.callbacks.History;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

class SequentialTest {

    /** Sequences of token ids whose label is whether token 1 appears; zero padded at the end. */
    private static INDArray[] tokenData(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[][] x = new double[n][12];
        double[][] y = new double[n][1];
        for (int i = 0; i < n; i++) {
            int len = 4 + r.nextInt(8);
            for (int t = 0; t < len; t++) {
                x[i][t] = 2 + r.nextInt(18);
            }
            if (r.nextBoolean()) {
                x[i][r.nextInt(len)] = 1;
                y[i][0] = 1;
            }
        }
        return new INDArray[] {Nd4j.create(x), Nd4j.create(y)};
    }

    private static Sequential classifier() {
        return new Sequential(Input.of(Shape.UNKNOWN),
            new Embedding(20, 8).maskZero(true),
            new GlobalAveragePooling1D(),
            new Dropout(0.1),
            new Dense(16).activation("relu"),
            new Dense(1).activation("sigmoid"));
    }

    @Test
    void infersEveryShapeFromTheInput() {
        Sequential model = classifier();
        assertEquals(Shape.of(-1, 1), model.graph().outputs().get(0).shape());
        assertEquals(20 * 8 + 8 * 16 + 16 + 16 + 1, model.countParams());
    }

    @Test
    void learnsAMaskedTokenTaskWithValidation() {
        RandomSeed.set(1);
        INDArray[] data = tokenData(600, 2);
        Sequential model = classifier();
        model.compile(new Adam(0.02), "binary_crossentropy", "accuracy");
        History h = model.fit(data[0], data[1], new FitOptions().epochs(25).batchSize(32).validationSplit(0.2).verbose(0));
        assertTrue(h.last("accuracy") > 0.9, h.toString());
        assertTrue(h.last("val_accuracy") > 0.85, h.toString());
        assertTrue(h.last("loss") < h.get("loss").get(0));
    }

    @Test
    void sameSeedGivesIdenticalWeightsAfterTraining() {
        List<INDArray> first = trainedWeights(42);
        List<INDArray> second = trainedWeights(42);
        List<INDArray> other = trainedWeights(43);
        assertEquals(first, second);
        assertNotEquals(first, other);
    }

    private static List<INDArray> trainedWeights(long seed) {
        RandomSeed.set(seed);
        INDArray[] data = tokenData(128, 9);
        Sequential model = classifier();
        model.compile(new Adam(0.01), "binary_crossentropy");
        model.fit(data[0], data[1], new FitOptions().epochs(2).batchSize(16).verbose(0));
        return model.getWeights();
    }

    @Test
    void withoutAnInputItBuildsFromTheFirstData() {
        Sequential model = new Sequential(new Dense(4).activation("relu"), new Dense(2).activation("softmax"));
        assertThrows(IllegalStateException.class, model::graph);
        INDArray out = model.predict(Nd4j.rand(DataType.FLOAT, 5, 3));
        assertEquals(5, out.size(0));
        assertEquals(2, out.size(1));
        assertEquals(3 * 4 + 4 + 4 * 2 + 2, model.countParams());
    }

    @Test
    void summaryShowsLayersWithoutTheInput() {
        Sequential model = classifier();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        model.summary(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("(Embedding)") && s.contains("(None, None, 8)") && s.contains("160"), s);
        assertTrue(!s.contains("InputLayer") && !s.contains("Connected to"), s);
        assertTrue(s.contains("Total params: 321"), s);
    }

    @Test
    void addingALayerThatDoesNotFitFailsAtOnceNamingIt() {
        Sequential model = new Sequential(Input.of(4), new Dense(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> model.add(new GlobalAveragePooling1D().named("pool")));
        assertTrue(e.getMessage().contains("GlobalAveragePooling1D 'pool'") && e.getMessage().contains("(None, 3)"),
            e.getMessage());
    }
}
