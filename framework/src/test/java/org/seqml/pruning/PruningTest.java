package org.seqml.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.seqml.callbacks.Callback;
import org.seqml.layers.Dense;
import org.seqml.layers.Parameter;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

class PruningTest {

    /** TF-MOT's PolynomialDecay written out in doubles, apart from the code under test. */
    private static double tfmotSparsity(double initial, double fin, long begin, long end, double power, long step) {
        double p = Math.min(1, Math.max(0, (double) (step - begin) / (end - begin)));
        return fin + (initial - fin) * Math.pow(1 - p, power);
    }

    @Test
    void theSchedulesFollowTfMotsFormulaAndStepsAtEveryStep() {
        PolynomialDecay decay = new PolynomialDecay(0.1, 0.8, 10, 110, 3, 20);
        for (long step = 0; step <= 200; step++) {
            assertEquals(tfmotSparsity(0.1, 0.8, 10, 110, 3, step), decay.sparsity(step), 1e-6, "step " + step);
            boolean expected = step >= 10 && step <= 110 && (step - 10) % 20 == 0;
            assertEquals(expected, decay.shouldPrune(step), "step " + step);
        }
        assertEquals(0.1 + (0.8 - 0.1) * (1 - Math.pow(0.8, 3)), decay.sparsity(30), 1e-6);
        ConstantSparsity constant = new ConstantSparsity(0.5, 5);
        assertTrue(constant.shouldPrune(5) && constant.shouldPrune(105) && constant.shouldPrune(100_005));
        assertFalse(constant.shouldPrune(4) || constant.shouldPrune(6));
        assertEquals(0.5, constant.sparsity(1234));
        assertFalse(new ConstantSparsity(0.5, 0, 50, 10).shouldPrune(60));
    }

    @Test
    void badSchedulesAreRefusedAsTfMotRefusesThem() {
        assertThrows(IllegalArgumentException.class, () -> new ConstantSparsity(1.0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConstantSparsity(0.5, -1));
        assertThrows(IllegalArgumentException.class, () -> new ConstantSparsity(0.5, 10, 5, 100));
        assertThrows(IllegalArgumentException.class, () -> new ConstantSparsity(0.5, 0, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new PolynomialDecay(0.0, 0.8, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> new PolynomialDecay(-0.1, 0.8, 0, 10));
    }

    @Test
    void theMaskKeepsTheLargestMagnitudesAndAtLeastOne() {
        INDArray w = Nd4j.createFromArray(new float[] {0.5f, -3f, 0.1f, 2f, -0.2f, 1f, 0f, -4f, 0.3f, 0.05f});
        assertEquals(Nd4j.createFromArray(new float[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 0}), Pruning.magnitudeMask(w, 0.6));
        assertEquals(1.0, Pruning.magnitudeMask(w, 0.99).sumNumber().doubleValue(), "round(10 * 0.01) = 0, kept 1");
        assertEquals(10.0, Pruning.magnitudeMask(w, 0.0).sumNumber().doubleValue());
    }

    private static Model model() {
        RandomSeed.set(11);
        Model m = new Sequential(Input.of(6, 8), new LSTM(32).named("lstm"),
            new Dense(32).activation("relu").named("hidden"), new Dense(1).activation("sigmoid").named("out"));
        m.compile(new Adam(0.01), "binary_crossentropy", "accuracy");
        return m;
    }

    private static INDArray x() {
        RandomSeed.set(12);
        return Nd4j.rand(DataType.FLOAT, 64, 6, 8);
    }

    private static INDArray y(INDArray x) {
        return x.sum(1, 2).gt(24).castTo(DataType.FLOAT).reshape(64, 1);
    }

    private static List<Parameter> prunable(Model m) {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : m.graph().parameters()) {
            if (!p.name().equals("bias")) {
                out.add(p);
            }
        }
        return out;
    }

    @Test
    void trainingReachesTheScheduledSparsityAndPrunedWeightsStayZero() {
        Model m = model();
        INDArray x = x();
        PolynomialDecay schedule = new PolynomialDecay(0.0, 0.8, 0, 12, 3, 4);
        Pruning pruning = Pruning.pruneLowMagnitude(m, schedule);
        List<INDArray> masksAt = new ArrayList<>();
        Callback watch = new Callback() {
            @Override
            public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
                INDArray mask = prunable(model()).get(0).mask();
                masksAt.add(mask == null ? null : mask.dup());
                for (Parameter p : prunable(model())) {
                    if (p.mask() != null) {
                        assertEquals(0.0, p.value().mul(p.mask().rsub(1)).amaxNumber().doubleValue(),
                            p + ": a pruned weight moved");
                    }
                }
            }
        };
        m.fit(x, y(x), new FitOptions().batchSize(8).epochs(3).shuffle(false).verbose(0)
            .callbacks(pruning.callback(), watch));   // 24 steps: masks at 0, 4, 8, 12; fixed after
        assertEquals(masksAt.get(4), masksAt.get(7), "the mask does not change between the schedule's steps");
        assertEquals(masksAt.get(12), masksAt.get(23), "nor after the last one");
        for (Parameter p : prunable(m)) {
            assertEquals(0.8, Pruning.sparsity(p.value()), 1.0 / p.size() + 1e-9, p.toString());
        }
        for (Parameter p : m.graph().parameters()) {
            if (p.name().equals("bias")) {
                assertNull(p.mask(), "biases are not pruned");
            }
        }
        assertEquals(0.8, pruning.sparsities().get("lstm/recurrent_kernel"), 0.01);
    }

    @Test
    void onlyTheNamedLayersArePrunedAndANameWithoutWeightsIsRefused() {
        Model m = model();
        INDArray x = x();
        m.fit(x, y(x), new FitOptions().batchSize(32).epochs(1).verbose(0).callbacks(
            Pruning.pruneLowMagnitude(m, new ConstantSparsity(0.5, 0, -1, 1), "hidden").callback()));
        assertEquals(0.5, Pruning.sparsity(m.getLayer("hidden").weights().get(0).value()), 0.01);
        assertTrue(Pruning.sparsity(m.getLayer("out").weights().get(0).value()) < 0.01);
        assertTrue(Pruning.sparsity(m.getLayer("lstm").weights().get(0).value()) < 0.01);
        Model plain = new Sequential(Input.of(4), new org.seqml.layers.Dropout(0.1).named("drop"), new Dense(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Pruning.pruneLowMagnitude(plain, new ConstantSparsity(0.5, 0), "drop"));
        assertTrue(e.getMessage().contains("Dropout 'drop'"), e.getMessage());
        Model other = model();
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> other.fit(x, y(x),
            new FitOptions().epochs(1).verbose(0).callbacks(Pruning.pruneLowMagnitude(m, new ConstantSparsity(0.5, 0))
                .callback())));
        assertTrue(wrong.getMessage().contains("thisModel"), wrong.getMessage());
    }

    @Test
    void aPrunedModelSavesCompactlyWithItsMasksAndResumes(@TempDir Path dir) throws IOException {
        INDArray x = x();
        Model dense = model();
        dense.fit(x, y(x), new FitOptions().batchSize(16).epochs(1).verbose(0));
        Model pruned = model();
        Pruning pruning = Pruning.pruneLowMagnitude(pruned, new ConstantSparsity(0.9, 0, -1, 2));
        pruned.fit(x, y(x), new FitOptions().batchSize(16).epochs(1).verbose(0).callbacks(pruning.callback()));
        Path denseFile = dir.resolve("dense.seqml");
        Path prunedFile = dir.resolve("pruned.seqml");
        dense.save(denseFile);
        pruned.save(prunedFile);
        double ratio = (double) Files.size(prunedFile) / Files.size(denseFile);
        assertTrue(ratio < 0.35, "pruned to 90 %, the file is " + ratio + " of the dense one");

        Model loaded = Model.load(prunedFile);
        assertEquals(pruned.predict(x), loaded.predict(x));
        List<Parameter> before = prunable(pruned);
        List<Parameter> after = prunable(loaded);
        for (int i = 0; i < before.size(); i++) {
            assertNotNull(after.get(i).mask());
            assertEquals(before.get(i).mask(), after.get(i).mask());
        }
        // the loaded model goes on with its masks: between the schedule's steps nothing pruned moves
        Pruning again = Pruning.pruneLowMagnitude(loaded, new ConstantSparsity(0.9, 0, -1, 1000));
        loaded.fit(x, y(x), new FitOptions().batchSize(16).epochs(1).verbose(0).callbacks(again.callback()));
        for (Parameter p : prunable(loaded)) {
            assertEquals(0.9, Pruning.sparsity(p.value()), 1.0 / p.size() + 1e-9, p.toString());
        }
        Pruning.stripPruning(loaded);
        for (Parameter p : loaded.graph().parameters()) {
            assertNull(p.mask());
        }
        loaded.save(dir.resolve("stripped.seqml"));
        assertTrue(Files.size(dir.resolve("stripped.seqml")) < Files.size(denseFile) * 0.35);
    }
}
