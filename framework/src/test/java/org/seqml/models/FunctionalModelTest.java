package org.seqml.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.Shape;
import org.seqml.backend.Backend;
import org.seqml.callbacks.History;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.losses.BinaryCrossentropy;
import org.seqml.losses.Loss;
import org.seqml.losses.MeanSquaredError;
import org.seqml.optimizers.Adam;
import org.seqml.testing.GradientCheck;
import org.seqml.training.FitOptions;

class FunctionalModelTest {

    /** Two inputs, one Dense shared by both, two outputs: a regression and a classification head. */
    private static Model twoHeadedModel() {
        SymbolicTensor left = Input.of("left", 6);
        SymbolicTensor right = Input.of("right", 6);
        Dense shared = new Dense(8).activation("tanh").named("shared");
        SymbolicTensor both = new Concatenate().apply(shared.apply(left), shared.apply(right));
        SymbolicTensor sum = new Dense(1).named("sum").apply(both);
        SymbolicTensor same = new Dense(1).activation("sigmoid").named("same").apply(both);
        return new Model(List.of(left, right), List.of(sum, same), "two_heads");
    }

    @Test
    void twoInputsSharedDenseTwoOutputsTrainsAndItsLossFalls() {
        RandomSeed.set(11);
        Model model = twoHeadedModel();
        assertEquals(1, model.layers().stream().filter(l -> l.name().equals("shared")).count());
        INDArray a = Nd4j.rand(DataType.FLOAT, 256, 6).subi(0.5);
        INDArray b = Nd4j.rand(DataType.FLOAT, 256, 6).subi(0.5);
        INDArray sum = a.sum(true, 1).add(b.sum(true, 1));
        INDArray same = a.sub(b).norm2(1).reshape(256, 1).lt(0.9).castTo(DataType.FLOAT);
        model.compile(new Adam(0.01), List.<Loss>of(new MeanSquaredError(), new BinaryCrossentropy()),
            List.of(1.0, 0.5), "accuracy");
        History h = model.fit(new INDArray[] {a, b}, new INDArray[] {sum, same},
            new FitOptions().epochs(15).batchSize(32).verbose(0));
        List<Double> loss = h.get("loss");
        assertTrue(loss.get(loss.size() - 1) < 0.5 * loss.get(0), "loss falls: " + loss);
        assertTrue(h.history().containsKey("sum_loss") && h.history().containsKey("same_accuracy"), h.history().keySet().toString());
        double total = h.last("sum_loss") + 0.5 * h.last("same_loss");
        assertEquals(total, h.last("loss"), 1e-4, "loss is the weighted sum of the outputs' losses");
        INDArray[] predictions = model.predict(new INDArray[] {a, b}, 64);
        assertEquals(2, predictions.length);
        assertEquals(256, predictions[1].size(0));
    }

    @Test
    void sharedLayerGetsTheGradientOfEveryCall() {
        Backend.setFloatX(DataType.DOUBLE);
        try {
            RandomSeed.set(5);
            Model model = twoHeadedModel();
            GradientCheck.of(model.graph(), Nd4j.rand(DataType.DOUBLE, 3, 6), Nd4j.rand(DataType.DOUBLE, 3, 6)).check();
        } finally {
            Backend.setFloatX(DataType.FLOAT);
        }
    }

    @Test
    void fanOutAndMaskedSequencesGetExactGradients() {
        Backend.setFloatX(DataType.DOUBLE);
        try {
            SymbolicTensor tokens = Input.of(5);
            SymbolicTensor vectors = new Embedding(9, 4).maskZero(true).apply(tokens);
            SymbolicTensor pooled = new GlobalAveragePooling1D().apply(vectors);
            SymbolicTensor h = new Dense(3).activation("relu").apply(vectors);
            SymbolicTensor out = new Concatenate().apply(pooled, new GlobalAveragePooling1D().apply(h));
            Model model = new Model(tokens, out);
            INDArray ids = Nd4j.create(new double[][] {{3, 1, 4, 0, 0}, {5, 8, 2, 6, 7}});
            GradientCheck.of(model.graph(), ids).check();
        } finally {
            Backend.setFloatX(DataType.FLOAT);
        }
    }

    @Test
    void summaryListsLayersShapesParamsAndConnections() {
        Model model = twoHeadedModel();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        model.summary(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("Model: \"two_heads\""), s);
        assertTrue(s.contains("left (InputLayer)") && s.contains("(None, 6)"), s);
        assertTrue(s.contains("shared (Dense)") && s.contains("56") && s.contains("left[0][0], right[0][0]"), s);
        assertTrue(s.contains("shared[0][0], shared[1][0]"), s);
        assertTrue(s.contains("Total params: 90") && s.contains("Trainable params: 90")
            && s.contains("Non-trainable params: 0"), s);
    }

    @Test
    void shapeInferenceFollowsTheGraph() {
        SymbolicTensor x = Input.of(Shape.UNKNOWN, 5);
        SymbolicTensor h = new Dense(7).apply(x);
        assertEquals(Shape.of(-1, -1, 7), h.shape());
        assertEquals(Shape.of(-1, 7), new GlobalAveragePooling1D().apply(h).shape());
    }

    @Test
    void disconnectedGraphIsRejectedNamingTheMissingInput() {
        SymbolicTensor a = Input.of("a", 3);
        SymbolicTensor b = Input.of("b", 3);
        SymbolicTensor out = new Concatenate().apply(a, b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Model(a, out));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
    }

    @Test
    void getLayerFindsByName() {
        Model model = twoHeadedModel();
        assertSame(model.layers().get(2), model.getLayer(model.layers().get(2).name()));
        assertThrows(IllegalArgumentException.class, () -> model.getLayer("missing"));
    }

    @Test
    void trainOnBatchAndEvaluateReportTheCompiledMetrics() {
        RandomSeed.set(3);
        SymbolicTensor x = Input.of(4);
        Model model = new Model(x, new Dense(1).activation("sigmoid").apply(x));
        model.compile("sgd", "binary_crossentropy", "accuracy");
        INDArray data = Nd4j.rand(DataType.FLOAT, 10, 4);
        INDArray labels = Nd4j.ones(DataType.FLOAT, 10, 1);
        Map<String, Double> step = model.trainOnBatch(data, labels);
        assertEquals(List.of("loss", "accuracy"), List.copyOf(step.keySet()));
        Map<String, Double> eval = model.evaluate(data, labels);
        double manual = new BinaryCrossentropy().compute(labels, model.predict(data));
        assertEquals(manual, eval.get("loss"), 1e-5);
    }
}
