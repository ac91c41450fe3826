package org.seqml.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.RandomSeed;
import org.seqml.Shape;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.Layer;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.layers.pooling.GlobalMaxPooling1D;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.layers.recurrent.RNN;
import org.seqml.layers.recurrent.SimpleRNN;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.Sequential;
import org.seqml.models.SymbolicTensor;

class UnitPruningTest {
    private static final int UNITS = 8;

    /** The spam example's shape: ids, a Bidirectional layer pooled two ways, a Dense head. */
    private static Model spamLike(Function<Integer, RNN<?>> cell) {
        RandomSeed.set(21);
        SymbolicTensor ids = Input.of(Shape.UNKNOWN);
        SymbolicTensor read = new Bidirectional(cell.apply(UNITS).returnSequences(true)).named("bi")
            .apply(new Embedding(30, 6).maskZero(true).apply(ids));
        SymbolicTensor pooled = new Concatenate().apply(new GlobalAveragePooling1D().apply(read),
            new GlobalMaxPooling1D().apply(read));
        SymbolicTensor hidden = new Dropout(0.2).apply(new Dense(5).activation("relu").named("head").apply(pooled));
        return new Model(ids, new Dense(1).activation("sigmoid").apply(hidden));
    }

    private static INDArray ids() {
        RandomSeed.set(22);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 9).muli(29).addi(1);
        x = org.nd4j.linalg.ops.transforms.Transforms.floor(x, false);
        x.get(NDArrayIndex.point(0), NDArrayIndex.interval(6, 9)).assign(0);   // a padded sample
        return x;
    }

    /**
     * Makes the units that pruning will remove dead in the original: nothing downstream reads
     * them (their recurrent rows and the head's kernel rows are zero), so the pruned model must
     * compute exactly what the original does.
     */
    private static void silence(Model m, int[] kept) {
        List<Integer> removed = new ArrayList<>();
        for (int u = 0; u < UNITS; u++) {
            final int unit = u;
            if (Arrays.stream(kept).noneMatch(k -> k == unit)) {
                removed.add(u);
            }
        }
        Layer bi = m.getLayer("bi");
        for (var p : bi.weights()) {
            if (p.name().equals("recurrent_kernel")) {
                removed.forEach(u -> p.value().getRow(u).assign(0));
            }
        }
        INDArray head = m.getLayer("head").weights().get(0).value();   // rows: avg fwd, avg bwd, max fwd, max bwd
        for (int block = 0; block < 4; block++) {
            final int base = block * UNITS;
            removed.forEach(u -> head.getRow(base + u).assign(0));
        }
    }

    private static void prunedComputesWhatTheOriginalDoesWithDeadUnits(Function<Integer, RNN<?>> cell) {
        Model original = spamLike(cell);
        int[] kept = UnitPruning.mostImportant(original.getLayer("bi"), UNITS, UNITS / 2);
        silence(original, kept);
        assertArrayEquals(kept, UnitPruning.mostImportant(original.getLayer("bi"), UNITS, UNITS / 2),
            "silencing keeps the choice (scores only fall for removed units)");
        Model pruned = UnitPruning.pruneUnits(original, "bi", 0.5);
        assertEquals(UNITS / 2, ((Bidirectional) pruned.getLayer("bi")).config().forwardLayer().units());
        assertEquals(4L * UNITS / 2, pruned.getLayer("head").weights().get(0).value().size(0));
        INDArray x = ids();
        assertTrue(original.predict(x).equalsWithEps(pruned.predict(x), 1e-5),
            original.predict(x) + " vs " + pruned.predict(x));
        assertTrue(pruned.countParams() < original.countParams());
    }

    @Test
    void anLstmWithoutItsLeastImportantUnitsComputesTheSame() {
        prunedComputesWhatTheOriginalDoesWithDeadUnits(LSTM::new);
    }

    @Test
    void aGruInBothFormsAndASimpleRnnToo() {
        prunedComputesWhatTheOriginalDoesWithDeadUnits(u -> new GRU(u));
        prunedComputesWhatTheOriginalDoesWithDeadUnits(u -> new GRU(u).resetAfter(false));
        prunedComputesWhatTheOriginalDoesWithDeadUnits(SimpleRNN::new);
    }

    @Test
    void theMostImportantUnitsAreKept() {
        Model m = spamLike(LSTM::new);
        Layer bi = m.getLayer("bi");
        for (var p : bi.weights()) {
            if (!p.name().equals("bias")) {
                INDArray w = p.value();
                for (int g = 0; g < w.size(1) / UNITS; g++) {
                    w.getColumn(g * UNITS + 3).muli(10);   // unit 3 weighs most
                    w.getColumn(g * UNITS + 5).muli(0.01);  // unit 5 least
                }
            }
        }
        int[] kept = UnitPruning.mostImportant(bi, UNITS, 2);
        assertTrue(Arrays.stream(kept).anyMatch(u -> u == 3) && Arrays.stream(kept).noneMatch(u -> u == 5),
            Arrays.toString(kept));
    }

    @Test
    void whatCannotFollowThePrunedUnitsIsRefusedNamingIt() {
        RandomSeed.set(23);
        Model toOutput = new Sequential(Input.of(5, 3), new LSTM(4).named("last"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> UnitPruning.pruneUnits(toOutput, "last", 0.5));
        assertTrue(e.getMessage().contains("output"), e.getMessage());
        Model dense = new Sequential(Input.of(3), new Dense(4).named("d"), new Dense(1));
        assertThrows(IllegalArgumentException.class, () -> UnitPruning.pruneUnits(dense, "d", 0.5));
        Model ok = new Sequential(Input.of(5, 3), new LSTM(4).named("l"), new Dense(1));
        assertThrows(IllegalArgumentException.class, () -> UnitPruning.pruneUnits(ok, "l", 1.0));
        assertEquals(2, ((LSTM) UnitPruning.pruneUnits(ok, "l", 0.5).getLayer("l")).units());
    }
}
