package org.seqml.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Prepares batches on a background thread, {@code buffer} ahead of the training loop (tf.data's
 * {@code prefetch}): reading and padding the next batch overlaps the current step. An error in
 * the producer is rethrown to the loop.
 */
final class Prefetch extends Dataset {
    private static final Object END = new Object();
    private final Dataset inner;
    private final int buffer;

    Prefetch(Dataset inner, int buffer) {
        if (buffer <= 0) {
            throw new IllegalArgumentException("prefetch buffer must be positive, got " + buffer);
        }
        this.inner = inner;
        this.buffer = buffer;
    }

    @Override
    public int steps() {
        return inner.steps();
    }

    @Override
    public Iterator<Batch> batches(long epochSeed) {
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(buffer + 1);
        Thread producer = new Thread(() -> {
            try {
                Iterator<Batch> it = inner.batches(epochSeed);
                while (it.hasNext()) {
                    queue.put(it.next());
                }
                queue.put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                try {
                    queue.put(e);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "seqml-prefetch");
        producer.setDaemon(true);
        producer.start();
        return new Iterator<>() {
            private Object head;

            @Override
            public boolean hasNext() {
                if (head == null) {
                    try {
                        head = queue.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        producer.interrupt();
                        return false;
                    }
                }
                if (head instanceof RuntimeException e) {
                    throw e;
                }
                return head != END;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Batch b = (Batch) head;
                head = null;
                return b;
            }
        };
    }
}
