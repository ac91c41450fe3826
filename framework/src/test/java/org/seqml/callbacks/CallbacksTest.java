package org.seqml.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.layers.Dense;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.optimizers.SGD;
import org.seqml.training.FitOptions;

/** Each callback's semantics, driven by a scripted "score" so the expected epochs are known. */
class CallbacksTest {
    private static final INDArray X = Nd4j.rand(DataType.FLOAT, 32, 4);
    private static final INDArray Y = Nd4j.rand(DataType.FLOAT, 32, 1);

    private static Sequential model() {
        RandomSeed.set(3);
        Sequential m = new Sequential(Input.of(4), new Dense(1));
        m.compile(new SGD(0.1), "mse");
        return m;
    }

    /** Puts scores[epoch] into the logs as "score" and remembers the weights of every epoch. */
    private static final class Script extends Callback {
        final double[] scores;
        final List<List<INDArray>> weights = new ArrayList<>();

        Script(double... scores) {
            this.scores = scores;
        }

        @Override
        public void onEpochEnd(int epoch, Map<String, Double> logs) {
            logs.put("score", scores[epoch]);
            weights.add(model().getWeights());
        }
    }

    private static FitOptions fit(int epochs, Callback... callbacks) {
        return new FitOptions().epochs(epochs).batchSize(8).verbose(0).shuffle(false).callbacks(callbacks);
    }

    @Test
    void fitCallsTheTestHooksAroundEachValidationPassAsKerasDoes() {
        List<String> calls = new ArrayList<>();
        Map<String, Double> lastTest = new java.util.HashMap<>();
        Callback recorder = new Callback() {
            @Override
            public void onEpochEnd(int epoch, Map<String, Double> logs) {
                calls.add("epochEnd " + epoch);
                assertEquals(lastTest.get("loss"), logs.get("val_loss"), "onTestEnd's loss is val_loss");
            }

            @Override
            public void onTestBegin(Map<String, Double> logs) {
                calls.add("testBegin");
            }

            @Override
            public void onTestBatchBegin(int batch, Map<String, Double> logs) {
                calls.add("testBatchBegin " + batch);
            }

            @Override
            public void onTestBatchEnd(int batch, Map<String, Double> logs) {
                calls.add("testBatchEnd " + batch);
                assertTrue(logs.containsKey("loss"));
            }

            @Override
            public void onTestEnd(Map<String, Double> logs) {
                calls.add("testEnd");
                lastTest.putAll(logs);
            }
        };
        // 32 samples, 25% for validation: 8 samples, one batch of 8, then two of 5 and 3
        model().fit(X, Y, fit(2, recorder).validationSplit(0.25));
        List<String> epoch = List.of("testBegin", "testBatchBegin 0", "testBatchEnd 0", "testEnd");
        List<String> expected = new ArrayList<>(epoch);
        expected.add("epochEnd 0");
        expected.addAll(epoch);
        expected.add("epochEnd 1");
        assertEquals(expected, calls);
        calls.clear();
        model().fit(X, Y, fit(1, recorder).batchSize(5).validationSplit(0.25));
        assertEquals(List.of("testBegin", "testBatchBegin 0", "testBatchEnd 0", "testBatchBegin 1", "testBatchEnd 1",
            "testEnd", "epochEnd 0"), calls);
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndRestoresTheBestEpochsWeights() {
        Sequential m = model();
        Script script = new Script(5, 3, 4, 6, 7, 8, 9);
        EarlyStopping stop = new EarlyStopping("score").patience(2).restoreBestWeights(true);
        History h = m.fit(X, Y, fit(7, script, stop));
        assertEquals(4, h.get("loss").size(), "epochs 0-3 ran: no improvement at 2 and 3");
        assertEquals(3, stop.stoppedEpoch());
        assertEquals(1, stop.bestEpoch());
        assertEquals(script.weights.get(1), m.getWeights(), "the best epoch's weights are back");
    }

    @Test
    void earlyStoppingHonoursMinDeltaModeBaselineAndStartEpoch() {
        Script tiny = new Script(1.0, 0.99, 0.98, 0.97, 0.96);
        EarlyStopping stop = new EarlyStopping("score").minDelta(0.05).patience(1);
        assertEquals(2, model().fit(X, Y, fit(5, tiny, stop)).get("loss").size(), "steps below minDelta do not count");
        Script acc = new Script(0.5, 0.6, 0.7, 0.6, 0.5);
        EarlyStopping auto = new EarlyStopping("score", "max").patience(1);
        assertEquals(4, model().fit(X, Y, fit(5, acc, auto)).get("loss").size());
        Script belowBaseline = new Script(0.5, 0.4, 0.3, 0.2, 0.1);
        EarlyStopping baseline = new EarlyStopping("score").baseline(0.05).patience(2);
        assertEquals(2, model().fit(X, Y, fit(5, belowBaseline, baseline)).get("loss").size(),
            "never beating the baseline: the wait counts from the first epoch (Keras), stop at epoch 1");
        Script flat = new Script(1, 1, 1, 1, 1, 1);
        EarlyStopping late = new EarlyStopping("score").patience(1).startFromEpoch(3);
        assertEquals(5, model().fit(X, Y, fit(6, flat, late)).get("loss").size());
    }

    @Test
    void reduceLrOnPlateauLowersTheRateAfterPatienceThenCoolsDown() {
        Sequential m = model();
        Script flat = new Script(1, 1, 1, 1, 1, 1, 1);
        ReduceLROnPlateau reduce = new ReduceLROnPlateau("score").factor(0.5).patience(2).cooldown(1).minLr(0.02);
        History h = m.fit(X, Y, fit(7, flat, reduce));
        // epoch 0 sets the best; 1, 2 wait -> halve at 2; 3 cools down; 4, 5 wait -> halve at 5 (floored)
        assertEquals(List.of(0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025), h.get("learning_rate"));
        assertEquals(0.025, m.optimizer().learningRate(), 1e-12);
    }

    @Test
    void learningRateSchedulerSetsTheRateEachEpoch() {
        Sequential m = model();
        History h = m.fit(X, Y, fit(3, new LearningRateScheduler((epoch, lr) -> 0.1 / (1 + epoch))));
        assertEquals(List.of(0.1, 0.05, 0.1 / 3), h.get("learning_rate"));
    }

    @Test
    void csvLoggerWritesSortedColumnsAndAppends(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("log.csv");
        Sequential m = model();
        m.fit(X, Y, fit(2, new Script(7, 8), new CSVLogger(file)));
        List<String> lines = Files.readAllLines(file);
        assertEquals("epoch,loss,score", lines.get(0));
        assertTrue(lines.get(2).startsWith("1,") && lines.get(2).endsWith(",8.0"), lines.toString());
        m.fit(X, Y, fit(1, new Script(9), new CSVLogger(file).append(true)));
        lines = Files.readAllLines(file);
        assertEquals(4, lines.size(), "appended one row, no second header");
        assertTrue(lines.get(3).endsWith(",9.0"));
    }

    @Test
    void terminateOnNaNStopsAtTheFirstInvalidLoss() {
        Sequential m = model();
        List<Integer> batches = new ArrayList<>();
        LambdaCallback poison = new LambdaCallback().onBatchEnd((b, logs) -> {
            batches.add(b);
            if (b == 1) {
                logs.put("loss", Double.NaN);
            }
        });
        History h = m.fit(X, Y, fit(3, poison, new TerminateOnNaN()));
        assertEquals(List.of(0, 1), batches, "no batch after the NaN");
        assertEquals(1, h.get("loss").size());
    }

    @Test
    void lambdaCallbackCallsEachHook() {
        List<String> calls = new ArrayList<>();
        model().fit(X, Y, fit(1, new LambdaCallback()
            .onTrainBegin(l -> calls.add("train+"))
            .onEpochBegin((e, l) -> calls.add("epoch+" + e))
            .onBatchBegin((b, l) -> calls.add("batch+" + b))
            .onEpochEnd((e, l) -> calls.add("epoch-" + e))
            .onTrainEnd(l -> calls.add("train-"))));
        assertEquals(List.of("train+", "epoch+0", "batch+0", "batch+1", "batch+2", "batch+3", "epoch-0", "train-"), calls);
    }
}
