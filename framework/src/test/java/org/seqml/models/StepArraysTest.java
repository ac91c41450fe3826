package org.seqml.models;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.Forward;
import org.seqml.layers.Parameter;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.losses.SparseCategoricalCrossentropy;
import org.seqml.optimizers.Adam;

/**
 * A training step frees the arrays its layer calls made ({@code Layer.stepArrays}) when it ends,
 * and nothing else: not the weights, their gradients, nor the caller's inputs.
 */
class StepArraysTest {
    private static final INDArray X = Nd4j.create(new float[][] {{3, 1, 7, 0}, {2, 2, 0, 0}});
    private static final INDArray Y = Nd4j.create(new float[][] {{1, 4, 2, 0}, {5, 5, 0, 0}});

    private Embedding embedding;
    private Dense dense;
    private Dropout dropout;
    private SymbolicTensor embedded;
    private SymbolicTensor dropped;

    private Model model() {
        RandomSeed.set(5);
        embedding = new Embedding(12, 6).maskZero(true);
        dense = new Dense(12).activation("softmax");
        SymbolicTensor in = Input.of(4);
        embedded = embedding.apply(in);
        dropout = new Dropout(0.3);
        dropped = dropout.apply(embedded);
        SymbolicTensor h = new LSTM(5).returnSequences(true).apply(dropped);
        return new Model(in, dense.apply(h));
    }

    @Test
    void freeingARunClosesTheLayersOwnArraysButNotWeightsOrInputs() {
        Graph graph = model().graph();
        INDArray x = X.dup();
        Graph.Run run = graph.forward(new INDArray[] {x}, true);
        INDArray[] denseArrays = dense.stepArrays(graph.forwardOf(run, graph.outputs().get(0)));
        Forward e = graph.forwardOf(run, embedded);
        INDArray[] embeddingArrays = embedding.stepArrays(e);
        INDArray[] dropoutArrays = dropout.stepArrays(graph.forwardOf(run, dropped));
        assertTrue(dropoutArrays.length == 2, "the seed of the keep mask and the output");
        graph.free(run);
        for (INDArray a : dropoutArrays) {
            assertTrue(a.wasClosed());
        }
        for (INDArray a : denseArrays) {
            assertTrue(a.wasClosed());
        }
        for (INDArray a : embeddingArrays) {
            assertTrue(a.wasClosed());
        }
        assertFalse(x.wasClosed());
        assertFalse(e.inputs()[0].wasClosed());
        for (Parameter p : graph.parameters()) {
            assertFalse(p.value().wasClosed(), p.name());
            assertFalse(p.grad().wasClosed(), p.name());
        }
    }

    @Test
    void trainingStepsThatFreeTheirArraysEqualStepsThatLeaveThemToTheCollector() {
        Model trained = model();
        trained.compile(new Adam(0.05), "sparse_categorical_crossentropy", "accuracy");
        for (int i = 0; i < 5; i++) {
            trained.trainOnBatch(X, Y);
        }
        // the same five steps driven by hand, freeing nothing
        Model byHand = model();
        Graph graph = byHand.graph();
        Adam adam = new Adam(0.05);
        SparseCategoricalCrossentropy loss = new SparseCategoricalCrossentropy();
        for (int i = 0; i < 5; i++) {
            graph.parameters().forEach(Parameter::zeroGrad);
            Graph.Run run = graph.forward(new INDArray[] {X}, true);
            INDArray g = loss.evaluate(Y, run.outputs()[0], null, run.outputMasks()[0], true).gradient();
            graph.backward(run, new INDArray[] {g});
            adam.apply(graph.parameters());
        }
        assertTrue(trained.predict(X, 2).equalsWithEps(byHand.predict(X, 2), 1e-5));
    }
}
