package org.seqml.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The large arrays the last training step freed, handed to the next step's layers instead of
 * fresh memory. A step's big buffers (W4's two 25.6 MB arrays of logits and probabilities, W1's
 * 6.5 MB embedded sequences) are too large for glibc's free lists: each step's allocation maps
 * fresh pages and the first write faults every one of them in (6,250 faults for W4's logits),
 * so freeing and allocating the same sizes every step costs milliseconds that reuse does not.
 * <p>
 * The life of a kept array: the trainer ends a step with {@link #recycle} for each array the
 * step made and nothing reads any more (what it used to free); the next step's layers ask
 * {@link #uninitialized} for an array of a type and shape and get a kept one of that type and
 * size if there is one, in the shape asked for. {@link #endStep} frees what the step before did
 * not take, so the pool holds at most one step's arrays and follows a change of shapes (sequence
 * buckets) at once. Only arrays of at least {@value #MIN_BYTES} bytes are kept (smaller ones
 * come from the allocator's free lists cheaply), each thread has its own pool, and {@link #clear}
 * frees all: the trainer calls it when {@code fit} ends; after {@code trainOnBatch} the last
 * step's arrays stay until the thread's next step or {@code clear}.
 * <pre>
 * INDArray z = StepArrayPool.uninitialized(DataType.FLOAT, rows, units);   // kept or new, undefined
 * ...
 * StepArrayPool.recycle(z);   // nothing reads z any more
 * StepArrayPool.endStep();    // arrays kept from the step before and not taken are freed
 * </pre>
 * Off: {@code -Dseqml.arrayPool=false} (every request allocates, every recycle frees).
 */
public final class StepArrayPool {
    static final long MIN_BYTES = 256 << 10;
    private static volatile boolean enabled = Switches.ARRAY_POOL;
    private static final ThreadLocal<Pool> POOL = ThreadLocal.withInitial(Pool::new);

    /** This thread's arrays: those given back in the current step and those kept from the one before. */
    private static final class Pool {
        final List<INDArray> previous = new ArrayList<>();
        final List<INDArray> current = new ArrayList<>();
        long reuses;
    }

    private StepArrayPool() {
    }

    /**
     * An array of this type and shape in c order whose contents are undefined (the caller writes
     * it whole): one a previous step gave back, else a new one.
     */
    public static INDArray uninitialized(DataType type, long... shape) {
        if (enabled) {
            Pool pool = POOL.get();
            INDArray kept = take(pool.previous, type, shape);
            if (kept == null) {
                kept = take(pool.current, type, shape);
            }
            if (kept != null) {
                pool.reuses++;
                return kept;
            }
        }
        return Nd4j.createUninitialized(type, shape);
    }

    /** A kept array of this type and size, removed from {@code arrays}, in this shape; null if none. */
    private static INDArray take(List<INDArray> arrays, DataType type, long[] shape) {
        long length = 1;
        for (long d : shape) {
            length *= d;
        }
        for (int i = arrays.size() - 1; i >= 0; i--) {
            INDArray a = arrays.get(i);
            if (a.dataType() == type && a.length() == length) {
                arrays.remove(i);
                // W1's (64, 200, 128) gradient serves as the next step's (12800, 128) embedded rows
                return reshape(a, shape);
            }
        }
        return null;
    }

    /**
     * {@code a}'s memory in another shape (c order, same length), as an array that owns it as
     * {@code a} does, so that it can be given back in turn: ND4J's {@code reshape} returns a view,
     * which {@link #recycle} leaves alone (W4's (1280, 256) input gradient of the output layer,
     * reshaped to (64, 20, 256), went to the collector). The two share memory, so at most one of
     * them may be given back. Arrays that are views, offset or not in c order get ND4J's reshape.
     */
    public static INDArray reshape(INDArray a, long... shape) {
        if (Arrays.equals(a.shape(), shape)) {
            return a;
        }
        if (a.isView() || a.ordering() != 'c' || a.offset() != 0 || a.data().length() != a.length()) {
            return a.reshape('c', shape);
        }
        return Nd4j.create(a.data(), shape, Nd4j.getStrides(shape, 'c'), 0, 'c');
    }

    /**
     * Gives back an array nothing reads any more: kept for a later request when it owns its
     * memory, is in c order and large enough, else freed (views are left alone). The caller
     * must not touch it again.
     */
    public static void recycle(INDArray a) {
        if (a == null || !a.closeable()) {
            return;
        }
        if (enabled && a.ordering() == 'c' && a.data().length() == a.length()
            && a.length() * a.dataType().width() >= MIN_BYTES) {
            POOL.get().current.add(a);
        } else {
            a.close();
        }
    }

    /** Frees the arrays kept from the step before that this step did not take; this step's are kept. */
    public static void endStep() {
        Pool pool = POOL.get();
        pool.previous.forEach(INDArray::close);
        pool.previous.clear();
        pool.previous.addAll(pool.current);
        pool.current.clear();
    }

    /** Frees every array this thread's pool keeps. */
    public static void clear() {
        endStep();
        endStep();
    }

    /** Turns reuse on or off (tests compare the two). */
    static void enabled(boolean on) {
        enabled = on;
    }

    /** The requests this thread's pool has served with kept memory (tests). */
    static long reuses() {
        return POOL.get().reuses;
    }

    /** The number of arrays this thread's pool keeps (tests). */
    static int size() {
        Pool pool = POOL.get();
        return pool.previous.size() + pool.current.size();
    }
}
