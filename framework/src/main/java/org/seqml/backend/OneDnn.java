package org.seqml.backend;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every oneDNN call in seqml shares: the CPU engine, a stream per thread, running a primitive
 * on every core, and binding ND4J arrays to oneDNN memory without copies. oneDNN (the bytedeco
 * preset on ND4J's JavaCPP) runs seqml's large fused kernels: {@link OneDnnRnn} and
 * {@link OneDnnSoftmax}. Switches: {@link Switches} ({@code seqml.onednn}, {@code seqml.onednnThreads}).
 */
final class OneDnn {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnn.class);
    /** The OpenMP threads all Java threads' oneDNN calls take together; {@link #setThreads} changes it. */
    private static volatile int threads = Switches.ONEDNN_THREADS;
    private static volatile engine cpu;
    private static volatile boolean tried;
    /** Threads inside {@link Backend#withoutFusedKernels}: every oneDNN path declines there. */
    private static final ThreadLocal<Boolean> DECLINED = ThreadLocal.withInitial(() -> false);
    private static final ThreadLocal<stream> STREAM = ThreadLocal.withInitial(() -> new stream(cpu));
    private static final ThreadLocal<Scratchpad> SCRATCHPAD = ThreadLocal.withInitial(Scratchpad::new);
    private static final Cores CORES = new Cores(threads);

    /** The free threads; fewer of them after {@link #setThreads} lowers the total. */
    private static final class Cores extends java.util.concurrent.Semaphore {
        Cores(int permits) {
            super(permits, true);
        }

        void reduce(int n) {
            reducePermits(n);
        }
    }

    /**
     * Sets the threads all oneDNN calls of this JVM take together (a Spark executor's cores rather
     * than the machine's); calls running now keep theirs.
     */
    static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + n);
        }
        int delta = n - threads;
        if (delta > 0) {
            CORES.release(delta);
        } else if (delta < 0) {
            CORES.reduce(-delta);
        }
        threads = n;
    }

    static int threads() {
        return threads;
    }
    private static final ThreadLocal<Boolean> IN_RUN = ThreadLocal.withInitial(() -> false);

    private OneDnn() {
    }

    /** Whether oneDNN loaded and is switched on, and the calling thread has not declined it. */
    static boolean available() {
        if (!tried) {
            load();
        }
        return cpu != null && !DECLINED.get();
    }

    private static synchronized void load() {
        if (!tried) {
            if (Switches.ONEDNN) {
                try {
                    cpu = new engine(engine.kind.cpu, 0);
                } catch (Throwable e) {
                    LOG.warn("oneDNN unavailable ({}); seqml runs its plain paths", e.toString());
                }
            }
            tried = true;
        }
    }

    /** Whether the calling thread is inside {@link Backend#withoutFusedKernels}. */
    static boolean declinedHere() {
        return DECLINED.get();
    }

    /** Runs {@code work} with every oneDNN path declined on this thread (see {@link Backend#withoutFusedKernels}). */
    static <T> T declined(java.util.function.Supplier<T> work) {
        boolean before = DECLINED.get();
        DECLINED.set(true);
        try {
            return work.get();
        } finally {
            DECLINED.set(before);
        }
    }

    static engine cpu() {
        return cpu;
    }

    static stream stream() {
        return STREAM.get();
    }

    /**
     * Runs {@code call} on oneDNN's threads without oversubscribing the cores: the calls of all
     * Java threads together take at most {@code seqml.onednnThreads} OpenMP threads. A call waits
     * for one, takes as many more as are free, and runs on that many; so one caller gets every
     * core and eight callers at once get one each (eight callers of two threads each on two cores
     * collapse: each team spins while the others hold the cores). The caller's OpenMP setting is
     * restored after. A call made inside another runs on its threads.
     */
    static void run(Runnable call) {
        if (IN_RUN.get()) {
            call.run();
            return;
        }
        CORES.acquireUninterruptibly();
        int taken = 1;
        int limit = threads;
        while (taken < limit && CORES.tryAcquire()) {
            taken++;
        }
        int before = OpenMp.threads();
        OpenMp.setThreads(taken);
        IN_RUN.set(true);
        try {
            call.run();
        } finally {
            IN_RUN.set(false);
            OpenMp.setThreads(before);
            CORES.release(taken);
        }
    }

    /**
     * Attributes for every primitive seqml makes: the caller passes the scratchpad
     * ({@link #execute}). oneDNN's own scratchpad (the default) lives in a thread-local of the
     * thread that made the primitive, so running the primitive on any other thread read freed or
     * foreign memory and crashed the JVM (a model trained on one thread and served on another).
     */
    static primitive_attr attr() {
        primitive_attr attr = new primitive_attr();
        attr.set_scratchpad_mode(org.bytedeco.dnnl.global.dnnl.scratchpad_mode.user);
        return attr;
    }

    /**
     * Runs {@code p} with {@code args} and this thread's scratchpad (sized by {@code scratchpad},
     * the primitive descriptor's {@code scratchpad_desc()}) on this thread's stream, and waits.
     * Call inside {@link #run}.
     */
    static void execute(primitive p, memory.desc scratchpad, IntMemoryMap args) {
        stream s = stream();
        long bytes = scratchpad.get_size();
        if (bytes > 0) {
            args.put(org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD, SCRATCHPAD.get().of(scratchpad, bytes));
        }
        p.execute(s, args);
        s._wait();
    }

    /**
     * A thread's scratchpad: one buffer, grown when a primitive needs more, and a memory object
     * over it per size asked for (made once: each new JavaCPP object reads the resident size).
     * Freed with the thread (its objects become garbage then).
     */
    private static final class Scratchpad {
        private memory buffer;
        private final java.util.Map<Long, memory> views = new java.util.HashMap<>();

        memory of(memory.desc d, long bytes) {
            if (buffer == null || buffer.get_desc().get_size() < bytes) {
                views.values().forEach(memory::close);
                views.clear();
                if (buffer != null) {
                    buffer.close();
                }
                buffer = new memory(desc(memory.format_tag.a, (bytes + 3) / 4), cpu);   // oneDNN aligns it
            }
            return views.computeIfAbsent(bytes, k -> new memory(d, cpu, buffer.get_data_handle()));
        }
    }

    /**
     * C = alpha op(A) op(B) + beta C on row-major float matrices by oneDNN's sgemm, on oneDNN's
     * threads; false (nothing done) when oneDNN is not available or the call failed.
     */
    static boolean sgemm(boolean transA, boolean transB, long m, long n, long k, float alpha, FloatPointer a, long lda,
                         FloatPointer b, long ldb, float beta, FloatPointer c, long ldc) {
        if (!available()) {
            return false;
        }
        int[] status = new int[1];
        run(() -> status[0] = org.bytedeco.dnnl.global.dnnl.dnnl_sgemm((byte) (transA ? 'T' : 'N'),
            (byte) (transB ? 'T' : 'N'), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
        return status[0] == org.bytedeco.dnnl.global.dnnl.dnnl_success;
    }

    /** A map that keeps its {@code size} most recently used entries: made primitives, by shape. */
    static <K, V> java.util.Map<K, V> lru(int size) {
        return new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<K, V> eldest) {
                return size() > size;
            }
        };
    }

    /**
     * New memory of layout {@code to} holding the data at {@code data} (layout {@code from}),
     * reordered once (weights packed for a primitive) with the library's own scratchpad, outside
     * any call's.
     */
    static memory reorderOnce(memory.desc from, org.bytedeco.javacpp.Pointer data, memory.desc to,
                              primitive_attr attr) {
        memory source = new memory(from, cpu(), data);
        memory target = new memory(to, cpu());
        org.bytedeco.dnnl.reorder.primitive_desc rpd = new org.bytedeco.dnnl.reorder.primitive_desc(cpu(), from,
            cpu(), to, attr, false);
        IntMemoryMap map = new IntMemoryMap();
        map.put(org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM, source);
        map.put(org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO, target);
        run(() -> {
            new org.bytedeco.dnnl.reorder(rpd).execute(stream(), map);
            stream()._wait();
        });
        return target;
    }

    /** A reorder's attributes that add into its destination instead of overwriting it. */
    static primitive_attr accumulating() {
        post_ops sum = new post_ops();
        sum.append_sum(1.0f, memory.data_type.undef);
        primitive_attr attr = attr();
        attr.set_post_ops(sum);
        return attr;
    }

    static memory.desc desc(memory.format_tag tag, long... dims) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    /** Alignment of the buffers seqml hands oneDNN for its own use (workspaces, reordered weights), as its own allocator aligns. */
    private static final int ALIGNMENT = 64;

    /** The byte count of an array that holds a buffer of {@code d} at an aligned address (see {@link #aligned}). */
    static long alignedBytes(memory.desc d) {
        return d.get_size() + ALIGNMENT - 1;
    }

    /** The first {@value #ALIGNMENT}-byte boundary in a byte array of {@link #alignedBytes}. */
    static org.bytedeco.javacpp.Pointer aligned(INDArray bytes) {
        org.bytedeco.javacpp.Pointer p = bytes.data().addressPointer();
        long pad = -p.address() & (ALIGNMENT - 1);
        return new org.bytedeco.javacpp.BytePointer(p).position(pad);
    }

    /** Whether the array's buffer starts at its first element and holds it densely, row-major. */
    static boolean bindable(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.offset() == 0 && rowMajor(a) && a.data().length() == a.length();
    }

    /**
     * Whether the array is laid out row-major without gaps. Not ND4J's
     * {@code Shape.hasDefaultStridesForShape}, which says no for a (3, 6, 1) array of strides
     * (6, 1, 1): a forecasting model's one-feature sequence was copied before every kernel call.
     */
    static boolean rowMajor(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) > 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }

    /** The array itself when oneDNN can read it in place, else a dense copy. */
    static INDArray dense(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("oneDNN runs float32 here; got " + a.dataType());
        }
        return bindable(a) ? a : a.dup('c');
    }

    /** Points {@code m} at the array's memory (or at nothing for null). */
    static void bind(memory m, INDArray a) {
        if (m != null) {
            m.set_data_handle(a == null ? null : a.data().addressPointer());
        }
    }
}
