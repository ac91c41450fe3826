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
