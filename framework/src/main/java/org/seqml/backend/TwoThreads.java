package org.seqml.backend;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs two halves of one large element-wise job at once, the second on a helper thread. seqml
 * holds ND4J's own thread pool to one thread ({@link CpuTuning}: its hand-off costs more than it
 * gains on the many small recurrent ops), and the pool does not grow later; so the few passes over
 * millions of elements (Adam's update of an embedding) use the second core this way instead. The
 * helper runs with the caller's floating-point mode (flush-to-zero included), so both halves
 * compute alike. On one core, or with {@code -Dseqml.twoThreads=false}, both run on the caller.
 *
 * <pre>{@code
 * TwoThreads.run(() -> update(firstHalf), () -> update(secondHalf));
 * }</pre>
 */
public final class TwoThreads {
    private static final ExecutorService HELPER = Runtime.getRuntime().availableProcessors() < 2
        || !Boolean.parseBoolean(System.getProperty("seqml.twoThreads", "true")) ? null
        : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "seqml-second-half");
            t.setDaemon(true);
            return t;
        });

    private TwoThreads() {
    }

    /** Whether a second thread is used. */
    public static boolean available() {
        return HELPER != null;
    }

    /** Runs {@code first} here and {@code second} on the helper; returns when both are done. */
    public static void run(Runnable first, Runnable second) {
        if (HELPER == null) {
            first.run();
            second.run();
            return;
        }
        int mode = CpuTuning.mxcsr();
        Future<?> other = HELPER.submit(() -> {
            int before = CpuTuning.mxcsr();
            CpuTuning.restore(mode);
            try {
                second.run();
            } finally {
                CpuTuning.restore(before);
            }
        });
        try {
            first.run();
        } finally {
            join(other);
        }
    }

    private static void join(Future<?> other) {
        try {
            other.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the second half ran", e);
        }
    }
}
