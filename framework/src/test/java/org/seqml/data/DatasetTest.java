package org.seqml.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.Shape;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.training.FitOptions;

class DatasetTest {

    /** Example i: tokens i+1 repeated (i % 9) + 1 times; label i % 2. */
    private static List<Example> examples(int n) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            INDArray tokens = Nd4j.valueArrayOf(new long[] {i % 9 + 1}, i + 1.0, DataType.FLOAT);
            out.add(new Example(new INDArray[] {tokens}, new INDArray[] {Nd4j.scalar((float) (i % 2))}));
        }
        return out;
    }

    /** The examples a dataset yields, identified by their token (padding dropped). */
    private static List<Integer> seen(Dataset d, long seed) {
        List<Integer> ids = new ArrayList<>();
        Iterator<Batch> it = d.batches(seed);
        while (it.hasNext()) {
            INDArray x = it.next().x()[0];
            for (int b = 0; b < x.size(0); b++) {
                ids.add(x.getInt(b, 0));
            }
        }
        return ids;
    }

    @Test
    void bucketingYieldsTheSameExamplesAsPlainBatchingWithLessPadding() {
        List<Example> all = examples(50);
        Dataset plain = Dataset.fromExamples(all::iterator).paddedBatch(8);
        Dataset bucketed = Dataset.fromExamples(all::iterator).bucketByLength(new int[] {3, 6}, new int[] {8, 8, 8});
        Set<Integer> a = new TreeSet<>(seen(plain, 0));
        Set<Integer> b = new TreeSet<>(seen(bucketed, 0));
        assertEquals(50, a.size());
        assertEquals(a, b, "the same examples, each once");
        assertEquals(50, seen(bucketed, 0).size());
        long padPlain = 0;
        long padBucketed = 0;
        for (Iterator<Batch> it = plain.batches(0); it.hasNext(); ) {
            padPlain += it.next().x()[0].eq(0).castTo(DataType.INT32).sumNumber().longValue();
        }
        for (Iterator<Batch> it = bucketed.batches(0); it.hasNext(); ) {
            INDArray x = it.next().x()[0];
            padBucketed += x.eq(0).castTo(DataType.INT32).sumNumber().longValue();
            INDArray lastStep = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(x.size(1) - 1));
            assertTrue(lastStep.neq(0).castTo(DataType.INT32).sumNumber().intValue() > 0, "padded to its own longest");
        }
        assertTrue(padBucketed < padPlain / 2, padBucketed + " vs " + padPlain);
    }

    @Test
    void groupingByLengthGivesBatchesWithoutPadding() {
        List<Example> all = examples(50);
        Dataset grouped = Dataset.fromExamples(all::iterator).groupByWindow(Example::length, 4);
        assertEquals(new TreeSet<>(seen(Dataset.fromExamples(all::iterator).paddedBatch(8), 0)),
            new TreeSet<>(seen(grouped, 0)), "the same examples");
        assertEquals(50, seen(grouped, 0).size(), "each once");
        int batches = 0;
        for (Iterator<Batch> it = grouped.batches(0); it.hasNext(); batches++) {
            INDArray x = it.next().x()[0];
            assertEquals(0, x.eq(0).castTo(DataType.INT32).sumNumber().intValue(), "no padding");
            assertTrue(x.size(0) <= 4);
        }
        // 9 lengths: 50 = 9 * 5 + 5, so each length fills one window of 4 and leaves 1 or 2
        assertEquals(9 + 9, batches);
    }

    @Test
    void paddedBatchesPadToTheirOwnLongestSequence() {
        Iterator<Batch> it = Dataset.fromExamples(() -> examples(3).iterator()).paddedBatch(3).batches(0);
        INDArray x = it.next().x()[0];
        assertEquals(3, x.size(1), "lengths 1, 2, 3 -> padded to 3");
        assertEquals(Nd4j.create(new float[] {1, 0, 0}), x.getRow(0));
    }

    @Test
    void shuffleIsSeededPerEpochAndKeepsEveryExample() {
        List<Example> all = examples(40);
        StreamDataset d = Dataset.fromExamples(all::iterator).shuffle(16).paddedBatch(5);
        assertEquals(seen(d, 7), seen(d, 7));
        assertTrue(!seen(d, 7).equals(seen(d, 8)));
        assertEquals(new TreeSet<>(seen(d, 7)), new TreeSet<>(seen(Dataset.fromExamples(all::iterator), 0)));
    }

    @Test
    void anIndexedSourceMakesItsExamplesOnlyWhenDrawnAndShufflesBySeed() {
        List<Example> all = examples(40);
        int[] made = new int[1];
        StreamDataset d = Dataset.fromIndexed(all.size(), i -> {
            made[0]++;
            return all.get(i);
        }).shuffle(all.size()).paddedBatch(5);
        Iterator<Batch> batches = d.batches(7);
        batches.next();
        // one batch of five drawn; the stream's iterator reads one ahead; none wait in a shuffle buffer
        assertTrue(made[0] <= 6, made[0] + " of 40 examples made");
        assertEquals(seen(d, 7), seen(d, 7));
        assertTrue(!seen(d, 7).equals(seen(d, 8)));
        assertEquals(new TreeSet<>(seen(d, 7)), new TreeSet<>(seen(Dataset.fromExamples(all::iterator), 0)));
        assertEquals(seen(Dataset.fromExamples(all::iterator).paddedBatch(5), 0),
            seen(Dataset.fromIndexed(all.size(), all::get).paddedBatch(5), 0), "unshuffled: in index order");
    }

    @Test
    void prefetchGivesTheSameBatchesAndPassesErrorsOn() {
        List<Example> all = examples(30);
        Dataset d = Dataset.fromExamples(all::iterator).paddedBatch(4);
        assertEquals(seen(d, 0), seen(d.prefetch(2), 0));
        Dataset failing = Dataset.fromExamples(() -> new Iterator<Example>() {
            public boolean hasNext() {
                return true;
            }

            public Example next() {
                throw new IllegalStateException("source broke");
            }
        }).prefetch(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> failing.batches(0).hasNext());
        assertEquals("source broke", e.getMessage());
    }

    @Test
    void fitOnADatasetEqualsFitOnTheSameArrays() {
        INDArray x = org.nd4j.linalg.ops.transforms.Transforms.floor(Nd4j.rand(DataType.FLOAT, 40, 6).muli(9), false);
        INDArray y = Nd4j.rand(DataType.FLOAT, 40, 1).gt(0.5).castTo(DataType.FLOAT);
        RandomSeed.set(12);
        Sequential a = model();
        a.fit(x, y, new FitOptions().epochs(3).batchSize(8).verbose(0));
        RandomSeed.set(12);
        Sequential b = model();
        b.fit(Dataset.fromArrays(x, y).batch(8).shuffle(true).prefetch(2), new FitOptions().epochs(3).verbose(0));
        assertEquals(a.getWeights(), b.getWeights());
    }

    @Test
    void aStreamTrainsTheModelWithPerBatchPadding() {
        RandomSeed.set(13);
        Sequential m = new Sequential(Input.of(Shape.UNKNOWN), new Embedding(60, 4).maskZero(true),
            new GlobalAveragePooling1D(), new Dense(1).activation("sigmoid"));
        m.compile("adam", "binary_crossentropy", "accuracy");
        List<Example> all = examples(50);
        var history = m.fit(Dataset.fromExamples(all::iterator).shuffle(50).bucketByLength(new int[] {4}, new int[] {8, 8}),
            new FitOptions().epochs(2).verbose(0));
        assertEquals(2, history.get("loss").size());
    }

    private static Sequential model() {
        Sequential m = new Sequential(Input.of(6), new Embedding(10, 3).maskZero(true), new GlobalAveragePooling1D(),
            new Dense(1).activation("sigmoid"));
        m.compile("adam", "binary_crossentropy");
        return m;
    }
}
