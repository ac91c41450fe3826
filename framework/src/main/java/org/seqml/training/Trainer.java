package org.seqml.training;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Iterator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.backend.CallScope;
import org.seqml.callbacks.Callback;
import org.seqml.callbacks.History;
import org.seqml.callbacks.ProgbarLogger;
import org.seqml.data.ArrayDataset;
import org.seqml.data.Batch;
import org.seqml.data.Dataset;
import org.seqml.layers.Stochastic;
import org.seqml.layers.FlatParameters;
import org.seqml.layers.Parameter;
import org.seqml.backend.ArrayOps;
import org.seqml.layers.SoftmaxOutput;
import org.seqml.losses.CategoricalCrossentropy;
import org.seqml.losses.Loss;
import org.seqml.models.SymbolicTensor;
import org.seqml.metrics.Mean;
import org.seqml.metrics.Metric;
import org.seqml.models.Graph;
import org.seqml.models.Model;
import org.seqml.optimizers.Optimizer;

/**
 * THE training loop: {@code fit}, {@code evaluate}, {@code predict} and {@code trainOnBatch} of
 * every model run here. One step:
 * <pre>
 * zero gradients -> forward (training) -> per output: loss and dLoss/dy (times its loss weight)
 * -> backward through the graph -> optimizer step -> metrics
 * </pre>
 * The total loss is {@code sum_k lossWeight_k * loss_k}; masks from the outputs (e.g. a
 * sequence output after an Embedding with maskZero) keep padded steps out of losses and
 * metrics. Made by {@code model.compile}.
 */
public final class Trainer {
    private final Model model;
    private final Optimizer optimizer;
    private final List<Loss> losses;
    private final List<Double> lossWeights;
    private final List<String> metricNames;
    /** The thread that trains the model now (fit or trainOnBatch), or null: training is exclusive. */
    private final java.util.concurrent.atomic.AtomicReference<Thread> trainingThread =
        new java.util.concurrent.atomic.AtomicReference<>();
    /** Whether the running fit is a remote one, whose steps compute and apply gradients on its thread. */
    private volatile boolean remoteFit;

    /** The running loss of each output, their weighted total and the metrics, of one call (fit, evaluate). */
    private record Trackers(Mean total, List<Mean> losses, List<List<Metric>> metrics) {
        /** The same losses without metrics (a remote step's logs). */
        Trackers lossesOnly() {
            return new Trackers(total, losses, metrics.stream().map(m -> List.<Metric>of()).toList());
        }
    }

    public Trainer(Model model, Optimizer optimizer, List<Loss> losses, List<Double> lossWeights,
                   List<String> metricNames) {
        this.model = model;
        this.optimizer = optimizer;
        this.losses = List.copyOf(losses);
        this.lossWeights = List.copyOf(lossWeights);
        this.metricNames = List.copyOf(metricNames);
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public List<Loss> losses() {
        return losses;
    }

    public List<Double> lossWeights() {
        return lossWeights;
    }

    /** The thread running fit or trainOnBatch on this model now, or null. */
    public Thread trainingThread() {
        return trainingThread.get();
    }

    public List<String> metricNames() {
        return metricNames;
    }

    // ---- fit ------------------------------------------------------------------------------

    public History fit(INDArray[] xRaw, INDArray[] yRaw, FitOptions o) {
        return exclusive("fit", () -> fitChecked(xRaw, yRaw, o));
    }

    /**
     * Runs a training call, refusing a second one on the same model while it runs (from another
     * thread, or from a callback): two optimizer steps at once would corrupt the weights and the
     * optimizer's state. predict and evaluate need no such guard.
     */
    private <T> T exclusive(String call, java.util.function.Supplier<T> work) {
        Thread me = Thread.currentThread();
        if (remoteFit && trainingThread.get() == me && call.endsWith("Gradients")) {
            return work.get();   // a remote fit's step, on the thread that runs it
        }
        Thread other = trainingThread.compareAndExchange(null, me);
        if (other != null) {
            throw new IllegalStateException("Model '" + model.name() + "': " + call + "() called while the model is"
                + " training on thread '" + other.getName() + "'. A model trains on one thread at a time; wait for"
                + " that call to return, or train a copy (save and Model.load).");
        }
        try {
            return work.get();
        } finally {
            trainingThread.set(null);
        }
    }

    private History fitChecked(INDArray[] xRaw, INDArray[] yRaw, FitOptions o) {
        Graph graph = model.graphFor(xRaw);
        INDArray[] x = DataCheck.inputs(graph, xRaw);
        INDArray[] y = DataCheck.labels(graph, yRaw);
        long n = x[0].size(0);
        INDArray sw = DataCheck.weights(o.sampleWeight, n, "fit: sampleWeight");
        if (o.classWeight != null) {
            INDArray cw = classWeights(y, o.classWeight);
            sw = sw == null ? cw : sw.castTo(cw.dataType()).mul(cw);
        }
        DataCheck.sameSamples(n, x, "An input");
        DataCheck.sameSamples(n, y, "A label array");
        if (sw != null) {
            DataCheck.sameSamples(n, new INDArray[] {sw}, "sampleWeight");
        }
        Dataset validation = null;
        if (o.validationX != null) {
            INDArray[] vx = DataCheck.inputs(graph, o.validationX);
            DataCheck.sameSamples(vx[0].size(0), vx, "fit: a validationData input");
            INDArray[] vy = DataCheck.labels(graph, o.validationY);
            DataCheck.sameSamples(vx[0].size(0), vy, "fit: a validationData label array");
            validation = Dataset.fromArrays(vx, vy, null).batch(o.batchSize).shuffle(false);
        } else if (o.validationSplit > 0) {
            long split = (long) Math.floor(n * (1 - o.validationSplit));
            if (split <= 0 || split >= n) {
                throw new IllegalArgumentException("fit: validationSplit " + o.validationSplit + " of " + n
                    + " samples leaves no training or no validation samples.");
            }
            validation = Dataset.fromArrays(rowsOf(x, split, n), rowsOf(y, split, n), null).batch(o.batchSize)
                .shuffle(false);
            x = rowsOf(x, 0, split);
            y = rowsOf(y, 0, split);
            sw = sw == null ? null : ArrayDataset.rows(sw, 0, split);
        }
        ArrayDataset train = Dataset.fromArrays(x, y, sw).batch(o.batchSize).shuffle(o.shuffle);
        // arrays were checked once above; a Dataset given as validation data is checked batch by batch
        return validation != null ? loop(train, true, validation, true, o) : loop(train, true, o.validationDataset, false, o);
    }

    /** Trains on the batches of a Dataset (checked batch by batch); the same loop as for arrays. */
    public History fit(Dataset data, FitOptions o) {
        return exclusive("fit", () -> loop(data, false, o.validationDataset, false, o));
    }

    private History loop(Dataset train, boolean checked, Dataset validation, boolean validationChecked, FitOptions o) {
        return loop(train.steps(), (seed, trackers) -> {
            Iterator<Batch> batches = train.batches(seed);
            return new Epoch() {
                @Override
                public boolean hasNext() {
                    return batches.hasNext();
                }

                @Override
                public Map<String, Double> step(int index) {
                    Batch batch = batches.next();
                    Graph graph = model.graphFor(batch.x());
                    INDArray[] x = checked ? batch.x() : DataCheck.inputs(graph, batch.x());
                    INDArray[] y = checked ? batch.y() : DataCheck.labels(graph, batch.y());
                    return Trainer.this.step(graph, x, y, batch.sampleWeight(), true, trackers);
                }

                @Override
                public void skip() {
                    batches.next();
                }
            };
        }, validation, validationChecked, o);
    }

    /** One epoch's steps, each returning the running logs. */
    private interface Epoch {
        boolean hasNext();

        Map<String, Double> step(int index);

        /** Passes over a step trained before the model was saved mid-epoch. */
        void skip();
    }

    /**
     * Runs the fit loop around remote steps. The logs hold the losses (the workers' metrics are
     * not gathered: compile metrics show on validation data, evaluated here).
     */
    public History fit(RemoteSteps steps, FitOptions o) {
        return exclusive("fit", () -> {
            remoteFit = true;
            try {
                return remoteLoop(steps, o);
            } finally {
                remoteFit = false;
            }
        });
    }

    private History remoteLoop(RemoteSteps steps, FitOptions o) {
        return loop(steps.steps(), (seed, trackers) -> new Epoch() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < steps.steps();
            }

            @Override
            public Map<String, Double> step(int index) {
                next++;
                RemoteSteps.StepLoss loss = steps.step(seed, index);
                Trackers own = trackers.lossesOnly();
                for (int k = 0; k < loss.outputLosses().length; k++) {
                    own.losses().get(k).add(loss.outputLosses()[k], loss.samples());
                }
                own.total().add(loss.total(), loss.samples());
                return logs(model.graph(), own);
            }

            @Override
            public void skip() {
                next++;
            }
        }, o.validationDataset, false, o);
    }

    private History loop(int steps, java.util.function.BiFunction<Long, Trackers, Epoch> epochs, Dataset validation,
                         boolean validationChecked, FitOptions o) {
        int verbose = o.verbose >= 0 ? o.verbose : System.console() != null ? 1 : 2;
        History history = new History();
        List<Callback> callbacks = new ArrayList<>();
        // Keras's order: the progress bar, the user's callbacks, then History, so History records
        // what the user's callbacks added (such as the learning rate)
        if (verbose > 0) {
            callbacks.add(new ProgbarLogger(o.out));
        }
        callbacks.addAll(o.callbacks);
        callbacks.add(history);
        for (Callback c : callbacks) {
            c.setModel(model);
            c.setParams(o.epochs, Math.max(steps, 0), verbose);
        }
        model.resetStopTraining();
        callbacks.forEach(c -> c.onTrainBegin(Map.of()));
        try {
            for (int epoch = o.initialEpoch; epoch < o.epochs && !model.stopTrainingRequested(); epoch++) {
                final int e = epoch;
                Trackers trackers = trackers();
                callbacks.forEach(c -> c.onEpochBegin(e, Map.of()));
                // the order depends on the model's seed and epoch count only, so a saved and resumed
                // run shuffles exactly as an unbroken one
                Epoch batches = epochs.apply(Stochastic.callSeed(model.shuffleSeed(), model.epochsTrained()), trackers);
                Map<String, Double> logs = Map.of();
                // a model saved mid-epoch resumes after the steps it had trained (the running
                // means of this epoch's logs then cover the steps after)
                int b = 0;
                for (long done = model.stepsInEpoch(); b < done && batches.hasNext(); b++) {
                    batches.skip();
                }
                for (; batches.hasNext() && !model.stopTrainingRequested(); b++) {
                    final int index = b;
                    callbacks.forEach(c -> c.onTrainBatchBegin(index, Map.of()));
                    logs = batches.step(index);
                    model.countStep();
                    final Map<String, Double> batchLogs = logs;
                    callbacks.forEach(c -> c.onTrainBatchEnd(index, batchLogs));
                }
                Map<String, Double> epochLogs = new LinkedHashMap<>(logs);
                if (validation != null) {
                    Map<String, Double> val = evaluateDataset(validation, validationChecked, callbacks);
                    val.forEach((k, v) -> epochLogs.put("val_" + k, v));
                }
                model.countEpoch();
                callbacks.forEach(c -> c.onEpochEnd(e, epochLogs));
            }
        } finally {
            // the last step's arrays, kept for a next step that will not come
            CallScope.freeIdle();
        }
        callbacks.forEach(c -> c.onTrainEnd(Map.of()));
        return history;
    }

    /** Each sample's class weight, from its label: a class id, a 0/1 label or a one-hot row. */
    static INDArray classWeights(INDArray[] y, Map<Integer, Double> weights) {
        if (y.length != 1) {
            throw new IllegalArgumentException("fit: classWeight is for models with one output; give sampleWeight"
                + " instead for " + y.length + " outputs.");
        }
        INDArray labels = y[0];
        INDArray ids;
        if (labels.rank() == 1 || labels.rank() == 2 && labels.size(1) == 1) {
            ids = org.nd4j.linalg.ops.transforms.Transforms.round(labels.reshape(labels.size(0)), true);
        } else if (labels.rank() == 2) {
            ids = labels.argMax(1);
        } else {
            throw new IllegalArgumentException("fit: classWeight needs labels of shape (batch,), (batch, 1) or"
                + " (batch, classes), got " + java.util.Arrays.toString(labels.shape()) + ". Use sampleWeight for"
                + " sequence labels.");
        }
        int classes = Math.max(weights.keySet().stream().max(Integer::compare).orElse(0), ids.maxNumber().intValue()) + 1;
        double[] table = new double[classes];
        java.util.Arrays.fill(table, 1.0);
        weights.forEach((c, w) -> table[c] = w);
        INDArray lookup = Nd4j.create(table).castTo(labels.dataType());
        return org.seqml.backend.Ops.gather(lookup, ids, 0);
    }

    private static INDArray[] rowsOf(INDArray[] arrays, long from, long to) {
        INDArray[] out = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            out[i] = ArrayDataset.rows(arrays[i], from, to).dup('c');
        }
        return out;
    }

    // ---- one step -------------------------------------------------------------------------

    /** One batch: forward, losses, and when {@code train} backward and an optimizer step; returns running logs. */
    private Map<String, Double> step(Graph graph, INDArray[] x, INDArray[] y, INDArray sw, boolean train,
                                     Trackers trackers) {
        try (CallScope scope = CallScope.open()) {   // the step's arrays go back when it ends
            return stepInScope(graph, x, y, sw, train, trackers);
        }
    }

    private Map<String, Double> stepInScope(Graph graph, INDArray[] x, INDArray[] y, INDArray sw, boolean train,
                                            Trackers trackers) {
        List<Parameter> parameters = graph.parameters();
        if (train) {
            parameters.forEach(Parameter::zeroGrad);
        }
        Graph.Run run = graph.forward(x, train);
        // the metrics read the outputs before the loss, so that a fused softmax's probabilities
        // can become its gradient in place rather than in a copy the size of the output
        INDArray[] outputs = run.outputs();
        INDArray[] masks = run.outputMasks();
        for (int k = 0; k < outputs.length; k++) {
            for (Metric m : trackers.metrics().get(k)) {
                m.update(losses.get(k).metricLabels(y[k], outputs[k]), outputs[k], sw, masks[k]);
            }
        }
        Pass pass = losses(graph, run, y, sw, train, null, false);
        long batch = x[0].size(0);
        for (int k = 0; k < pass.values().length; k++) {
            trackers.losses().get(k).add(pass.values()[k], batch);
        }
        trackers.total().add(pass.total() + weightPenalty(parameters), batch);
        if (train) {
            graph.backward(run, pass.gradients(), pass.preActivation());
            update(parameters);
        }
        return logs(graph, trackers);
    }

    /**
     * A forward run's losses: each output's value (its own mean), the weighted total with the
     * activity penalties, divided by {@code global}'s denominators instead of the batch's own when
     * given (then {@code total} is this batch's share of a larger one), and with {@code train} the
     * seed gradients for backward, scaled the same way; {@code denominators} are the batch's own
     * when {@code counted} or {@code global} (else 1s: fit needs none).
     */
    private record Pass(double[] values, double[] shares, double total, INDArray[] gradients, boolean[] preActivation,
                        LossDenominators denominators) {
    }

    private Pass losses(Graph graph, Graph.Run run, INDArray[] y, INDArray sw, boolean train,
                        LossDenominators global, boolean counted) {
        INDArray[] outputs = run.outputs();
        INDArray[] masks = run.outputMasks();
        INDArray[] grads = new INDArray[outputs.length];
        boolean[] preActivation = new boolean[outputs.length];
        double[] values = new double[outputs.length];
        double[] own = new double[outputs.length];
        double[] shares = new double[outputs.length];
        double total = 0;
        for (int k = 0; k < outputs.length; k++) {
            Loss.Result r;
            if (train && fusesSoftmax(graph, k)) {
                // softmax + cross-entropy from the logits, as Keras's TensorFlow backend does: one
                // pass instead of the loss's and the softmax's backward, and no clipping error
                SymbolicTensor out = graph.outputs().get(k);
                INDArray logits = ((SoftmaxOutput) out.node().layer()).preActivation(graph.forwardOf(run, out));
                r = fused(graph, k, y[k], logits, outputs[k], sw, masks[k]);
                preActivation[k] = true;
            } else {
                r = lossOf(graph, k, y[k], outputs[k], sw, masks[k], train);
            }
            values[k] = r.value();
            // a fit step needs no counts (a mask's sum is one more native call a step)
            own[k] = counted || global != null ? losses.get(k).denominator(outputs[k], masks[k]) : 1;
            // a shard's share: its mean times its count, over the whole batch's count
            double share = global == null ? 1.0 : own[k] / global.output(k);
            shares[k] = r.value() * share;
            double w = lossWeights.get(k) * share;
            total += w * r.value();
            if (train) {
                grads[k] = w == 1.0 ? r.gradient() : r.gradient().muli(w);
            }
        }
        long rows = outputs[0].size(0);
        total += run.activityPenalty() * (global == null ? 1.0 : (double) rows / global.rows());
        return new Pass(values, shares, total, grads, preActivation, new LossDenominators(own, rows));
    }

    /** After backward: regularization and pruning of the gradients, the optimizer's step, constraints. */
    private void update(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            if (p.regularizer() != null && p.trainable()) {
                p.regularizer().addGradient(p.value(), p.grad(), 1.0);
            }
            if (p.mask() != null) {
                p.grad().muli(p.mask());   // a pruned weight's slots stay zero, so its update is zero
            }
        }
        optimizer.apply(parameters);
        for (Parameter p : parameters) {
            if (p.constraint() != null && p.trainable()) {
                p.constraint().apply(p.value());
            }
            p.applyMask();
        }
    }

    // ---- gradients apart from their step (data-parallel training) --------------------------

    /**
     * The gradient of the loss on this batch, without changing the weights or the optimizer: the
     * step {@link #trainOnBatch} takes, stopped before the optimizer. With {@code global}, this batch
     * is a shard of a larger one and its loss is divided by the larger batch's denominators, so
     * the shards' gradients sum to the larger batch's. {@code randomCall >= 0} seeds the dropout
     * masks (every stochastic layer draws as on its training call number {@code randomCall}), so a
     * retried shard draws the same ones; below 0 the layers continue their streams.
     */
    public Gradients computeGradients(INDArray[] xRaw, INDArray[] yRaw, INDArray sampleWeight,
                                      LossDenominators global, long randomCall) {
        return exclusive("computeGradients", () -> {
            Checked c = checked(xRaw, yRaw);
            if (global != null && global.outputs().length != c.graph().outputs().size()) {
                throw new IllegalArgumentException("computeGradients: the model has " + c.graph().outputs().size()
                    + " outputs but the denominators " + global.outputs().length + ".");
            }
            INDArray sw = DataCheck.weights(sampleWeight, c.x()[0].size(0), "computeGradients: sampleWeight");
            Graph graph = c.graph();
            if (randomCall >= 0) {
                for (org.seqml.layers.Layer layer : graph.layers()) {
                    if (layer instanceof Stochastic s) {
                        s.setRandomCalls(randomCall);
                    }
                }
            }
            List<Parameter> parameters = graph.parameters();
            try (CallScope scope = CallScope.open()) {
                parameters.forEach(Parameter::zeroGrad);
                Graph.Run run = graph.forward(c.x(), true);
                Pass pass = losses(graph, run, c.y(), sw, true, global, true);
                if (global != null) {
                    run.divideActivityBy(global.rows());
                }
                graph.backward(run, pass.gradients(), pass.preActivation());
                INDArray flat = FlatParameters.gather(parameters, p -> p.trainable() ? p.grad() : null);
                return new Gradients(flat, pass.total(), pass.shares(), pass.denominators());
            }
        });
    }

    /** The batch's own loss denominators, from a forward pass (for the outputs' masks; no dropout). */
    public LossDenominators lossDenominators(INDArray[] xRaw, INDArray[] yRaw, INDArray sampleWeight) {
        Checked c = checked(xRaw, yRaw);
        DataCheck.weights(sampleWeight, c.x()[0].size(0), "lossDenominators: sampleWeight");
        try (CallScope scope = CallScope.open()) {
            Graph.Run run = c.graph().forward(c.x(), false);
            double[] d = new double[run.outputs().length];
            for (int k = 0; k < d.length; k++) {
                d[k] = losses.get(k).denominator(run.outputs()[k], run.outputMasks()[k]);
            }
            return new LossDenominators(d, c.x()[0].size(0));
        }
    }

    /**
     * One optimizer step with the given flat gradient (as {@link Gradients#gradient}): regularizer
     * gradients added, pruned slots zeroed, the optimizer, constraints, as {@link #trainOnBatch}
     * after its backward. Returns the weight penalties before the step (the loss's remaining term).
     */
    public double applyGradients(INDArray gradient) {
        return exclusive("applyGradients", () -> {
            List<Parameter> parameters = model.graph().parameters();
            long n = FlatParameters.size(parameters);
            if (gradient == null || gradient.length() != n || gradient.rank() != 1) {
                throw new IllegalArgumentException("applyGradients: expected a flat (" + n + ",) gradient (the model's"
                    + " weights in graph().parameters() order), got " + (gradient == null ? "null"
                    : java.util.Arrays.toString(gradient.shape())) + ".");
            }
            double penalty = weightPenalty(parameters);
            try (CallScope scope = CallScope.open()) {
                FlatParameters.scatter(gradient, parameters, Parameter::grad);
                update(parameters);
            }
            return penalty;
        });
    }

    /** Keras adds the weights' regularization penalties to the loss, in training and evaluation alike. */
    private static double weightPenalty(List<Parameter> parameters) {
        double sum = 0;
        for (Parameter p : parameters) {
            if (p.regularizer() != null) {
                sum += p.regularizer().penalty(p.value());
            }
        }
        return sum;
    }

    /**
     * Output k is a softmax layer's, read by nothing else and without an activity regularizer, and
     * its loss a cross-entropy on probabilities.
     */
    private boolean fusesSoftmax(Graph graph, int k) {
        SymbolicTensor out = graph.outputs().get(k);
        return losses.get(k) instanceof CategoricalCrossentropy cce && !cce.isFromLogits()
            && out.node().layer() instanceof SoftmaxOutput softmax && softmax.softmaxOutput() && !graph.isRead(out)
            && out.node().layer().activityRegularizer() == null;   // its gradient goes through the output
    }

    /** The loss and dLoss/dlogits of a fused output, written over its softmax. */
    private Loss.Result fused(Graph graph, int k, INDArray y, INDArray logits, INDArray probabilities, INDArray sw,
                              INDArray mask) {
        CategoricalCrossentropy loss = (CategoricalCrossentropy) losses.get(k);
        try {
            // nothing reads the outputs after the loss (step updates the metrics first)
            return loss.evaluateSoftmax(y, logits, probabilities, sw, mask, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Output '" + graph.outputs().get(k).node().layer().name() + "': "
                + e.getMessage(), e);
        }
    }

    private Loss.Result lossOf(Graph graph, int k, INDArray y, INDArray out, INDArray sw, INDArray mask,
                               boolean withGradient) {
        try {
            return losses.get(k).evaluate(y, out, sw, mask, withGradient);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Output '" + graph.outputs().get(k).node().layer().name() + "': "
                + e.getMessage(), e);
        }
    }

    /** Fresh trackers for one call: calls on several threads (evaluate) each count their own. */
    private Trackers trackers() {
        List<Mean> lossTrackers = new ArrayList<>();
        List<List<Metric>> metrics = new ArrayList<>();
        for (Loss loss : losses) {
            lossTrackers.add(new Mean("loss"));
            List<Metric> ms = new ArrayList<>();
            for (String name : metricNames) {
                ms.add(Metric.get(name, loss));
            }
            metrics.add(ms);
        }
        return new Trackers(new Mean("loss"), lossTrackers, metrics);
    }

    /** "loss" and metric names; with several outputs also "{output}_loss" and "{output}_{metric}", as Keras logs. */
    private Map<String, Double> logs(Graph graph, Trackers trackers) {
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put("loss", trackers.total().result());
        boolean several = losses.size() > 1;
        for (int k = 0; k < losses.size(); k++) {
            String prefix = several ? graph.outputs().get(k).node().layer().name() + "_" : "";
            if (several) {
                logs.put(prefix + "loss", trackers.losses().get(k).result());
            }
            for (Metric m : trackers.metrics().get(k)) {
                logs.put(prefix + m.name(), m.result());
            }
        }
        return logs;
    }

    // ---- evaluate, trainOnBatch, predict --------------------------------------------------

    /** The loss and metrics over all samples (in order, batch by batch), by name. */
    public Map<String, Double> evaluate(INDArray[] xRaw, INDArray[] yRaw, int batchSize, INDArray sampleWeight) {
        positiveBatchSize("evaluate", batchSize);
        Checked c = checked(xRaw, yRaw);
        INDArray sw = DataCheck.weights(sampleWeight, c.x()[0].size(0), "evaluate: sampleWeight");
        return evaluateDataset(Dataset.fromArrays(c.x(), c.y(), sw).batch(batchSize).shuffle(false), true);
    }

    /** The loss and metrics over every batch of a Dataset (in order), by name. */
    public Map<String, Double> evaluate(Dataset data) {
        return evaluateDataset(data, false);
    }

    private static void positiveBatchSize(String call, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException(call + ": batchSize must be positive, got " + batchSize);
        }
    }

    /** Inputs and labels checked against the graph. */
    private record Checked(Graph graph, INDArray[] x, INDArray[] y) {
    }

    private Checked checked(INDArray[] xRaw, INDArray[] yRaw) {
        Graph graph = model.graphFor(xRaw);
        INDArray[] x = DataCheck.inputs(graph, xRaw);
        INDArray[] y = DataCheck.labels(graph, yRaw);
        DataCheck.sameSamples(x[0].size(0), y, "A label array");
        return new Checked(graph, x, y);
    }

    /** Evaluates batch by batch; {@code checked}: the batches come from arrays checked already. */
    private Map<String, Double> evaluateDataset(Dataset data, boolean checked) {
        return evaluateDataset(data, checked, List.of());
    }

    /** As above, calling the test hooks of {@code callbacks} (fit's validation pass). */
    private Map<String, Double> evaluateDataset(Dataset data, boolean checked, List<Callback> callbacks) {
        Trackers trackers = trackers();
        Iterator<Batch> batches = data.batches(0);
        Map<String, Double> logs = Map.of();
        callbacks.forEach(c -> c.onTestBegin(Map.of()));
        for (int index = 0; batches.hasNext(); index++) {
            final int i = index;
            callbacks.forEach(c -> c.onTestBatchBegin(i, Map.of()));
            Batch b = batches.next();
            Graph graph = model.graphFor(b.x());
            INDArray[] x = checked ? b.x() : DataCheck.inputs(graph, b.x());
            INDArray[] y = checked ? b.y() : DataCheck.labels(graph, b.y());
            logs = step(graph, x, y, b.sampleWeight(), false, trackers);
            final Map<String, Double> batchLogs = logs;
            callbacks.forEach(c -> c.onTestBatchEnd(i, batchLogs));
        }
        Map<String, Double> result = new LinkedHashMap<>(logs);
        callbacks.forEach(c -> c.onTestEnd(result));
        return new LinkedHashMap<>(logs);
    }

    /** One optimizer step on exactly this batch; returns its loss and metrics. */
    public Map<String, Double> trainOnBatch(INDArray[] xRaw, INDArray[] yRaw, INDArray sampleWeight) {
        return exclusive("trainOnBatch", () -> {
            Checked c = checked(xRaw, yRaw);
            INDArray sw = DataCheck.weights(sampleWeight, c.x()[0].size(0), "trainOnBatch: sampleWeight");
            return step(c.graph(), c.x(), c.y(), sw, true, trackers());
        });
    }

    /** Runs the model in inference mode batch by batch and joins the outputs; needs no compile. */
    public static INDArray[] predict(Model model, INDArray[] xRaw, int batchSize) {
        positiveBatchSize("predict", batchSize);
        Graph graph = model.graphFor(xRaw);
        INDArray[] x = DataCheck.inputs(graph, xRaw);
        Iterator<Batch> batches = Dataset.fromArrays(x, new INDArray[0], null).batch(batchSize).shuffle(false).batches(0);
        List<List<INDArray>> parts = new ArrayList<>();
        for (int k = 0; k < graph.outputs().size(); k++) {
            parts.add(new ArrayList<>());
        }
        while (batches.hasNext()) {
            INDArray[] batch = batches.next().x();
            try (CallScope scope = CallScope.open()) {
                INDArray[] out = graph.forward(batch, false).outputs();
                scope.keep(out);   // handed to the caller; the batch's other arrays go back
                for (int k = 0; k < out.length; k++) {
                    parts.get(k).add(out[k]);
                }
            }
        }
        INDArray[] joined = new INDArray[parts.size()];
        for (int k = 0; k < joined.length; k++) {
            List<INDArray> p = parts.get(k);
            joined[k] = p.size() == 1 ? p.get(0) : ArrayOps.concat(0, p.toArray(INDArray[]::new));
        }
        return joined;
    }
}
