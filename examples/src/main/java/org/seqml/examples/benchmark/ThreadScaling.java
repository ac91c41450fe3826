package org.seqml.examples.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Sequential;

/**
 * Total {@code predict} calls per second when 1, 2, 4 and 8 threads call one shared W1 model
 * (Embedding(20000, 128) -> LSTM(128) -> Dense(1, sigmoid), length 200) at once: batches of 64
 * (W1 inference, the fused path), single sequences (W5) and padded batches (the masked loop).
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.benchmark.ThreadScaling \
 *     -Dexec.args="--seconds 8 --threads 1,2,4,8"
 * </pre>
 * A benchmark, not a test.
 */
public final class ThreadScaling {

    private ThreadScaling() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = 5;
        int[] threadCounts = {1, 2, 4, 8};
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--threads" -> threadCounts = java.util.Arrays.stream(args[i + 1].split(","))
                    .mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; known: --seconds, --threads");
            }
        }
        RandomSeed.set(1);
        Sequential model = new Sequential(Input.of(200), new Embedding(20000, 128).maskZero(true), new LSTM(128),
            new Dense(1).activation("sigmoid"));
        java.util.Random r = new java.util.Random(2);
        INDArray batch = ids(r, 64, 200, false);
        INDArray single = ids(r, 1, 200, false);
        INDArray padded = ids(r, 64, 200, true);
        System.out.println("threads  W1 batch 64 calls/s  (samples/s)   W5 batch 1 calls/s   padded batch 64 calls/s");
        for (int threads : threadCounts) {
            double b = rate(() -> model.predict(batch, 64), threads, seconds);
            double s = rate(() -> model.predict(single, 1), threads, seconds);
            double p = rate(() -> model.predict(padded, 64), threads, seconds);
            System.out.printf(Locale.ROOT, "%7d  %20.1f  (%9.1f)  %19.1f  %24.1f%n", threads, b, 64 * b, s, p);
        }
        System.exit(0);
    }

    /** Token ids in 1..19999; padded: each row zeros after a length from 20 to 200. */
    private static INDArray ids(java.util.Random r, int rows, int time, boolean padded) {
        float[][] ids = new float[rows][time];
        for (int i = 0; i < rows; i++) {
            int length = padded ? 20 + r.nextInt(time - 19) : time;
            for (int t = 0; t < length; t++) {
                ids[i][t] = 1 + r.nextInt(19999);
            }
        }
        return Nd4j.create(ids);
    }

    /** Calls per second of all threads together, after one warm-up call per thread. */
    private static double rate(Runnable call, int threads, double seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch warm = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            AtomicLong calls = new AtomicLong();
            long[] window = new long[2];
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    call.run();
                    warm.countDown();
                    go.await();
                    long end = window[1];
                    while (System.nanoTime() < end) {
                        call.run();
                        calls.incrementAndGet();
                    }
                    return null;
                }));
            }
            warm.await();
            window[0] = System.nanoTime();
            window[1] = window[0] + (long) (seconds * 1e9);
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            return calls.get() / ((System.nanoTime() - window[0]) / 1e9);
        } finally {
            pool.shutdown();
        }
    }
}
