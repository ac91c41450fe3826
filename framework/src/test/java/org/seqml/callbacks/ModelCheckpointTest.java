package org.seqml.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.layers.Dense;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.training.FitOptions;

class ModelCheckpointTest {

    @Test
    void fileNamesFollowTheTemplate() {
        Map<String, Double> logs = Map.of("val_loss", 0.41234, "accuracy", 0.9);
        assertEquals("ckpt-03-0.41.seqml", ModelCheckpoint.fileName("ckpt-{epoch:02d}-{val_loss:.2f}.seqml", 2, logs));
        assertEquals("m-1-0.9000", ModelCheckpoint.fileName("m-{epoch}-{accuracy:.4f}", 0, logs));
        assertEquals("e=4.1234e-01", ModelCheckpoint.fileName("e={val_loss:.4e}", 0, logs));
        assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.fileName("{nope}", 0, logs));
    }

    @Test
    void savesEveryEpochOrOnlyTheBestAndWeightsOnly(@TempDir Path dir) throws IOException {
        RandomSeed.set(6);
        Sequential model = new Sequential(Input.of(3), new Dense(1));
        model.compile("sgd", "mse");
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 3);
        INDArray y = Nd4j.rand(DataType.FLOAT, 16, 1);
        String every = dir.resolve("all-{epoch:02d}.seqml").toString();
        double[] scores = {0.5, 0.7, 0.3, 0.4};
        Callback score = new LambdaCallback().onEpochEnd((e, logs) -> logs.put("score", scores[e]));
        String best = dir.resolve("best-{epoch}.seqml").toString();
        model.fit(x, y, new FitOptions().epochs(4).batchSize(8).verbose(0).callbacks(score,
            new ModelCheckpoint(every), new ModelCheckpoint(best).monitor("score", "min").saveBestOnly(true),
            new ModelCheckpoint(dir.resolve("w.weights").toString()).saveWeightsOnly(true)));
        for (int e = 1; e <= 4; e++) {
            assertTrue(Files.exists(dir.resolve(String.format("all-%02d.seqml", e))));
        }
        assertTrue(Files.exists(dir.resolve("best-1.seqml")) && Files.exists(dir.resolve("best-3.seqml")));
        assertEquals(2, Files.list(dir).filter(p -> p.getFileName().toString().startsWith("best")).count(),
            "epochs 2 and 4 did not improve");
        Model last = Model.load(dir.resolve("all-04.seqml"));
        assertEquals(model.getWeights(), last.getWeights());
        Sequential fresh = new Sequential(Input.of(3), new Dense(1).named(model.layers().get(0).name() + "_copy"));
        fresh.loadWeights(dir.resolve("w.weights"));
        assertEquals(model.getWeights(), fresh.getWeights(), "other names, as many layers: matched in order, as Keras");
        Sequential deeper = new Sequential(Input.of(3), new Dense(3).named("other"), new Dense(1).named("names"));
        assertThrows(IOException.class, () -> deeper.loadWeights(dir.resolve("w.weights")),
            "neither the names nor the count match");
        Model sameNames = Model.load(dir.resolve("all-01.seqml"));
        sameNames.loadWeights(dir.resolve("w.weights"));
        assertEquals(model.getWeights(), sameNames.getWeights(), "weights-only file of the last epoch");
    }

    /** saveFreq: a file every N steps; loading one mid-epoch and fitting on ends where an unbroken run ends. */
    @Test
    void aCheckpointMidEpochResumesExactly(@TempDir Path dir) throws IOException {
        RandomSeed.set(8);
        Sequential model = new Sequential(Input.of(3), new Dense(4).activation("tanh"), new Dense(1));
        model.compile("adam", "mse");
        INDArray x = Nd4j.rand(DataType.FLOAT, 40, 3);
        INDArray y = Nd4j.rand(DataType.FLOAT, 40, 1);
        Model unbroken = Model.load(saved(model, dir.resolve("start.seqml")));
        unbroken.fit(x, y, new FitOptions().epochs(3).batchSize(8).verbose(0));
        // stopped after step 8 of 15 (epoch 2, 3 steps in); a checkpoint every 4 steps saved step 8
        Callback stop = new LambdaCallback().onBatchEnd((b, logs) -> {
            if (b == 2 && model.epochsTrained() == 1) {
                model.stopTraining();
            }
        });
        model.fit(x, y, new FitOptions().epochs(3).batchSize(8).verbose(0).callbacks(
            new ModelCheckpoint(dir.resolve("step.seqml").toString()).saveFreq(4), stop));
        Model resumed = Model.load(dir.resolve("step.seqml"));
        assertEquals(1, resumed.epochsTrained());
        assertEquals(3, resumed.stepsInEpoch(), "8 steps: epoch 1 whole (5), then 3");
        resumed.fit(x, y, new FitOptions().epochs(3).batchSize(8).verbose(0).initialEpoch(1));
        assertEquals(unbroken.getWeights(), resumed.getWeights(), "bit for bit");
        assertEquals(3, resumed.epochsTrained());
        assertEquals(0, resumed.stepsInEpoch());
    }

    private static Path saved(Model model, Path file) throws IOException {
        model.save(file);
        return file;
    }
}
