package org.seqml.optimizers;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.seqml.backend.OneDnnPasses;
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
 * On the CPU, Adam's, RMSprop's and Adagrad's rules run on float32 weights as a few fused oneDNN
 * passes ({@link OneDnnPasses}), each reading its arrays once; their plain ND4J passes serve
 * everything else and are the reference the tests compare the fused ones with
 * ({@code -Dseqml.fusedUpdates=false} forces them).
 *
 * <pre>{@code
 * Optimizer opt = new Adam(1e-3).clipnorm(1.0);
 * }</pre>
 */
public abstract class Optimizer {
    private double learningRate;
    private LearningRateSchedule schedule;
    private Double clipnorm;
    private Double clipvalue;
    private Double globalClipnorm;
    private long iterations;
    private final Map<Parameter, INDArray[]> slots = new IdentityHashMap<>();
    private static final boolean FUSED_UPDATES = org.seqml.backend.Switches.fusedUpdates();
    // how this process runs the rule, not part of the optimizer's settings: not saved
    private transient boolean plainOnly;
    private transient OneDnnPasses passes;
    private transient Object passesFor;
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
     * Runs the update as the fused passes that {@code recipe} builds, on these arrays and scalars;
     * false when the plain path must run instead (fused updates off, other types or backends).
     * {@code config} holds what the recipe builds in: the passes are made again when it changes.
     */
    protected final boolean fused(Object config, java.util.function.Supplier<OneDnnPasses> recipe, INDArray[] arrays,
                                  double... scalars) {
        if (plainOnly || !FUSED_UPDATES) {
            return false;
        }
        if (passes == null || !passesFor.equals(config)) {
            passes = recipe.get();
            passesFor = config;
        }
        boolean ran = passes.run(arrays, scalars);
        fusedRuns += ran ? 1 : 0;
        return ran;
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
     * Updates {@code w} in place from gradient {@code g} at step {@code t} (1-based) with learning
     * rate {@code lr}; {@code state} holds this weight's slots, zero at the start.
     */
    protected abstract void update(INDArray w, INDArray g, INDArray[] state, long t, double lr);

    /** Clips each weight's gradient to norm at most {@code value}. */
    public Optimizer clipnorm(double value) {
        requireOneClip(value);
        this.clipnorm = value;
        return this;
    }

    /** Clips every gradient element to [-value, value]. */
    public Optimizer clipvalue(double value) {
        requireOneClip(value);
        this.clipvalue = value;
        return this;
    }

    /** Clips all gradients together to a global norm of at most {@code value}. */
    public Optimizer globalClipnorm(double value) {
        requireOneClip(value);
        this.globalClipnorm = value;
        return this;
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
            update(p.value(), g, state, iterations, lr);
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
        slots.putAll(saved);
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
