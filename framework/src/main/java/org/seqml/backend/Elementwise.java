package org.seqml.backend;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An element-wise update written once, as equations over arrays of one shape and scalars given
 * per run: what an optimizer's rule is. Each line sets an array to a chain read left to right,
 * <pre>
 * m = g * (1 - beta1) + beta1 m        set(m, g.times(oneMinusBeta1).plus(beta1, m))
 * w = 1 / (sqrt(v) + eps) * m * -a + w  set(w, v.sqrt().plus(eps).reciprocal().times(m).times(minusA).plus(1, w))
 * </pre>
 * where each step combines the value so far with one array or scalar ({@code plus}, {@code minus},
 * {@code times}, {@code div}, {@code max}), or applies {@code sqrt} or {@code reciprocal}, and a
 * line may end by adding a built-in multiple of its own array's old value ({@code plus(k, m)}).
 * The backend runs the lines as fused oneDNN passes on float32 CPU arrays, one pass per line
 * reading its arrays once ({@link OneDnnPasses}), and otherwise as plain ND4J operations, the
 * reference the tests compare the fused run with.
 * <pre>{@code
 * Term w = array(0), g = array(1), minusLr = scalar(0);
 * Elementwise sgd = Elementwise.over(2, 1).set(w, g.times(minusLr).plus(1, w));   // w = g (-lr) + w
 * sgd.run(new INDArray[] {weights, gradient}, new double[] {-0.01}, false);
 * }</pre>
 */
public final class Elementwise {
    /** A run's array or scalar, or a chain of steps from an array. */
    public static final class Term {
        private final OneDnnPasses.In first;
        private final List<Step> steps;

        private Term(OneDnnPasses.In first, List<Step> steps) {
            this.first = first;
            this.steps = steps;
        }

        public Term plus(Term x) {
            return then(OneDnnPasses.Op.ADD, x);
        }

        public Term minus(Term x) {
            return then(OneDnnPasses.Op.SUB, x);
        }

        public Term times(Term x) {
            return then(OneDnnPasses.Op.MUL, x);
        }

        public Term div(Term x) {
            return then(OneDnnPasses.Op.DIV, x);
        }

        public Term max(Term x) {
            return then(OneDnnPasses.Op.MAX, x);
        }

        public Term sqrt() {
            return with(new Step(Kind.SQRT, null, null, 0));
        }

        public Term reciprocal() {
            return with(new Step(Kind.RECIPROCAL, null, null, 0));
        }

        /** Plus {@code scale} times {@code own}'s value before the line: the last step, {@code own} the line's array. */
        public Term plus(double scale, Term own) {
            return with(new Step(Kind.PLUS_OLD, null, own.leaf("plus(scale, array)"), scale));
        }

        private Term then(OneDnnPasses.Op op, Term x) {
            return with(new Step(Kind.BINARY, op, x.leaf(op.name().toLowerCase()), 0));
        }

        private Term with(Step s) {
            if (first.scalar() && steps.isEmpty()) {
                throw new IllegalArgumentException("Elementwise: a line starts from an array, not a scalar");
            }
            if (!steps.isEmpty() && steps.get(steps.size() - 1).kind() == Kind.PLUS_OLD) {
                throw new IllegalArgumentException("Elementwise: plus(scale, own array) ends a line");
            }
            List<Step> more = new ArrayList<>(steps);
            more.add(s);
            return new Term(first, List.copyOf(more));
        }

        private OneDnnPasses.In leaf(String where) {
            if (!steps.isEmpty()) {
                throw new IllegalArgumentException("Elementwise: " + where + " takes an array or a scalar, not a chain");
            }
            return first;
        }
    }

    private enum Kind { BINARY, SQRT, RECIPROCAL, PLUS_OLD }

    private record Step(Kind kind, OneDnnPasses.Op op, OneDnnPasses.In operand, double scale) {
    }

    private record Line(int into, Term value) {
    }

    /** Array {@code index} of a run. */
    public static Term array(int index) {
        return new Term(OneDnnPasses.In.array(index), List.of());
    }

    /** Scalar {@code index} of a run: a value that may change from run to run (a learning rate). */
    public static Term scalar(int index) {
        return new Term(OneDnnPasses.In.scalar(index), List.of());
    }

    private final int arrays;
    private final int scalars;
    private final List<Line> lines = new ArrayList<>();
    private OneDnnPasses fused;

    private Elementwise(int arrays, int scalars) {
        this.arrays = arrays;
        this.scalars = scalars;
    }

    /** Lines over {@code arrays} arrays and {@code scalars} scalars given per run. */
    public static Elementwise over(int arrays, int scalars) {
        return new Elementwise(arrays, scalars);
    }

    /** Adds the line {@code array = value}, run after the lines before it. */
    public Elementwise set(Term array, Term value) {
        OneDnnPasses.In into = array.leaf("set");
        if (into.scalar()) {
            throw new IllegalArgumentException("Elementwise: a line sets an array, not a scalar");
        }
        for (Step s : value.steps) {
            if (s.kind() == Kind.PLUS_OLD && !s.operand().equals(into)) {
                throw new IllegalArgumentException("Elementwise: plus(scale, own array) adds the old value of the"
                    + " array the line sets");
            }
        }
        lines.add(new Line(into.index(), value));
        fused = null;
        return this;
    }

    /**
     * Runs the lines in order on these arrays (one shape, written in place) and scalars; fused
     * where the backend can ({@code plainOnly} false), else plain. Returns whether the fused passes ran.
     */
    public synchronized boolean run(INDArray[] arrays, double[] scalars, boolean plainOnly) {
        if (arrays.length != this.arrays || scalars.length != this.scalars) {
            throw new IllegalArgumentException("Elementwise: made for " + this.arrays + " arrays and " + this.scalars
                + " scalars, given " + arrays.length + " and " + scalars.length);
        }
        if (!plainOnly && Switches.fusedUpdates()) {
            if (fused == null) {
                fused = compile();
            }
            double[] withZero = java.util.Arrays.copyOf(scalars, scalars.length + 1);   // the last: 0
            if (fused.run(arrays, withZero)) {
                return true;
            }
        }
        for (Line line : lines) {
            plain(line, arrays, scalars);
        }
        return false;
    }

    /** One line on ND4J: the chain into a call-scoped array, then into its array. */
    private static void plain(Line line, INDArray[] arrays, double[] scalars) {
        INDArray into = arrays[line.into()];
        Term t = line.value();
        INDArray acc = CallScope.uninitialized(into.dataType(), into.shape());
        acc.assign(arrays[t.first.index()]);
        for (Step s : t.steps) {
            switch (s.kind()) {
                case SQRT -> Ops.sqrt(acc, acc);
                case RECIPROCAL -> acc.rdivi(1.0);
                case PLUS_OLD -> Ops.axpy(s.scale(), into, acc);
                case BINARY -> binary(acc, s.op(), s.operand(), arrays, scalars);
            }
        }
        into.assign(acc);
    }

    private static void binary(INDArray acc, OneDnnPasses.Op op, OneDnnPasses.In x, INDArray[] arrays, double[] scalars) {
        if (x.scalar()) {
            double v = scalars[x.index()];
            switch (op) {
                case ADD -> acc.addi(v);
                case SUB -> acc.subi(v);
                case MUL -> acc.muli(v);
                case DIV -> acc.divi(v);
                case MAX -> Transforms.max(acc, v, false);
            }
            return;
        }
        INDArray a = arrays[x.index()];
        switch (op) {
            case ADD -> acc.addi(a);
            case SUB -> acc.subi(a);
            case MUL -> acc.muli(a);
            case DIV -> acc.divi(a);
            case MAX -> Transforms.max(acc, a, false);
        }
    }

    /** The lines as oneDNN passes; a line that starts with no binary step starts with "+ 0" (the extra last scalar). */
    private OneDnnPasses compile() {
        OneDnnPasses.Builder b = OneDnnPasses.with(arrays, scalars + 1);
        OneDnnPasses.In zero = OneDnnPasses.In.scalar(scalars);
        for (Line line : lines) {
            Term t = line.value();
            List<Step> steps = t.steps;
            int k = 0;
            if (!steps.isEmpty() && steps.get(0).kind() == Kind.BINARY) {
                b.pass(steps.get(0).op(), t.first, steps.get(0).operand());
                k = 1;
            } else {
                // add, not max: max would turn a NaN into 0
                b.pass(OneDnnPasses.Op.ADD, t.first, zero);
            }
            for (; k < steps.size(); k++) {
                Step s = steps.get(k);
                switch (s.kind()) {
                    case SQRT -> b.sqrt();
                    case RECIPROCAL -> b.reciprocal();
                    case PLUS_OLD -> b.plusOld(s.scale());
                    case BINARY -> b.then(s.op(), s.operand());
                }
            }
            b.into(line.into());
        }
        return b.build();
    }
}
