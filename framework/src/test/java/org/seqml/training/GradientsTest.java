package org.seqml.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.TimeDistributed;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.regularizers.L2;
import org.seqml.testing.Arrays;

/**
 * The step apart from its optimizer (what a cluster's workers compute): gradients of a batch,
 * of shards of it that add up to the batch's, one step with given gradients, flat weights, the
 * model as bytes and as JSON.
 */
class GradientsTest {
    /**
     * Tokens (zeros pad: masks) -> Embedding(maskZero) -> LSTM(sequences, activity L2) -> a
     * per-step Dense output and a last-step one: two outputs whose denominators differ (steps
     * against rows), a kernel regularizer, Adam.
     */
    private static Model model() {
        SymbolicTensor tokens = Input.of(9);
        SymbolicTensor e = new Embedding(30, 6).maskZero(true).apply(tokens);
        LSTM lstm = new LSTM(8).returnSequences(true).activityRegularizer(new L2(0.01));
        SymbolicTensor h = lstm.apply(e);
        SymbolicTensor perStep = new TimeDistributed(new Dense(3).activation("softmax")).apply(h);
        SymbolicTensor last = new Dense(1).activation("sigmoid").kernelRegularizer(new L2(0.02))
            .apply(new LSTM(4).apply(h));
        Model model = new Model(java.util.List.of(tokens), java.util.List.of(perStep, last));
        model.compile(new Adam(0.01), java.util.List.of(org.seqml.losses.Loss.get("sparse_categorical_crossentropy"),
            org.seqml.losses.Loss.get("binary_crossentropy")), java.util.List.of(1.0, 0.5));
        return model;
    }

    private static INDArray tokens(int rows) {
        INDArray x = Arrays.tokens(30, rows, 9);
        for (int r = 0; r < rows; r++) {
            for (int t = 1 + r % 9; t < 9; t++) {
                x.putScalar(r, t, 0);   // row r keeps 1 + r % 9 steps
            }
        }
        return x;
    }

    private static INDArray[] labels(int rows) {
        Nd4j.getRandom().setSeed(rows);
        INDArray classes = Nd4j.rand(DataType.FLOAT, rows, 9).muli(3).castTo(DataType.INT32).castTo(DataType.FLOAT);
        INDArray binary = Nd4j.rand(DataType.FLOAT, rows, 1).gt(0.5).castTo(DataType.FLOAT);
        return new INDArray[] {classes, binary};
    }

    private static INDArray rows(INDArray a, long from, long to) {
        return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
    }

    private static double maxDifference(INDArray a, INDArray b) {
        return Transforms.abs(a.sub(b), false).maxNumber().doubleValue();
    }

    @Test
    void computeThenApplyIsTheSameStepAsTrainOnBatch() throws Exception {
        Model a = model();
        Model b = Model.fromBytes(a.toBytes(true));
        INDArray x = tokens(10);
        INDArray[] y = labels(10);
        for (int step = 0; step < 3; step++) {
            a.trainOnBatch(new INDArray[] {x}, y);
            Gradients g = b.computeGradients(new INDArray[] {x}, y, null, null, -1);
            b.applyGradients(g.gradient());
        }
        assertEquals(0, maxDifference(a.getFlatWeights(), b.getFlatWeights()), 1e-6);
        assertEquals(a.evaluate(new INDArray[] {x}, y).get("loss"), b.evaluate(new INDArray[] {x}, y).get("loss"),
            1e-6);
    }

    @Test
    void shardsWithTheBatchsDenominatorsAddUpToTheBatchsGradient() {
        Model model = model();
        INDArray x = tokens(12);
        INDArray[] y = labels(12);
        INDArray weights = Nd4j.linspace(DataType.FLOAT, 0.5, 2, 12);
        Gradients whole = model.computeGradients(new INDArray[] {x}, y, weights, null, -1);
        INDArray[] xs = {rows(x, 0, 5), rows(x, 5, 12)};
        INDArray[][] ys = {{rows(y[0], 0, 5), rows(y[1], 0, 5)}, {rows(y[0], 5, 12), rows(y[1], 5, 12)}};
        INDArray[] ws = {weights.get(NDArrayIndex.interval(0, 5)).dup(), weights.get(NDArrayIndex.interval(5, 12)).dup()};
        LossDenominators all = model.lossDenominators(new INDArray[] {xs[0]}, ys[0], ws[0])
            .plus(model.lossDenominators(new INDArray[] {xs[1]}, ys[1], ws[1]));
        assertEquals(whole.denominators(), all, "the shards' counts add up to the batch's");
        assertEquals(45 + 6, all.outputs()[0], "unmasked steps: 1 to 9, then 1 to 3, over 12 rows");
        Gradients sum = model.computeGradients(new INDArray[] {xs[0]}, ys[0], ws[0], all, -1)
            .plus(model.computeGradients(new INDArray[] {xs[1]}, ys[1], ws[1], all, -1));
        double worst = maxDifference(whole.gradient(), sum.gradient());
        assertTrue(worst < 1e-6, "shards against the batch: " + worst);
        assertEquals(whole.loss(), sum.loss(), 1e-6 * Math.abs(whole.loss()), "float rounding");
        // each shard alone (its own denominators) is a different, larger-scale gradient
        Gradients alone = model.computeGradients(new INDArray[] {xs[0]}, ys[0], ws[0], null, -1);
        assertTrue(maxDifference(alone.gradient(), whole.gradient()) > 1e-3);
    }

    /** Steps computed apart (here: gradients then apply, batch by batch) in fit's loop: fit's losses and weights. */
    @Test
    void remoteStepsInTheFitLoopTrainAsFit() throws Exception {
        Model local = model();
        Model remote = Model.fromBytes(local.toBytes(true));
        INDArray x = tokens(12);
        INDArray[] y = labels(12);
        org.seqml.callbacks.History expected = local.fit(new INDArray[] {x}, y,
            new FitOptions().epochs(3).batchSize(5).shuffle(false).verbose(0));
        RemoteSteps steps = new RemoteSteps() {
            @Override
            public int steps() {
                return 3;
            }

            @Override
            public RemoteSteps.StepLoss step(long epochSeed, int index) {
                int from = index * 5;
                int to = Math.min(12, from + 5);
                INDArray[] ys = {rows(y[0], from, to), rows(y[1], from, to)};
                Gradients g = remote.computeGradients(new INDArray[] {rows(x, from, to)}, ys, null, null, -1);
                double penalty = remote.applyGradients(g.gradient());
                return new RemoteSteps.StepLoss(g.outputLosses(), g.loss() + penalty, to - from);
            }
        };
        org.seqml.callbacks.History got = remote.trainer("fit").fit(steps, new FitOptions().epochs(3).verbose(0));
        assertEquals(0, maxDifference(local.getFlatWeights(), remote.getFlatWeights()), 1e-6);
        assertEquals(expected.history().keySet().stream().filter(k -> k.endsWith("loss")).toList(),
            java.util.List.copyOf(got.history().keySet()), "the losses, named as fit names them");
        for (String name : got.history().keySet()) {
            java.util.List<Double> want = expected.get(name);
            java.util.List<Double> have = got.get(name);
            assertEquals(3, have.size(), name);
            for (int e = 0; e < 3; e++) {
                assertEquals(want.get(e), have.get(e), 1e-5, name + " epoch " + e);
            }
        }
    }

    @Test
    void aRandomCallDrawsTheSameDropoutMasksAgain() {
        SymbolicTensor in = Input.of(5, 4);
        Model model = new Model(in, new Dense(1).apply(new Dropout(0.5).apply(new LSTM(6).apply(in))));
        model.compile(new Adam(), "mse");
        INDArray x = Arrays.random(8, 5, 4);
        INDArray y = Arrays.random(8, 1);
        INDArray[] xs = {x};
        INDArray[] ys = {y};
        INDArray first = model.computeGradients(xs, ys, null, null, 41).gradient();
        INDArray again = model.computeGradients(xs, ys, null, null, 41).gradient();
        INDArray other = model.computeGradients(xs, ys, null, null, 42).gradient();
        assertEquals(first, again, "a retried call");
        assertFalse(first.equals(other), "another call draws other masks");
    }

    @Test
    void flatWeightsRoundTripInParameterOrder() {
        Model model = model();
        INDArray flat = model.getFlatWeights();
        assertEquals(model.countParams(), flat.length());
        assertEquals(model.graph().parameters().get(0).value().getFloat(0), flat.getFloat(0));
        Model other = model();
        other.setFlatWeights(flat);
        assertEquals(flat, other.getFlatWeights());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> other.setFlatWeights(Nd4j.ones(DataType.FLOAT, 3)));
        assertTrue(e.getMessage().contains("(" + flat.length() + ",)"), e.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
            () -> other.applyGradients(Nd4j.ones(DataType.FLOAT, 3)));
        assertTrue(g.getMessage().contains("flat (" + flat.length() + ",)"), g.getMessage());
    }

    @Test
    void aModelTravelsAsBytesAndItsArchitectureAsJson() throws Exception {
        Model model = model();
        INDArray x = tokens(4);
        model.trainOnBatch(new INDArray[] {x}, labels(4));
        Model copy = Model.fromBytes(model.toBytes(true));
        assertEquals(model.predict(new INDArray[] {x})[1], copy.predict(new INDArray[] {x})[1]);
        assertEquals(model.optimizer().iterations(), copy.optimizer().iterations());
        Model fresh = Model.fromJson(model.toJson());
        assertEquals(model.countParams(), fresh.countParams());
        assertEquals(model.graph().layers().stream().map(l -> l.name()).toList(),
            fresh.graph().layers().stream().map(l -> l.name()).toList());
        assertFalse(model.getFlatWeights().equals(fresh.getFlatWeights()), "fresh weights, not the trained ones");
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> Model.fromBytes(new byte[0]));
        assertTrue(e.getMessage().contains("toBytes"), e.getMessage());
        java.io.IOException j = assertThrows(java.io.IOException.class, () -> Model.fromJson("{\"format\": \"x\"}"));
        assertTrue(j.getMessage().contains("toJson"), j.getMessage());
    }
}
