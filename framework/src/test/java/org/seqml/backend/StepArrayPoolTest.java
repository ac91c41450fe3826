package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.seqml.RandomSeed;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

/** Large arrays a step gives back serve the next step; nothing kept is read by two owners. */
class StepArrayPoolTest {
    private static final long ROWS = 640;   // (640, 128) floats: 320 KiB, above the pool's minimum

    @AfterEach
    void empty() {
        StepArrayPool.enabled(true);
        StepArrayPool.clear();
    }

    @Test
    void aGivenBackArrayServesTheNextRequestOfItsTypeAndSize() {
        INDArray a = StepArrayPool.uninitialized(DataType.FLOAT, ROWS, 128);
        StepArrayPool.recycle(a);
        StepArrayPool.endStep();
        assertSame(a, StepArrayPool.uninitialized(DataType.FLOAT, ROWS, 128));
        assertEquals(0, StepArrayPool.size());
        // another type or size is a new array
        StepArrayPool.recycle(a);
        StepArrayPool.endStep();
        INDArray d = StepArrayPool.uninitialized(DataType.DOUBLE, ROWS, 128);
        assertNotSame(a.data(), d.data());
        assertEquals(1, StepArrayPool.size());
    }

    @Test
    void anotherShapeOfTheSameSizeGetsTheMemoryAsAnArrayThatCanBeGivenBackInTurn() {
        INDArray a = StepArrayPool.uninitialized(DataType.FLOAT, 4, ROWS / 4, 128);
        a.assign(3);
        StepArrayPool.recycle(a);
        StepArrayPool.endStep();
        INDArray b = StepArrayPool.uninitialized(DataType.FLOAT, ROWS, 128);
        assertArrayEquals(new long[] {ROWS, 128}, b.shape());
        assertSame(a.data(), b.data());
        assertTrue(b.closeable() && !b.isView() && b.ordering() == 'c');
        assertEquals(3f, b.getFloat(ROWS - 1, 127));
        StepArrayPool.recycle(b);
        assertEquals(1, StepArrayPool.size());
    }

    @Test
    void whatTheNextStepDoesNotTakeIsFreedAtItsEnd() {
        INDArray a = StepArrayPool.uninitialized(DataType.FLOAT, ROWS, 128);
        StepArrayPool.recycle(a);
        StepArrayPool.endStep();
        StepArrayPool.endStep();   // a step that asked for nothing
        assertTrue(a.wasClosed());
        assertEquals(0, StepArrayPool.size());
        INDArray b = StepArrayPool.uninitialized(DataType.FLOAT, ROWS, 128);
        StepArrayPool.recycle(b);
        StepArrayPool.clear();
        assertTrue(b.wasClosed());
    }

    @Test
    void smallArraysAreFreedAndViewsLeftAlone() {
        INDArray small = Nd4j.createUninitialized(DataType.FLOAT, 8, 8);
        StepArrayPool.recycle(small);
        assertTrue(small.wasClosed());
        INDArray owner = Nd4j.createUninitialized(DataType.FLOAT, ROWS, 128);
        INDArray view = owner.get(NDArrayIndex.interval(0, ROWS / 2), NDArrayIndex.all());
        StepArrayPool.recycle(view);
        assertFalse(owner.wasClosed());
        assertEquals(0, StepArrayPool.size());
    }

    @Test
    void trainingWithReuseEqualsTrainingWithFreshArrays() {
        long before = StepArrayPool.reuses();
        List<INDArray> reused = trained(true);
        assertTrue(StepArrayPool.reuses() - before >= 2 * 3 * 3, "logits and probabilities, each step after the first");
        List<INDArray> fresh = trained(false);
        assertEquals(fresh, trained(false), "fresh twice");
        assertEquals(fresh, reused);
    }

    /** Embedding, LSTM and a softmax Dense whose logits (batch * 12, 700) are above the minimum. */
    private static List<INDArray> trained(boolean reuse) {
        StepArrayPool.enabled(reuse);
        RandomSeed.set(5);
        java.util.Random random = new java.util.Random(5);
        INDArray x = Nd4j.create(random.ints(64 * 12, 0, 700).asDoubleStream().toArray(), new long[] {64, 12},
            DataType.FLOAT);
        INDArray y = Nd4j.create(random.ints(64 * 12, 0, 700).asDoubleStream().toArray(), new long[] {64, 12},
            DataType.FLOAT);
        Sequential model = new Sequential(Input.of(12), new Embedding(700, 64), new LSTM(32).returnSequences(true),
            new Dense(700).activation("softmax"));
        model.compile(new Adam(0.01), "sparse_categorical_crossentropy");
        model.fit(x, y, new FitOptions().epochs(3).batchSize(16).verbose(0));
        return model.getWeights();
    }
}
