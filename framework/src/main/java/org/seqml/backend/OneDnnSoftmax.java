package org.seqml.backend;

import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.logsoftmax_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.softmax_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Softmax and log-softmax over the last axis in one oneDNN call each:
 * <pre>
 * softmax(x)_i    = exp(x_i - max x) / sum_j exp(x_j - max x)
 * logSoftmax(x)_i = x_i - max x - log sum_j exp(x_j - max x)
 * </pre>
 * A large output layer's softmax and its cross-entropy (W4: 1280 rows of 5000 classes) took
 * 20-60 ND4J passes over the logits, each allocating; oneDNN makes one vectorized pass on every
 * core. ND4J's ops stay the plain path ({@link #applies} false: float64, or oneDNN off), which
 * {@code OneDnnSoftmaxTest} compares this with.
 *
 * <pre>{@code
 * INDArray p = OneDnnSoftmax.applies(logits) ? OneDnnSoftmax.softmax(logits, false) : plain(logits);
 * }</pre>
 */
public final class OneDnnSoftmax {
    private static final int CACHED_SHAPES = 8;
    private static final Map<Key, Prim> CACHE = OneDnn.lru(CACHED_SHAPES);

    private record Key(long rows, long classes, boolean log) {
    }

    /** A shape's primitive, and each thread's memory objects and arguments for it (re-pointed per call). */
    private record Prim(primitive op, memory.desc data, memory.desc scratchpad, ThreadLocal<Bound> bound) {
        Prim(primitive op, memory.desc data, memory.desc scratchpad) {
            this(op, data, scratchpad, ThreadLocal.withInitial(() -> new Bound(data)));
        }
    }

    private record Bound(memory src, memory dst, IntMemoryMap args) {
        Bound(memory.desc d) {
            this(new memory(d, OneDnn.cpu(), null), new memory(d, OneDnn.cpu(), null), new IntMemoryMap());
            args.put(dnnl.DNNL_ARG_SRC, src);
            args.put(dnnl.DNNL_ARG_DST, dst);
        }
    }

    private OneDnnSoftmax() {
    }

    /** Whether oneDNN computes this array's softmax: float32 with oneDNN available. */
    public static boolean applies(INDArray x) {
        return x.dataType() == DataType.FLOAT && x.length() > 0 && OneDnn.available();
    }

    /** The softmax (or, with {@code log}, the log-softmax) of {@code x} over its last axis, as a new array. */
    public static INDArray softmax(INDArray x, boolean log) {
        INDArray in = OneDnn.dense(x);
        long classes = x.size(x.rank() - 1);
        INDArray out = CallScope.uninitialized(DataType.FLOAT, x.shape());
        Prim p = prim(new Key(x.length() / classes, classes, log));
        // this thread's memory objects: calls on other threads share only the primitive
        Bound b = p.bound().get();
        OneDnn.bind(b.src(), in);
        OneDnn.bind(b.dst(), out);
        OneDnn.run(() -> OneDnn.execute(p.op(), p.scratchpad(), b.args()));
        return out;
    }

    private static synchronized Prim prim(Key key) {
        return CACHE.computeIfAbsent(key, k -> {
            memory.desc d = OneDnn.desc(memory.format_tag.ab, k.rows(), k.classes());
            if (k.log()) {
                logsoftmax_forward.primitive_desc pd = new logsoftmax_forward.primitive_desc(
                    new logsoftmax_forward.desc(dnnl.prop_kind.forward_inference, d, 1), OneDnn.attr(), OneDnn.cpu());
                return new Prim(new logsoftmax_forward(pd), d, pd.scratchpad_desc());
            }
            softmax_forward.primitive_desc pd = new softmax_forward.primitive_desc(
                new softmax_forward.desc(dnnl.prop_kind.forward_inference, d, 1), OneDnn.attr(), OneDnn.cpu());
            return new Prim(new softmax_forward(pd), d, pd.scratchpad_desc());
        });
    }
}
