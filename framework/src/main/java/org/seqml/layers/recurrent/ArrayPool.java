package org.seqml.layers.recurrent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Reuses the large per-call arrays of a recurrent layer (projections, states, gate caches,
 * gradients: tens of MB per batch) instead of allocating them for every batch. Allocating them
 * anew costs more than the loop itself once the garbage collector and ND4J's off-heap accounting
 * get involved, and makes timings erratic.
 *
 * <p>A call takes its arrays with {@link #take} and gives them all back with {@link #giveBack}
 * when it no longer needs them: at the end of an inference call, or after its backward pass. Two
 * calls in flight at once (a shared layer) simply take different arrays. Taken arrays hold
 * whatever their last user left in them; callers write before they read.
 */
final class ArrayPool {
    /** Distinct array shapes kept before the pool starts over (batches of many lengths). */
    private static final int MAX_SHAPES = 64;

    private final Map<String, ArrayDeque<INDArray>> free = new HashMap<>();
    /** The pool's arrays and their views made so far: a step or a gate of a reused array is reused too. */
    private final Map<INDArray, Map<Long, INDArray>> views = new IdentityHashMap<>();

    /** The arrays one call holds, to give back together. */
    static final class Lease {
        private final ArrayPool pool;
        private final List<INDArray> taken = new ArrayList<>();
        private boolean returned;

        private Lease(ArrayPool pool) {
            this.pool = pool;
        }

        /** An array of this type and shape: a reused one if free, else a new one. */
        INDArray take(DataType type, long... shape) {
            if (returned) {
                throw new IllegalStateException("this call's arrays were already given back");
            }
            INDArray a = pool.poll(type, shape);
            taken.add(a);
            return a;
        }

        boolean returned() {
            return returned;
        }
    }

    Lease lease() {
        return new Lease(this);
    }

    private synchronized INDArray poll(DataType type, long[] shape) {
        ArrayDeque<INDArray> q = free.get(key(type, shape));
        INDArray a = q == null ? null : q.poll();
        if (a == null) {
            a = Nd4j.create(type, shape);
            views.put(a, new HashMap<>());
        }
        return a;
    }

    /**
     * Step {@code s} of {@code a} (a view along the first axis). Views of the pool's arrays are
     * made once and kept: ND4J spends microseconds building each view, and the loop asks for
     * dozens per step.
     */
    synchronized INDArray slice(INDArray a, int s) {
        Map<Long, INDArray> known = views.get(a);
        return known == null ? a.slice(s) : known.computeIfAbsent(-1L - s, k -> register(a.slice(s)));
    }

    /** Rows [from, to) of the matrix {@code a}, kept like {@link #slice}. */
    synchronized INDArray rows(INDArray a, long from, long to) {
        Map<Long, INDArray> known = views.get(a);
        if (known == null) {
            return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
        }
        return known.computeIfAbsent(from << 32 | to,
            k -> register(a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all())));
    }

    private INDArray register(INDArray view) {
        views.put(view, new HashMap<>());
        return view;
    }

    /** Makes every array of the lease available again. */
    synchronized void giveBack(Lease lease) {
        if (lease.returned) {
            return;
        }
        lease.returned = true;
        if (free.size() > MAX_SHAPES) {
            // sequences of ever new lengths: keep memory bounded, start over
            free.clear();
            views.clear();
        }
        for (INDArray a : lease.taken) {
            free.computeIfAbsent(key(a.dataType(), a.shape()), k -> new ArrayDeque<>()).push(a);
            views.putIfAbsent(a, new HashMap<>());
        }
        lease.taken.clear();
    }

    private static String key(DataType type, long[] shape) {
        return type + Arrays.toString(shape);
    }
}
