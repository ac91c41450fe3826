package org.seqml.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.losses.BinaryCrossentropy;
import org.seqml.losses.CategoricalCrossentropy;
import org.seqml.losses.Loss;
import org.seqml.losses.SparseCategoricalCrossentropy;

/**
 * How often predictions match labels, in Keras's three kinds:
 * <pre>
 * binary:              mean over the last axis of [ (yPred > threshold) == y ]   (threshold 0.5)
 * categorical:         [ argmax(yPred) == argmax(y) ]
 * sparse categorical:  [ argmax(yPred) == y ]
 * </pre>
 * With a mask, padded steps do not count. Made by {@link Metric#get} from "accuracy".
 */
public final class Accuracy extends Mean {

    /** Which comparison; {@code AUTO} picks one from the shapes of the first batch, as Keras 3 does. */
    public enum Kind { BINARY, CATEGORICAL, SPARSE_CATEGORICAL, AUTO }

    private Kind kind;
    private final double threshold;

    public Accuracy(String name, Kind kind) {
        this(name, kind, 0.5);
    }

    public Accuracy(String name, Kind kind, double threshold) {
        super(name);
        this.kind = kind;
        this.threshold = threshold;
    }

    public Kind kind() {
        return kind;
    }

    static Kind kindFor(Loss loss) {
        if (loss instanceof org.seqml.losses.DistillationLoss distillation) {
            loss = distillation.hardLoss();   // the metrics see the hard labels
        }
        if (loss instanceof BinaryCrossentropy) {
            return Kind.BINARY;
        }
        if (loss instanceof SparseCategoricalCrossentropy) {
            return Kind.SPARSE_CATEGORICAL;
        }
        if (loss instanceof CategoricalCrossentropy) {
            return Kind.CATEGORICAL;
        }
        return Kind.AUTO;
    }

    @Override
    public void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        if (kind == Kind.AUTO) {
            kind = yPred.size(-1) == 1 ? Kind.BINARY
                : yTrue.rank() < yPred.rank() || yTrue.size(-1) == 1 ? Kind.SPARSE_CATEGORICAL : Kind.CATEGORICAL;
        }
        int last = yPred.rank() - 1;
        INDArray hits = switch (kind) {
            case BINARY -> {
                INDArray y = yTrue.rank() == yPred.rank() ? yTrue : yTrue.reshape(yPred.shape());
                yield yPred.gt(threshold).castTo(yPred.dataType())
                    .eq(y.castTo(yPred.dataType())).castTo(yPred.dataType()).mean(last);
            }
            case CATEGORICAL -> yPred.argMax(last).eq(yTrue.argMax(last)).castTo(yPred.dataType());
            default -> {
                INDArray ids = yTrue.rank() == yPred.rank() ? yTrue.reshape(yPred.argMax(last).shape()) : yTrue;
                yield yPred.argMax(last).castTo(yPred.dataType()).eq(ids.castTo(yPred.dataType()))
                    .castTo(yPred.dataType());
            }
        };
        addValues(hits, sampleWeight, mask);
    }
}
