package org.seqml.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.attention.AttentionLSTM;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.GRU;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.optimizers.Adam;
import org.seqml.testing.Arrays;

/**
 * The thread contract of README's "Threads": {@code predict} and {@code evaluate} may run from any
 * thread and from many threads at once on one model, with results bit-identical to one thread's;
 * {@code fit} on a model is exclusive. Each model is trained for a few steps on the test's thread
 * first, so the weights and every native cache the fast paths keep were made on another thread
 * than the one that predicts (what crashed the JVM inside oneDNN before).
 */
class ConcurrentPredictTest {
    private static final int THREADS = 8;
    private static final long MILLIS = 1500;

    @Test
    void unmaskedLstmAndGruOnTheFusedPathGiveOneThreadsResultsOnEightThreads() throws Exception {
        INDArray x = Arrays.random(16, 12, 5);
        hammer(trained(new Sequential(Input.of(12, 5), new LSTM(32), new Dense(3)), x), x);
        hammer(trained(new Sequential(Input.of(12, 5), new GRU(32).returnSequences(true), new GRU(16), new Dense(2)), x), x);
        hammer(trained(new Sequential(Input.of(12, 5), new GRU(24).resetAfter(false), new Dense(2)), x), x);
    }

    @Test
    void maskedInputOnTheLoopGivesOneThreadsResultsOnEightThreads() throws Exception {
        INDArray ids = padded(16, 14);
        hammer(trained(new Sequential(Input.of(14), new Embedding(50, 8).maskZero(true), new LSTM(16),
            new Dense(2)), ids), ids);
        hammer(trained(new Sequential(Input.of(14), new Embedding(50, 8).maskZero(true),
            new GRU(16).returnSequences(true), new GlobalAveragePooling1D(), new Dense(2)), ids), ids);
    }

    @Test
    void bidirectionalGivesOneThreadsResultsOnEightThreads() throws Exception {
        INDArray x = Arrays.random(16, 10, 6);
        hammer(trained(new Sequential(Input.of(10, 6), new Bidirectional(new LSTM(16).returnSequences(true)),
            new Bidirectional(new GRU(8)), new Dense(2)), x), x);
        INDArray ids = padded(16, 10);
        hammer(trained(new Sequential(Input.of(10), new Embedding(40, 6).maskZero(true),
            new Bidirectional(new LSTM(8)), new Dense(2)), ids), ids);
    }

    @Test
    void attentionDecoderGivesOneThreadsResultsOnEightThreads() throws Exception {
        RandomSeed.set(7);
        SymbolicTensor in = Input.of("x", 6, 4);
        SymbolicTensor memory = Input.of("memory", 9, 5);
        Model model = new Model(List.of(in, memory), List.of(new Dense(3).apply(new AttentionLSTM(5).apply(in, memory))));
        INDArray[] x = {Arrays.random(12, 6, 4), Arrays.random(12, 9, 5)};
        model.compile(new Adam(1e-2), "mse");
        model.fit(x, new INDArray[] {Arrays.random(12, 6, 3)}, new org.seqml.training.FitOptions().epochs(2)
            .batchSize(6).verbose(0));
        INDArray expected = model.predict(x, 4)[0];
        run(() -> model.predict(x, 4)[0], expected);
    }

    @Test
    void trainedOnOneThreadPredictsOnAnotherAndThenOnAThird() throws Exception {
        INDArray x = Arrays.random(8, 20, 4);
        Model model = trained(new Sequential(Input.of(20, 4), new LSTM(24), new Dense(2)), x);
        INDArray expected = model.predict(x);
        for (int k = 0; k < 3; k++) {
            ExecutorService one = Executors.newSingleThreadExecutor();
            try {
                assertTrue(identical(expected, one.submit(() -> model.predict(x)).get()));
            } finally {
                one.shutdown();
            }
        }
    }

    @Test
    void evaluateRunsConcurrentlyWithTheSameFigures() throws Exception {
        INDArray x = Arrays.random(16, 12, 5);
        Model model = trained(new Sequential(Input.of(12, 5), new GRU(16), new Dense(3)), x);
        INDArray y = Arrays.random(16, 3);
        double expected = model.evaluate(x, y).get("loss");
        run(() -> Nd4j.scalar(model.evaluate(x, y).get("loss")), Nd4j.scalar(expected));
    }

    @Test
    void aSecondTrainingCallWhileFitRunsFailsClearlyAndFitCompletes() throws Exception {
        INDArray x = Arrays.random(16, 12, 5);
        INDArray y = Arrays.random(16, 3);
        Model model = trained(new Sequential(Input.of(12, 5), new LSTM(8), new Dense(3)), x);
        List<Throwable> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.seqml.callbacks.Callback probe = new org.seqml.callbacks.Callback() {
            @Override
            public void onTrainBatchEnd(int batch, java.util.Map<String, Double> logs) {
                if (batch != 0) {
                    return;
                }
                ExecutorService other = Executors.newSingleThreadExecutor();
                try {
                    List<Callable<Object>> calls = List.of(
                        () -> model.fit(x, y, new org.seqml.training.FitOptions().epochs(1).verbose(0)),
                        () -> model.trainOnBatch(x, y),
                        () -> {
                            model.compile(new Adam(), "mse");
                            return null;
                        });
                    for (Callable<Object> call : calls) {
                        try {
                            other.submit(call).get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            refused.add(e.getCause());
                        }
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    other.shutdown();
                }
                try {
                    model.trainOnBatch(x, y);   // from a callback, on the training thread itself
                } catch (IllegalStateException e) {
                    refused.add(e);
                }
            }
        };
        org.seqml.callbacks.History h = model.fit(x, y, new org.seqml.training.FitOptions().epochs(2).batchSize(8)
            .verbose(0).callbacks(probe));
        assertEquals(2, h.get("loss").size(), "the first fit ran its epochs");
        assertEquals(8, refused.size(), "fit, trainOnBatch and compile from another thread, trainOnBatch from a callback,"
            + " in each epoch");
        String name = Thread.currentThread().getName();
        for (Throwable t : refused) {
            assertTrue(t instanceof IllegalStateException
                && t.getMessage().contains("while the model is training on thread '" + name + "'"), String.valueOf(t));
        }
        model.fit(x, y, new org.seqml.training.FitOptions().epochs(1).verbose(0));   // free again afterwards
    }

    /** Same shape and the same bits in every element (INDArray.equals allows a tolerance). */
    static boolean identical(INDArray a, INDArray b) {
        return java.util.Arrays.equals(a.shape(), b.shape())
            && java.util.Arrays.equals(a.dup('c').data().asDouble(), b.dup('c').data().asDouble());
    }

    /** A model built and trained for two epochs on this thread. */
    private static Model trained(Sequential model, INDArray x) {
        RandomSeed.set(11);
        long outputs = ((Dense) model.layers().get(model.layers().size() - 1)).config().units();
        INDArray y = Arrays.random(x.size(0), outputs);
        model.compile(new Adam(1e-2), "mse");
        model.fit(x, y, new org.seqml.training.FitOptions().epochs(2).batchSize(8).verbose(0));
        return model;
    }

    /** Token ids (n, time), each row padded with zeros after a length from 3 to time. */
    private static INDArray padded(int n, int time) {
        java.util.Random r = new java.util.Random(3);
        float[][] ids = new float[n][time];
        for (int i = 0; i < n; i++) {
            int length = 3 + r.nextInt(time - 2);
            for (int t = 0; t < length; t++) {
                ids[i][t] = 1 + r.nextInt(30);
            }
        }
        return Nd4j.create(ids);
    }

    private static void hammer(Model model, INDArray x) throws Exception {
        INDArray expected = model.predict(x, 8);
        run(() -> model.predict(x, 8), expected);
    }

    /** THREADS threads call {@code call} for MILLIS ms, starting together; every result must equal {@code expected}. */
    private static void run(Supplier<INDArray> call, INDArray expected) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        long end = System.nanoTime() + MILLIS * 1_000_000;
        List<Future<Integer>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                Callable<Integer> worker = () -> {
                    start.await();
                    int mismatches = 0;
                    do {
                        if (!identical(expected, call.get())) {
                            mismatches++;
                        }
                        calls.incrementAndGet();
                    } while (System.nanoTime() < end);
                    return mismatches;
                };
                futures.add(pool.submit(worker));
            }
            start.countDown();
            int mismatches = 0;
            for (Future<Integer> f : futures) {
                mismatches += f.get();
            }
            assertEquals(0, mismatches, "results that differ from one thread's, of " + calls.get());
            assertTrue(calls.get() >= THREADS, "every thread called at least once");
        } finally {
            pool.shutdownNow();
        }
    }
}
