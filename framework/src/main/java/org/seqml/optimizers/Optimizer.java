package org.seqml.optimizers;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.Elementwise;
import org.seqml.layers.Parameter;
import org.seqml.optimizers.schedules.LearningRateSchedule;

/**
 * Updates weights from their gradients, Keras's {@code Optimizer}. Each step: clip the gradients
 * (at most one of {@code clipnorm}, {@code clipvalue}, {@code globalClipnorm}, as in Keras), apply
 * decoupled weight decay where the optimizer has one, then the optimizer's own rule with its
 * per-weight slots (momentum, moments, accumulators):
 * <pre>
 * clipnorm c:        g = g * c / max(||g||, c)                     (each weight separately)
 * globalClipnorm c:  g = g * c / max(sqrt(sum_w ||g_w||^2), c)    (all weights together)
 * clipvalue c:       g = clip(g, -c, c)
 * </pre>
 * Each optimizer states its rule once, as equations over the weight, its gradient and its slots
 * ({@link Elementwise}); the backend runs them on float32 CPU weights as fused oneDNN passes, each
 * reading its arrays once, and otherwise as plain ND4J operations, the reference the tests compare
 * the fused ones with ({@code -Dseqml.fusedUpdates=false} forces them).
 *
 * <p>Its options are its config: each fluent option returns a new optimizer with no state, as a
 * layer's options return a new layer, so an optimizer that trains never changes its rule. Its state
 * is the step count and each weight's slots, made at the first step, saved with the model; only the
 * learning rate may change while it trains ({@link #setLearningRate}, for callbacks).
 *
 * <pre>{@code
 * Optimizer opt = new Adam(1e-3).clipnorm(1.0);
 * }</pre>
 */
public abstract class Optimizer implements Cloneable {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives, whichever class comes first
    }

    private double learningRate;
    private LearningRateSchedule schedule;
    private Double clipnorm;
    private Double clipvalue;
    private Double globalClipnorm;
    private long iterations;
    private Map<Parameter, INDArray[]> slots = new IdentityHashMap<>();
    // made from the config, and how this process runs it: not saved
    private transient Elementwise rule;
    private transient boolean plainOnly;
    private transient long fusedRuns;

    protected Optimizer(double learningRate) {
        if (learningRate <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be positive, got "
                + learningRate);
        }
        this.learningRate = learningRate;
    }

    /** An optimizer whose learning rate follows {@code schedule} step by step. */
    protected Optimizer(LearningRateSchedule schedule) {
        this.schedule = java.util.Objects.requireNonNull(schedule, "schedule");
        this.learningRate = schedule.rate(0);
    }

    /**
     * A copy of this optimizer's config with no state, changed by {@code option}: what every fluent
     * option returns.
     */
    @SuppressWarnings("unchecked")
    protected final <T extends Optimizer> T with(java.util.function.Consumer<T> option) {
        T copy;
        try {
            copy = (T) clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
        Optimizer fresh = copy;
        fresh.iterations = 0;
        fresh.slots = new IdentityHashMap<>();
        fresh.rule = null;
        fresh.fusedRuns = 0;
        option.accept(copy);
        return copy;
    }

    /** This optimizer with its plain ND4J passes only: the reference the fused ones are tested against. */
    Optimizer plain() {
        this.plainOnly = true;
        return this;
    }

    /** How many weight updates took the fused passes (tests). */
    long fusedRuns() {
        return fusedRuns;
    }

    /** The Keras name, e.g. "adam". */
    public abstract String kerasName();

    /** How many state arrays (shaped like the weight) the rule keeps per weight. */
    protected abstract int slotCount();

    /**
     * The rule, from the config: lines over the arrays {@code w, g} and then the slots, in the
     * order of {@link #slotCount}, and the scalars that {@link #scalars} gives per step.
     */
    protected abstract Elementwise rule();

    /** The rule's scalars at step {@code t} (1-based) with learning rate {@code lr}. */
    protected abstract double[] scalars(long t, double lr);

    /** Clips each weight's gradient to norm at most {@code value}. */
    public Optimizer clipnorm(double value) {
        requireOneClip(value);
        return with(o -> o.clipnorm = value);
    }

    /** Clips every gradient element to [-value, value]. */
    public Optimizer clipvalue(double value) {
        requireOneClip(value);
        return with(o -> o.clipvalue = value);
    }

    /** Clips all gradients together to a global norm of at most {@code value}. */
    public Optimizer globalClipnorm(double value) {
        requireOneClip(value);
        return with(o -> o.globalClipnorm = value);
    }

    private void requireOneClip(double value) {
        if (value <= 0) {
            throw new IllegalArgumentException(kerasName() + ": clipping thresholds must be positive, got " + value);
        }
        if (clipnorm != null || clipvalue != null || globalClipnorm != null) {
            throw new IllegalArgumentException(kerasName() + ": only one of clipnorm, clipvalue and globalClipnorm"
                + " can be set, as in Keras.");
        }
    }

    /** The rate the next step will use (from the schedule, when there is one). */
    public double learningRate() {
        return schedule != null ? schedule.rate(iterations) : learningRate;
    }

    /** Changes the learning rate from the next step on (used by callbacks); not for a scheduled rate. */
    public void setLearningRate(double value) {
        if (schedule != null) {
            throw new IllegalStateException(kerasName() + ": the learning rate follows a LearningRateSchedule and"
                + " cannot be set; use a plain rate to combine with ReduceLROnPlateau or LearningRateScheduler.");
        }
        this.learningRate = value;
    }

    /** The schedule, or null for a plain rate. */
    public LearningRateSchedule schedule() {
        return schedule;
    }

    /** The number of steps applied so far. */
    public long iterations() {
        return iterations;
    }

    /** One step over these weights, reading their accumulated gradients. */
    public final void apply(List<Parameter> parameters) {
        double lr = learningRate();   // the schedule sees the steps made so far, as in Keras
        iterations++;
        double globalScale = globalClipnorm == null ? 1.0 : globalScale(parameters);
        for (Parameter p : parameters) {
            if (!p.trainable()) {
                continue;
            }
            INDArray g = p.grad();
            if (globalScale != 1.0) {
                g.muli(globalScale);
            }
            if (clipnorm != null) {
                double norm = g.norm2Number().doubleValue();
                if (norm > clipnorm) {
                    g.muli(clipnorm / norm);
                }
            }
            if (clipvalue != null) {
                Transforms.min(Transforms.max(g, -clipvalue, false), clipvalue, false);
            }
            INDArray[] state = slots.computeIfAbsent(p, k -> newSlots(k.value()));
            INDArray[] arrays = new INDArray[2 + state.length];
            arrays[0] = p.value();
            arrays[1] = g;
            System.arraycopy(state, 0, arrays, 2, state.length);
            if (rule == null) {
                rule = rule();
            }
            fusedRuns += rule.run(arrays, scalars(iterations, lr), plainOnly) ? 1 : 0;
        }
    }

    private double globalScale(List<Parameter> parameters) {
        double sumSquares = 0;
        for (Parameter p : parameters) {
            if (p.trainable()) {
                double n = p.grad().norm2Number().doubleValue();
                sumSquares += n * n;
            }
        }
        double norm = Math.sqrt(sumSquares);
        return norm > globalClipnorm ? globalClipnorm / norm : 1.0;
    }

    private INDArray[] newSlots(INDArray like) {
        INDArray[] s = new INDArray[slotCount()];
        for (int i = 0; i < s.length; i++) {
            s[i] = like.ulike().assign(initialSlotValue(i));
        }
        return s;
    }

    /** The starting value of slot {@code i}; zero except where Keras says otherwise (Adagrad). */
    protected double initialSlotValue(int i) {
        return 0.0;
    }

    /** The slots of one weight (for saving and tests); null before its first step. */
    public INDArray[] slots(Parameter p) {
        return slots.get(p);
    }

    /** Restores a saved state: the step count and each weight's slots. */
    public void restoreState(long steps, Map<Parameter, INDArray[]> saved) {
        this.iterations = steps;
        slots.clear();
        saved.forEach((p, s) -> slots.put(p, savedSlots(s)));
    }

    /** A weight's slots as a file saved them, in this version's layout (files of older versions differ). */
    protected INDArray[] savedSlots(INDArray[] saved) {
        return saved;
    }

    /** The optimizer with this Keras name and Keras's defaults. */
    public static Optimizer get(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sgd" -> new SGD();
            case "adam" -> new Adam();
            case "adamw" -> new AdamW();
            case "rmsprop" -> new RMSprop();
            case "adagrad" -> new Adagrad();
            default -> throw new IllegalArgumentException("Unknown optimizer '" + name + "'. Known: sgd, adam, adamw,"
                + " rmsprop, adagrad.");
        };
    }
}
