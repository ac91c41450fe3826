package org.seqml.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.Parameter;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Graph;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

/** A call's arrays go back when it ends and serve the next call of the thread; nothing kept is given back. */
class CallScopeTest {
    @AfterEach
    void empty() {
        CallScope.reuse(true);
        CallScope.freeIdle();
    }

    @Test
    void anArrayOfAnEndedCallServesTheNextCallsRequestOfItsTypeAndSize() {
        INDArray a;
        try (CallScope s = CallScope.open()) {
            a = CallScope.uninitialized(DataType.FLOAT, 40, 8);
        }
        assertEquals(1, CallScope.freeCount());
        try (CallScope s = CallScope.open()) {
            assertSame(a, CallScope.uninitialized(DataType.FLOAT, 40, 8), "same shape: the same array");
            assertNotSame(a, CallScope.uninitialized(DataType.FLOAT, 40, 8), "taken once");
            assertFalse(a.wasClosed());
        }
    }

    @Test
    void anotherShapeOfTheSameSizeGetsTheMemoryOfAnArrayLeftIdleAsAnArrayThatGoesBackInTurn() {
        INDArray a;
        try (CallScope s = CallScope.open()) {
            a = CallScope.uninitialized(DataType.FLOAT, 40, 8);
        }
        try (CallScope s = CallScope.open()) {
            CallScope.uninitialized(DataType.FLOAT, 3, 3);   // a call that leaves it idle
        }
        INDArray b;
        try (CallScope s = CallScope.open()) {
            b = CallScope.uninitialized(DataType.FLOAT, 4, 10, 8);
            assertArrayEquals(new long[] {4, 10, 8}, b.shape());
            assertEquals(a.data().addressPointer().address(), b.data().addressPointer().address());
            assertTrue(CallScope.uninitialized(DataType.DOUBLE, 4, 10, 8).dataType() == DataType.DOUBLE);
        }
        assertEquals(3, CallScope.freeCount(), "the reshaped float array, the new double one and the (3, 3)");
    }

    @Test
    void anArrayNoCallTakesForSeveralCallsIsFreed() {
        INDArray a;
        try (CallScope s = CallScope.open()) {
            a = CallScope.uninitialized(DataType.FLOAT, 40, 8);
        }
        for (int call = 1; call < CallScope.MAX_IDLE_CALLS; call++) {
            try (CallScope s = CallScope.open()) {
                CallScope.uninitialized(DataType.FLOAT, 3, 3);   // another size: a is not taken
            }
            assertFalse(a.wasClosed(), "kept through call " + call);
        }
        try (CallScope s = CallScope.open()) {
            CallScope.uninitialized(DataType.FLOAT, 3, 3);
        }
        assertTrue(a.wasClosed());
        assertEquals(1, CallScope.freeCount(), "the (3, 3) array, taken by every call");
    }

    @Test
    void callsOfTwoKindsInTurnKeepTheArraysOfBoth() {
        INDArray loopArray;
        INDArray fusedArray;
        try (CallScope s = CallScope.open()) {
            loopArray = CallScope.uninitialized(DataType.FLOAT, 200, 32, 1);
        }
        try (CallScope s = CallScope.open()) {
            fusedArray = CallScope.uninitialized(DataType.FLOAT, 1, 200, 32);   // the same size, its own array
            assertNotSame(loopArray.data(), fusedArray.data());
        }
        for (int i = 0; i < 3; i++) {
            try (CallScope s = CallScope.open()) {
                assertSame(loopArray, CallScope.uninitialized(DataType.FLOAT, 200, 32, 1));
            }
            try (CallScope s = CallScope.open()) {
                assertSame(fusedArray, CallScope.uninitialized(DataType.FLOAT, 1, 200, 32));
            }
        }
    }

    @Test
    void keptArraysAndArraysSharingTheirMemoryAreNeverGivenBack() {
        INDArray a;
        INDArray b;
        try (CallScope s = CallScope.open()) {
            a = CallScope.uninitialized(DataType.FLOAT, 40, 8).assign(3);
            b = CallScope.uninitialized(DataType.FLOAT, 40, 8).assign(4);
            s.keep(a, b.getRow(2));
        }
        assertEquals(0, CallScope.freeCount());
        try (CallScope s = CallScope.open()) {
            INDArray c = CallScope.uninitialized(DataType.FLOAT, 40, 8);
            assertNotSame(a, c);
            assertNotSame(b, c);
        }
        assertEquals(3.0, a.getDouble(0, 0));
        assertEquals(4.0, b.getDouble(39, 7));
        assertFalse(a.wasClosed() || b.wasClosed());
    }

    @Test
    void anOwnedArrayGoesBackAndViewsAreLeftAlone() {
        INDArray made = Nd4j.create(DataType.FLOAT, 40, 8);
        INDArray view = Nd4j.create(DataType.FLOAT, 40, 8).getRow(1);
        try (CallScope s = CallScope.open()) {
            CallScope.own(made);
            CallScope.own(view);
        }
        assertEquals(1, CallScope.freeCount());
        assertFalse(view.wasClosed());
    }

    @Test
    void outsideAScopeEveryRequestIsANewArrayThatNothingFrees() {
        assertNull(CallScope.current());
        INDArray a = CallScope.uninitialized(DataType.FLOAT, 40, 8);
        CallScope.own(a);
        try (CallScope s = CallScope.open()) {
            assertNotSame(a, CallScope.uninitialized(DataType.FLOAT, 40, 8));
        }
        assertFalse(a.wasClosed());
    }

    @Test
    void stepsOfAReusedArrayAreMadeOnceAndOtherArraysGetPlainSlices() {
        INDArray a;
        INDArray step;
        try (CallScope s = CallScope.open()) {
            a = CallScope.uninitialized(DataType.FLOAT, 5, 4, 3);
            step = CallScope.step(a, 2);
            assertSame(step, CallScope.step(a, 2));
            assertSame(CallScope.rows(step, 0, 2), CallScope.rows(step, 0, 2));
        }
        try (CallScope s = CallScope.open()) {
            assertSame(a, CallScope.uninitialized(DataType.FLOAT, 5, 4, 3));
            assertSame(step, CallScope.step(a, 2), "kept with the array");
        }
        INDArray plain = Nd4j.create(DataType.FLOAT, 5, 4, 3);
        assertNotSame(CallScope.step(plain, 1), CallScope.step(plain, 1));
    }

    @Test
    void scopesNestAndEndInnermostFirstOnTheirOwnThread() throws Exception {
        try (CallScope outer = CallScope.open()) {
            CallScope inner = CallScope.open();
            assertSame(inner, CallScope.current());
            IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
            assertTrue(e.getMessage().contains("innermost first"), e.getMessage());
            Throwable other = CompletableFuture.runAsync(inner::close).handle((v, t) -> t).get();
            assertTrue(other.getCause() instanceof IllegalStateException, String.valueOf(other));
            inner.close();
            assertSame(outer, CallScope.current());
        }
        assertNull(CallScope.current());
    }

    @Test
    void denormalsAreFlushedWhileTheCallRunsAndTheModeComesBackAfter() {
        int before = CpuTuning.mxcsr();
        try (CallScope s = CallScope.open()) {
            if (before >= 0 && Switches.FLUSH_DENORMALS) {
                assertEquals(0x8040, CpuTuning.mxcsr() & 0x8040);
            }
        }
        assertEquals(before, CpuTuning.mxcsr());
    }

    @Test
    void aRunsBackwardAfterItsCallEndedIsRefused() {
        Sequential model = new Sequential(Input.of(3, 2), new LSTM(4), new Dense(1));
        Graph graph = model.graph();
        Graph.Run run;
        try (CallScope s = CallScope.open()) {
            run = graph.forward(new INDArray[] {Nd4j.rand(DataType.FLOAT, 2, 3, 2)}, true);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> graph.backward(run, new INDArray[] {Nd4j.ones(DataType.FLOAT, 2, 1)}));
        assertTrue(e.getMessage().contains("call has ended"), e.getMessage());
    }

    @Test
    void aTrainingStepGivesBackItsArraysButNeitherWeightsNorGradientsNorTheCallersInputs() {
        Sequential model = new Sequential(Input.of(12), new Embedding(700, 64), new LSTM(32).returnSequences(true),
            new Dense(700).activation("softmax"));
        model.compile(new Adam(0.01), "sparse_categorical_crossentropy");
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 12).muli(700).castTo(DataType.INT32).castTo(DataType.FLOAT);
        INDArray before = x.dup();
        long reuses = CallScope.reuses();
        for (int i = 0; i < 3; i++) {
            model.trainOnBatch(x, x);
        }
        assertTrue(CallScope.reuses() - reuses >= 2 * 5, "each step after the first reuses the one before's arrays");
        assertEquals(before, x);
        for (Parameter p : model.graph().parameters()) {
            assertFalse(p.value().wasClosed() || p.grad().wasClosed(), p.name());
        }
        INDArray first = model.predict(x, 8);
        INDArray copy = first.dup();
        model.predict(x, 8);
        model.trainOnBatch(x, x);
        assertEquals(copy, first, "a prediction handed out is the caller's: later calls never write into it");
    }

    @Test
    void trainingWithReuseEqualsTrainingWithFreshArrays() {
        List<INDArray> reused = trained(true);
        List<INDArray> fresh = trained(false);
        assertEquals(fresh, trained(false), "fresh twice");
        assertEquals(fresh, reused);
    }

    /** Embedding, LSTM and a softmax Dense: logits, probabilities, workspaces and gradients reused. */
    private static List<INDArray> trained(boolean reuse) {
        CallScope.reuse(reuse);
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
