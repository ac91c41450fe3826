package org.seqml.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A few element-wise passes over float32 arrays of one length, each one vectorized oneDNN
 * {@code binary} primitive whose post-ops carry the rest of its line, so each pass reads its
 * arrays once: what an optimizer's update is made of. A pass is
 * <pre>
 * into = f_k(... f_1(a op b))        op, f: add, sub, mul, div, max with an array or a scalar;
 *                                    sqrt; reciprocal; plus scale * (into's old value)
 * </pre>
 * where {@code a} is an array and {@code b} an array or a scalar. Arrays and scalars are given
 * per run by index: scalars are one-element tensors the primitives read when they run (binary
 * post-ops broadcast them), so a value that changes every step, such as a learning rate, needs no
 * new primitive; only the {@code plusOld} scales are built in. Primitives are made once per array
 * length. Replaces ND4J passes where ND4J's {@code sqrt} computes one element at a time (5.1 ms per
 * 1.28M floats, where a multiply takes 0.1-0.3 ms).
 *
 * <pre>{@code
 * // arrays: 0 = w, 1 = g; scalars: 0 = -lr          w = w - lr g
 * OneDnnPasses sgd = OneDnnPasses.with(2, 1).pass(Op.MUL, array(1), scalar(0)).plusOld(1).into(0).build();
 * boolean done = sgd.run(new INDArray[] {w, g}, new double[] {-lr});   // false: use the plain path
 * }</pre>
 */
public final class OneDnnPasses {
    /**
     * Array lengths whose primitives stay made: an optimizer runs one recipe over every weight of a
     * model, so this bounds the distinct weight sizes served without making primitives again.
     */
    private static final int CACHED_LENGTHS = 256;

    /** The binary operations, oneDNN's {@code binary_*}. */
    public enum Op {
        ADD(dnnl.algorithm.binary_add), SUB(dnnl.algorithm.binary_sub), MUL(dnnl.algorithm.binary_mul),
        DIV(dnnl.algorithm.binary_div), MAX(dnnl.algorithm.binary_max);

        private final dnnl.algorithm algorithm;

        Op(dnnl.algorithm algorithm) {
            this.algorithm = algorithm;
        }
    }

    /** An operand: the run's array or scalar number {@code index}. */
    public record In(boolean scalar, int index) {
        public static In array(int index) {
            return new In(false, index);
        }

        public static In scalar(int index) {
            return new In(true, index);
        }
    }

    /** One step after a pass's first operation. */
    private record Then(Op op, In operand, dnnl.algorithm eltwise, float alpha, float beta, Double sumScale) {
    }

    private record Pass(Op op, In a, In b, List<Then> then, int into) {
    }

    /** The primitives for one length and the memories they read, bound per run. */
    private record Made(List<binary> primitives, List<memory.desc> scratchpads, List<IntMemoryMap> args,
                        memory[] arrays, FloatPointer[] scalars, memory[] scalarMemories) {
    }

    private final int arrayCount;
    private final int scalarCount;
    private final List<Pass> passes;
    private final Map<Long, Made> made = OneDnn.lru(CACHED_LENGTHS);

    private OneDnnPasses(int arrayCount, int scalarCount, List<Pass> passes) {
        this.arrayCount = arrayCount;
        this.scalarCount = scalarCount;
        this.passes = List.copyOf(passes);
    }

    /** Starts passes over {@code arrays} arrays and {@code scalars} scalars given per run. */
    public static Builder with(int arrays, int scalars) {
        return new Builder(arrays, scalars);
    }

    /**
     * Runs the passes in order on these arrays and scalars; false, with nothing changed, when the
     * arrays are not float32 arrays of one length, each dense from the start of its buffer, or
     * oneDNN is not available (the caller then takes its plain path).
     */
    public boolean run(INDArray[] arrays, double[] scalars) {
        if (arrays.length != arrayCount || scalars.length != scalarCount) {
            throw new IllegalArgumentException("OneDnnPasses: built for " + arrayCount + " arrays and " + scalarCount
                + " scalars, given " + arrays.length + " and " + scalars.length);
        }
        long n = arrays[0].length();
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || a.length() != n || !OneDnn.bindable(a)) {
                return false;
            }
        }
        if (n == 0 || !OneDnn.available()) {
            return false;
        }
        Made m = made(n);
        synchronized (m) {
            for (int i = 0; i < arrayCount; i++) {
                OneDnn.bind(m.arrays()[i], arrays[i]);
            }
            for (int i = 0; i < scalarCount; i++) {
                m.scalars()[i].put((float) scalars[i]);
            }
            OneDnn.run(() -> {
                for (int p = 0; p < m.primitives().size(); p++) {
                    OneDnn.execute(m.primitives().get(p), m.scratchpads().get(p), m.args().get(p));
                }
            });
        }
        return true;
    }

    private synchronized Made made(long n) {
        return made.computeIfAbsent(n, length -> {
            memory.desc whole = OneDnn.desc(memory.format_tag.a, length);
            memory.desc one = OneDnn.desc(memory.format_tag.a, 1);
            memory[] arrays = new memory[arrayCount];
            for (int i = 0; i < arrayCount; i++) {
                arrays[i] = new memory(whole, OneDnn.cpu(), null);
            }
            memory[] scalarMemories = new memory[scalarCount];
            FloatPointer[] scalars = new FloatPointer[scalarCount];
            for (int i = 0; i < scalarCount; i++) {
                scalarMemories[i] = new memory(one, OneDnn.cpu());   // oneDNN allocates and owns it
                scalars[i] = new FloatPointer(scalarMemories[i].get_data_handle());
            }
            List<binary> primitives = new ArrayList<>();
            List<IntMemoryMap> args = new ArrayList<>();
            List<memory.desc> scratchpads = new ArrayList<>();
            for (Pass pass : passes) {
                post_ops ops = new post_ops();
                IntMemoryMap a = new IntMemoryMap();
                a.put(dnnl.DNNL_ARG_SRC_0, arrays[pass.a().index()]);
                a.put(dnnl.DNNL_ARG_SRC_1, pick(pass.b(), arrays, scalarMemories));
                a.put(dnnl.DNNL_ARG_DST, arrays[pass.into()]);
                for (int k = 0; k < pass.then().size(); k++) {
                    Then t = pass.then().get(k);
                    if (t.sumScale() != null) {
                        ops.append_sum(t.sumScale().floatValue(), memory.data_type.undef);
                    } else if (t.eltwise() != null) {
                        ops.append_eltwise(1f, t.eltwise(), t.alpha(), t.beta());
                    } else {
                        ops.append_binary(t.op().algorithm, t.operand().scalar() ? one : whole);
                        a.put(postOpInput(k), pick(t.operand(), arrays, scalarMemories));
                    }
                }
                primitive_attr attr = OneDnn.attr();
                attr.set_post_ops(ops);
                binary.desc desc = new binary.desc(pass.op().algorithm, whole, pass.b().scalar() ? one : whole, whole);
                binary.primitive_desc pd = new binary.primitive_desc(desc, attr, OneDnn.cpu());
                primitives.add(new binary(pd));
                scratchpads.add(pd.scratchpad_desc());
                args.add(a);
            }
            return new Made(primitives, scratchpads, args, arrays, scalars, scalarMemories);
        });
    }

    private static memory pick(In in, memory[] arrays, memory[] scalars) {
        return in.scalar() ? scalars[in.index()] : arrays[in.index()];
    }

    /** The execution argument of post-op {@code index}'s second input (oneDNN's macro of that name). */
    private static int postOpInput(int index) {
        return dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * (index + 1) | dnnl.DNNL_ARG_SRC_1;
    }

    /** Builds the passes one at a time: {@code pass}, its steps, then {@code into}. */
    public static final class Builder {
        private final int arrays;
        private final int scalars;
        private final List<Pass> passes = new ArrayList<>();
        private Op op;
        private In a;
        private In b;
        private List<Then> then;

        private Builder(int arrays, int scalars) {
            this.arrays = arrays;
            this.scalars = scalars;
        }

        /** Starts a pass with {@code a op b}; {@code a} must be an array. */
        public Builder pass(Op op, In a, In b) {
            if (then != null) {
                throw new IllegalStateException("OneDnnPasses: end the pass before with into(array)");
            }
            if (a.scalar()) {
                throw new IllegalArgumentException("OneDnnPasses: a pass starts from an array, not a scalar");
            }
            check(a);
            check(b);
            this.op = op;
            this.a = a;
            this.b = b;
            this.then = new ArrayList<>();
            return this;
        }

        /** Then {@code value op x}. */
        public Builder then(Op op, In x) {
            check(x);
            return step(new Then(op, x, null, 0f, 0f, null));
        }

        /** Then the square root. */
        public Builder sqrt() {
            return step(new Then(null, null, dnnl.algorithm.eltwise_sqrt, 0f, 0f, null));
        }

        /** Then {@code 1 / value} (oneDNN's {@code pow} with exponent -1). */
        public Builder reciprocal() {
            return step(new Then(null, null, dnnl.algorithm.eltwise_pow, 1f, -1f, null));
        }

        /** Then {@code value + scale * old}, old being the destination's value before the pass. */
        public Builder plusOld(double scale) {
            return step(new Then(null, null, null, 0f, 0f, scale));
        }

        /** Ends the pass, writing its result into array {@code index}. */
        public Builder into(int index) {
            if (then == null) {
                throw new IllegalStateException("OneDnnPasses: into(array) without a pass");
            }
            check(In.array(index));
            passes.add(new Pass(op, a, b, then, index));
            then = null;
            return this;
        }

        public OneDnnPasses build() {
            if (then != null || passes.isEmpty()) {
                throw new IllegalStateException("OneDnnPasses: every pass needs into(array), and one pass at least");
            }
            return new OneDnnPasses(arrays, scalars, passes);
        }

        private Builder step(Then t) {
            if (then == null) {
                throw new IllegalStateException("OneDnnPasses: start a pass first");
            }
            then.add(t);
            return this;
        }

        private void check(In in) {
            if (in.index() < 0 || in.index() >= (in.scalar() ? scalars : arrays)) {
                throw new IllegalArgumentException("OneDnnPasses: " + (in.scalar() ? "scalar " : "array ") + in.index()
                    + " of " + (in.scalar() ? scalars : arrays));
            }
        }
    }
}
