package org.seqml.backend;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One training step or one predicted batch: owns the arrays the call makes, the thread's
 * denormal mode while it runs, and their release when it ends, as DJL's {@code batch.close()}
 * ends a step in {@code EasyTrain.fit}. The training loop and the predictor open one per call;
 * layers and kernels ask it for their arrays ({@link #uninitialized}) and know nothing else of
 * memory.
 * <pre>
 * try (CallScope scope = CallScope.open()) {   // denormals flushed on this thread
 *     INDArray z = CallScope.uninitialized(DataType.FLOAT, rows, units);   // undefined contents
 *     ...
 *     scope.keep(output);   // outlives the call (a prediction handed to the caller)
 * }   // z and every array the call owns go back; the next call of this thread reuses them
 * </pre>
 *
 * <p>Why reuse at all: a step's big arrays (W4's 25.6 MB logits, W1's 126 MB oneDNN workspace)
 * are too large for glibc's free lists, so a fresh allocation maps fresh pages and faults each
 * one in on first write, every step; a recurrent loop's small per-step views cost microseconds
 * each to build. So when a call ends, its arrays go to this thread's free list, and later calls'
 * requests of the same type and size take them (with the views already made of them). An array
 * no call took for {@value #MAX_IDLE_CALLS} calls in a row is freed, and so are the longest idle
 * ones while the list holds more than {@value #MAX_FREE_MB} MB: calls of a few kinds in turn (a
 * served model's padded and unpadded requests, which take the loop and the fused kernel) keep
 * theirs, and a change of shapes (sequence buckets) is followed within a few calls. The list goes
 * with its thread.
 * Off: {@code -Dseqml.arrayPool=false} (every request allocates, every ending frees).
 *
 * <p>Outside any scope (a layer called by hand) requests get new arrays the collector frees.
 * A scope belongs to the thread that opened it; scopes nest (the inner one ends first).
 */
public final class CallScope implements AutoCloseable {
    /** Calls in a row that may leave a free array untaken before it is freed. */
    static final int MAX_IDLE_CALLS = 4;
    /** The most a thread's free list holds; past it the longest idle arrays are freed first. */
    static final long MAX_FREE_MB = 1024;
    private static final ThreadLocal<Local> LOCAL = ThreadLocal.withInitial(Local::new);
    private static volatile boolean reuse = Switches.ARRAY_POOL;

    /** A free array and the calls that ended since it was given back. */
    private static final class Idle {
        final INDArray array;
        int calls;

        Idle(INDArray array) {
            this.array = array;
        }
    }

    /** A thread's open scope and the arrays its ended calls gave back. */
    private static final class Local {
        CallScope current;
        final Map<Key, ArrayDeque<Idle>> free = new HashMap<>();
        long freeBytes;
        /** The steps and rows of this thread's reusable arrays made so far, by array. */
        final Map<INDArray, Map<Long, INDArray>> views = new IdentityHashMap<>();
        int freeCount;
        long reuses;
    }

    private record Key(DataType type, long length) {
    }

    private final Local local;
    private final CallScope parent;
    private final Thread thread;
    private final int savedMode;
    private final List<INDArray> owned = new ArrayList<>();
    private final Set<DataBuffer> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean open = true;

    private CallScope(Local local, CallScope parent) {
        this.local = local;
        this.parent = parent;
        this.thread = Thread.currentThread();
        this.savedMode = parent == null ? CpuTuning.flushDenormals() : -1;
    }

    /** Opens a scope on this thread, inside the open one if any; close it on this thread. */
    public static CallScope open() {
        Local local = LOCAL.get();
        CallScope scope = new CallScope(local, local.current);
        local.current = scope;
        return scope;
    }

    /** This thread's innermost open scope, or null. */
    public static CallScope current() {
        return LOCAL.get().current;
    }

    /** Whether the call has not ended: arrays it owns are still its own. */
    public boolean isOpen() {
        return open;
    }

    /**
     * An array of this type and shape in c order whose contents are undefined (the caller writes
     * it whole), owned by this thread's open scope: one an earlier call gave back, else a new
     * one. Outside a scope, a new one.
     */
    public static INDArray uninitialized(DataType type, long... shape) {
        Local local = LOCAL.get();
        CallScope scope = local.current;
        if (scope == null) {
            return Nd4j.createUninitialized(type, shape);
        }
        INDArray a = take(local, type, shape);
        if (a == null) {
            a = Nd4j.createUninitialized(type, shape);
            local.views.put(a, new HashMap<>());
        } else {
            local.reuses++;
        }
        scope.owned.add(a);
        return a;
    }

    /**
     * Declares that {@code a}, made during this call by an operation that allocates (a gradient
     * passed between layers), is read by nothing once the call ends: it is given back with the
     * call's own arrays. Views and arrays outside a scope are left to the collector.
     */
    public static void own(INDArray a) {
        CallScope scope = LOCAL.get().current;
        if (scope != null && a != null && !a.isView()) {
            scope.owned.add(a);
        }
    }

    /** Says that these arrays (or arrays sharing their memory) outlive the call: never given back. */
    public void keep(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null) {
                kept.add(root(a));
            }
        }
    }

    /**
     * Step {@code s} of {@code a} (a view along the first axis). Those of a scope's arrays are
     * made once and reused with the array: a recurrent loop asks for dozens per step, at
     * microseconds each.
     */
    public static INDArray step(INDArray a, int s) {
        Map<Long, INDArray> known = LOCAL.get().views.get(a);
        return known == null ? a.slice(s) : known.computeIfAbsent(-1L - s, k -> view(a.slice(s)));
    }

    /** Rows [from, to) of the matrix {@code a}, as {@link #step}. */
    public static INDArray rows(INDArray a, long from, long to) {
        Map<Long, INDArray> known = LOCAL.get().views.get(a);
        if (known == null) {
            return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
        }
        return known.computeIfAbsent(from << 32 | to,
            k -> view(a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all())));
    }

    /** Registers a view of a reusable array, so that its own steps are kept too. */
    private static INDArray view(INDArray v) {
        LOCAL.get().views.put(v, new HashMap<>());
        return v;
    }

    /**
     * {@code a}'s memory in another shape (c order, same length), as an array that owns it as
     * {@code a} does (ND4J's {@code reshape} returns a view, which would go to the collector
     * rather than back to the thread). Arrays that are views, offset or not in c order get
     * ND4J's reshape.
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
     * Ends the call: its arrays that nothing keeps go to this thread's free list, free arrays no
     * call took for {@value #MAX_IDLE_CALLS} calls are freed, the denormal mode is restored.
     */
    @Override
    public void close() {
        if (!open) {
            return;
        }
        if (Thread.currentThread() != thread || local.current != this) {
            throw new IllegalStateException("a CallScope ends on the thread that opened it, innermost first (opened on "
                + thread.getName() + ", closed on " + Thread.currentThread().getName() + ")");
        }
        open = false;
        local.current = parent;
        age(local);
        Set<DataBuffer> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.addAll(kept);
        Set<INDArray> pushed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (INDArray a : owned) {
            if (giveBack(a, seen)) {
                pushed.add(a);
            }
        }
        for (INDArray a : owned) {
            if (!pushed.contains(a)) {
                forget(local, a);   // kept, freed or sharing memory with a given-back array
            }
        }
        owned.clear();
        trim(local);
        CpuTuning.restore(savedMode);
        if (parent == null) {
            NativeMemory.collectIfGrown();
        }
    }

    /** One more call left the free arrays untaken: those idle too long are freed. */
    private static void age(Local local) {
        for (ArrayDeque<Idle> q : local.free.values()) {
            for (Iterator<Idle> it = q.iterator(); it.hasNext(); ) {
                Idle idle = it.next();
                if (++idle.calls >= MAX_IDLE_CALLS) {
                    it.remove();
                    release(local, idle.array);
                }
            }
        }
    }

    /** Frees the longest idle arrays while the free list holds more than its bound. */
    private static void trim(Local local) {
        if (local.freeBytes <= MAX_FREE_MB << 20) {
            return;
        }
        List<Idle> all = new ArrayList<>();
        local.free.values().forEach(all::addAll);
        all.sort((x, y) -> Integer.compare(y.calls, x.calls));
        for (Idle idle : all) {
            if (local.freeBytes <= MAX_FREE_MB << 20) {
                break;
            }
            local.free.get(new Key(idle.array.dataType(), idle.array.length())).remove(idle);
            release(local, idle.array);
        }
    }

    /** Takes a free array off the books and frees it. */
    private static void release(Local local, INDArray a) {
        local.freeCount--;
        local.freeBytes -= bytes(a);
        forget(local, a);
        a.close();
    }

    /** Drops the views made of {@code a}, and of them. */
    private static void forget(Local local, INDArray a) {
        Map<Long, INDArray> made = local.views.remove(a);
        if (made != null) {
            made.values().forEach(v -> forget(local, v));
        }
    }

    private static long bytes(INDArray a) {
        return a.length() * a.dataType().width();
    }

    /**
     * Frees the arrays this thread's ended calls left for a next call (fit calls it when it
     * ends: no step follows). Inside an open scope, does nothing.
     */
    public static void freeIdle() {
        Local local = LOCAL.get();
        if (local.current != null) {
            return;
        }
        local.free.values().forEach(q -> q.forEach(idle -> idle.array.close()));
        local.free.clear();
        local.freeCount = 0;
        local.freeBytes = 0;
        local.views.clear();
    }

    /** Puts {@code a} on the free list (true), or frees it; skips what is kept, seen, closed or not reusable. */
    private boolean giveBack(INDArray a, Set<DataBuffer> seen) {
        if (a.wasClosed() || !a.closeable() || !seen.add(root(a))) {
            return false;
        }
        if (reuse && a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length()) {
            local.free.computeIfAbsent(new Key(a.dataType(), a.length()), k -> new ArrayDeque<>()).push(new Idle(a));
            local.freeCount++;
            local.freeBytes += bytes(a);
            local.views.putIfAbsent(a, new HashMap<>());
            return true;
        }
        a.close();
        return false;
    }

    /** A free array of this type and length, in this shape (the same object when the shape is its own); null if none. */
    private static INDArray take(Local local, DataType type, long[] shape) {
        long length = 1;
        for (long d : shape) {
            length *= d;
        }
        ArrayDeque<Idle> q = local.free.get(new Key(type, length));
        if (q == null || q.isEmpty()) {
            return null;
        }
        for (Iterator<Idle> it = q.iterator(); it.hasNext(); ) {
            INDArray a = it.next().array;
            if (Arrays.equals(a.shape(), shape)) {
                it.remove();
                local.freeCount--;
                local.freeBytes -= bytes(a);
                return a;
            }
        }
        // another shape of the same size: only an array the last call left untaken, so that calls
        // of two kinds in turn (a loop call and a fused one) do not take each other's arrays
        INDArray a = null;
        for (Iterator<Idle> it = q.iterator(); it.hasNext() && a == null; ) {
            Idle idle = it.next();
            if (idle.calls >= 1) {
                it.remove();
                a = idle.array;
            }
        }
        if (a == null) {
            return null;
        }
        local.freeCount--;
        local.freeBytes -= bytes(a);
        forget(local, a);
        // W1's (64, 200, 128) gradient serves as the next step's (12800, 128) embedded rows
        INDArray reshaped = reshape(a, shape);
        local.views.put(reshaped, new HashMap<>());
        return reshaped;
    }

    /** The buffer that holds {@code a}'s memory (a view's is its array's). */
    private static DataBuffer root(INDArray a) {
        DataBuffer d = a.data();
        while (d.originalDataBuffer() != null && d.originalDataBuffer() != d) {
            d = d.originalDataBuffer();
        }
        return d;
    }

    /** Turns reuse on or off (tests compare the two). */
    static void reuse(boolean on) {
        reuse = on;
    }

    /** The requests this thread's scopes served with given-back memory (tests). */
    static long reuses() {
        return LOCAL.get().reuses;
    }

    /** The number of arrays on this thread's free list (tests). */
    static int freeCount() {
        return LOCAL.get().freeCount;
    }
}
