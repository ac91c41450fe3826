package org.seqml.training;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.backend.Backend;
import org.seqml.callbacks.History;
import org.seqml.losses.DistillationLoss;
import org.seqml.losses.Loss;
import org.seqml.models.Model;
import org.seqml.optimizers.Optimizer;

/**
 * Trains a small student to match a trained teacher, Keras's {@code Distiller} example (Hinton et
 * al. 2015): the student's loss is {@code alpha} times its hard-label loss plus {@code 1 - alpha}
 * times T² KL(teacher || student) on outputs softened by the temperature T
 * ({@link DistillationLoss}). Training is the student's ordinary {@code fit}: callbacks, progress
 * bar, validation, early stopping.
 *
 * <p>A transfer set (Hinton et al.: the data the student learns the teacher from) may add inputs
 * that have no labels, such as augmented copies of the training samples: the teacher labels them
 * and the student learns them through the softened term alone ({@link DistillationLoss#UNLABELED}).
 * On its own training samples a fitted teacher's outputs are nearly the hard labels; on inputs it
 * has not fitted they carry its reading (Tang et al. 2019 distil BERT into a BiLSTM this way).
 * Whether that beats hard labels depends on the task: on the spam example it did not (README,
 * Compression).
 *
 * <p>The teacher runs in inference mode (no dropout), so its outputs are the same every epoch:
 * they are computed once per call and joined to the labels, and shuffle and validation split
 * keep each sample with its teacher's outputs. Both models end in the same kind of output
 * (softmax or sigmoid probabilities, or logits when the hard loss is {@code fromLogits}).
 *
 * <pre>{@code
 * Distiller distiller = new Distiller(teacher, student).alpha(0.1).temperature(3);
 * distiller.compile(new Adam(), "sparse_categorical_crossentropy", "accuracy");
 * distiller.fit(x, y, new FitOptions().epochs(5).validationSplit(0.1));
 * INDArray p = distiller.student().predict(x);
 * distiller.fit(x, y, augmented, options);   // and unlabeled inputs the teacher labels
 * }</pre>
 */
public final class Distiller {
    private final Model teacher;
    private final Model student;
    private final double alpha;
    private final double temperature;

    /** Keras's example's defaults: alpha 0.1, temperature 3. */
    public Distiller(Model teacher, Model student) {
        this(teacher, student, 0.1, 3);
    }

    private Distiller(Model teacher, Model student, double alpha, double temperature) {
        if (teacher == null || student == null || teacher == student) {
            throw new IllegalArgumentException("Distiller: give a trained teacher and a different student model, got "
                + teacher + " and " + student);
        }
        this.teacher = teacher;
        this.student = student;
        this.alpha = alpha;
        this.temperature = temperature;
        DistillationLoss.checkOptions(alpha, temperature);
    }

    /** The weight of the hard-label loss, in [0, 1]. */
    public Distiller alpha(double value) {
        return new Distiller(teacher, student, value, temperature);
    }

    /** The softening temperature, > 0. */
    public Distiller temperature(double value) {
        return new Distiller(teacher, student, alpha, value);
    }

    public Model teacher() {
        return teacher;
    }

    public Model student() {
        return student;
    }

    /** Compiles the student with the distillation loss around {@code hardLoss}; metrics see the hard labels. */
    public void compile(Optimizer optimizer, Loss hardLoss, String... metrics) {
        student.compile(optimizer, new DistillationLoss(hardLoss, alpha, temperature), metrics);
    }

    public void compile(Optimizer optimizer, String hardLoss, String... metrics) {
        compile(optimizer, Loss.get(hardLoss), metrics);
    }

    /** Trains the student on {@code x}, its hard labels {@code y} and the teacher's outputs for {@code x}. */
    public History fit(INDArray x, INDArray y, FitOptions options) {
        return fit(new INDArray[] {x}, y, options);
    }

    /** As {@link #fit(INDArray, INDArray, FitOptions)} for several inputs (one output). */
    public History fit(INDArray[] x, INDArray y, FitOptions options) {
        if (options.classWeight != null) {
            throw new IllegalArgumentException("Distiller.fit: classWeight reads the labels, which here carry the"
                + " teacher's outputs too; pass the weights per sample instead (FitOptions.sampleWeight).");
        }
        if (options.validationDataset != null) {
            throw new IllegalArgumentException("Distiller.fit: a validation Dataset has no teacher outputs; pass"
                + " validationData(x, y) arrays or a validationSplit.");
        }
        FitOptions joined = options.copy();
        if (options.validationX != null) {
            if (options.validationY == null || options.validationY.length != 1) {
                throw new IllegalArgumentException("Distiller.fit: validationData needs one label array (the student"
                    + " has one output)");
            }
            joined.validationY = new INDArray[] {join(options.validationX, options.validationY[0], options.batchSize)};
        }
        return student.fit(x, new INDArray[] {join(x, y, options.batchSize)}, joined);
    }

    /**
     * Trains the student on {@code x} with its hard labels {@code y} and on the unlabeled
     * {@code transfer} inputs, all with the teacher's outputs: a transfer sample's loss is the
     * softened term alone. A validation split is taken from the labeled samples (their last
     * fraction, before shuffling, as Keras); sample weights, when given, are the labeled samples'
     * (the transfer samples weigh 1).
     */
    public History fit(INDArray x, INDArray y, INDArray transfer, FitOptions options) {
        return fit(new INDArray[] {x}, y, transfer == null ? null : new INDArray[] {transfer}, options);
    }

    /** As {@link #fit(INDArray, INDArray, INDArray, FitOptions)} for several inputs (one output). */
    public History fit(INDArray[] x, INDArray y, INDArray[] transfer, FitOptions options) {
        if (transfer == null) {
            return fit(x, y, options);
        }
        if (transfer.length != x.length) {
            throw new IllegalArgumentException("Distiller.fit: the transfer set has " + transfer.length + " inputs and x "
                + x.length + "; give the transfer samples in the student's inputs");
        }
        for (int i = 0; i < x.length; i++) {
            if (transfer[i] == null || transfer[i].rank() != x[i].rank()
                || !java.util.Arrays.equals(java.util.Arrays.copyOfRange(transfer[i].shape(), 1, transfer[i].rank()),
                    java.util.Arrays.copyOfRange(x[i].shape(), 1, x[i].rank()))) {
                throw new IllegalArgumentException("Distiller.fit: transfer input " + i + " has shape "
                    + (transfer[i] == null ? "null" : java.util.Arrays.toString(transfer[i].shape())) + " and x "
                    + java.util.Arrays.toString(x[i].shape()) + "; they must agree after the batch axis");
            }
        }
        if (y == null || y.size(0) != x[0].size(0)) {
            throw new IllegalArgumentException("Distiller.fit: give one hard label row per sample of x, got "
                + (y == null ? "null" : y.size(0) + " rows for " + x[0].size(0) + " samples"));
        }
        FitOptions joined = options.copy();
        long n = x[0].size(0);
        long train = n;
        if (options.validationSplit > 0 && options.validationX == null) {
            train = n - (long) Math.floor(n * options.validationSplit);   // Keras's split: the last samples
            INDArray[] valX = new INDArray[x.length];
            for (int i = 0; i < x.length; i++) {
                valX[i] = rows(x[i], train, n);
            }
            joined.validationX = valX;
            joined.validationY = new INDArray[] {y.get(rowRange(y, train, n))};
            joined.validationSplit = 0;
        }
        INDArray[] all = new INDArray[x.length];
        for (int i = 0; i < x.length; i++) {
            all[i] = Nd4j.concat(0, rows(x[i], 0, train), transfer[i].castTo(x[i].dataType()));
        }
        INDArray hard = y.get(rowRange(y, 0, train));
        INDArray none = Nd4j.valueArrayOf(concatShape(hard.shape(), transfer[0].size(0)), DistillationLoss.UNLABELED,
            hard.dataType());
        if (options.sampleWeight != null) {
            INDArray w = options.sampleWeight;
            joined.sampleWeight = Nd4j.concat(0, w.get(rowRange(w, 0, train)),
                Nd4j.ones(w.dataType(), concatShape(w.get(rowRange(w, 0, 1)).shape(), transfer[0].size(0))));
        }
        return fit(all, Nd4j.concat(0, hard, none), joined);
    }

    private static INDArray rows(INDArray a, long from, long to) {
        return a.get(rowRange(a, from, to));
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex[] rowRange(INDArray a, long from, long to) {
        org.nd4j.linalg.indexing.INDArrayIndex[] index = new org.nd4j.linalg.indexing.INDArrayIndex[a.rank()];
        index[0] = org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to);
        for (int i = 1; i < index.length; i++) {
            index[i] = org.nd4j.linalg.indexing.NDArrayIndex.all();
        }
        return index;
    }

    /** {@code shape} with {@code rows} on the batch axis. */
    private static long[] concatShape(long[] shape, long rows) {
        long[] out = shape.clone();
        out[0] = rows;
        return out;
    }

    /** The student's distillation loss and its metrics on the hard labels. */
    public Map<String, Double> evaluate(INDArray x, INDArray y) {
        return student.evaluate(new INDArray[] {x}, new INDArray[] {join(new INDArray[] {x}, y, 32)});
    }

    /** The hard labels and the teacher's outputs, joined on the last axis. */
    private INDArray join(INDArray[] x, INDArray y, int batchSize) {
        INDArray[] outs = teacher.predict(x, Math.max(1, batchSize));
        if (outs.length != 1) {
            throw new IllegalArgumentException("Distiller: the teacher has " + outs.length + " outputs; distillation"
                + " needs one, of the student's output shape.");
        }
        INDArray soft = outs[0];
        long studentWidth = student.graph().outputs().get(0).shape().get(-1);
        if (studentWidth >= 0 && soft.size(-1) != studentWidth) {
            throw new IllegalArgumentException("Distiller: the teacher gives " + soft.size(-1) + " values per sample"
                + " and the student " + studentWidth + "; both must end in the same output (classes or units).");
        }
        if (y == null) {
            throw new IllegalArgumentException("Distiller: the labels y are null; give the hard labels.");
        }
        INDArray hard = y.rank() == soft.rank() - 1 ? y.reshape(appendOne(y.shape())) : y;
        if (hard.rank() != soft.rank() || hard.size(0) != soft.size(0)) {
            throw new IllegalArgumentException("Distiller: labels of shape " + java.util.Arrays.toString(y.shape())
                + " do not go with the teacher's outputs of shape " + java.util.Arrays.toString(soft.shape())
                + "; give one label row per sample.");
        }
        return Nd4j.concat(hard.rank() - 1, hard.castTo(Backend.floatX()), soft.castTo(Backend.floatX()));
    }

    private static long[] appendOne(long[] shape) {
        long[] out = java.util.Arrays.copyOf(shape, shape.length + 1);
        out[shape.length] = 1;
        return out;
    }
}
