package org.seqml.metrics;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.losses.Loss;

/**
 * A quantity tracked over batches, Keras's {@code Metric}: {@link #update} with each batch,
 * {@link #result} for the value so far, {@link #reset} at the start of each epoch.
 * Sample weights and an output mask weigh each value as they do in a {@link Loss}.
 *
 * <pre>{@code
 * model.compile(new Adam(), "binary_crossentropy", "accuracy");   // "accuracy" -> BinaryAccuracy
 * }</pre>
 */
public abstract class Metric {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives, whichever class comes first
    }

    private final String name;

    protected Metric(String name) {
        this.name = name;
    }

    /** The name the metric is logged under, e.g. "accuracy". */
    public final String name() {
        return name;
    }

    /** Adds one batch; {@code sampleWeight} (batch,) and {@code mask} (batch, time) may be null. */
    public abstract void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask);

    public abstract double result();

    public abstract void reset();

    /** (batch, ..., classes) as a matrix (rows, classes). */
    protected static INDArray rows(INDArray a, long classes) {
        return a.reshape('c', a.length() / classes, classes);
    }

    /**
     * One weight per row of {@link #rows}: sampleWeight times mask, broadcast over time, or null
     * when both are absent.
     */
    protected static INDArray rowWeights(INDArray yPred, INDArray sampleWeight, INDArray mask) {
        long rows = yPred.length() / yPred.size(-1);
        INDArray w = mask == null ? null : mask.castTo(yPred.dataType()).reshape('c', rows, 1);
        if (sampleWeight != null) {
            long perSample = rows / sampleWeight.length();
            INDArray sw = sampleWeight.castTo(yPred.dataType()).reshape(sampleWeight.length(), 1)
                .repeat(1, perSample).reshape('c', rows, 1);
            w = w == null ? sw : w.mul(sw);
        }
        return w;
    }

    /**
     * The metric with this Keras name for a model trained with {@code loss}. "accuracy" (or "acc")
     * resolves from the loss, as in Keras: binary cross-entropy gives binary accuracy, sparse
     * categorical cross-entropy sparse categorical accuracy, categorical cross-entropy categorical
     * accuracy; for other losses it is chosen from the shapes of the first batch.
     */
    public static Metric get(String name, Loss loss) {
        String key = name.toLowerCase(Locale.ROOT);
        return switch (key) {
            case "accuracy", "acc" -> new Accuracy(name, Accuracy.kindFor(loss));
            case "binary_accuracy" -> new Accuracy(name, Accuracy.Kind.BINARY);
            case "categorical_accuracy" -> new Accuracy(name, Accuracy.Kind.CATEGORICAL);
            case "sparse_categorical_accuracy" -> new Accuracy(name, Accuracy.Kind.SPARSE_CATEGORICAL);
            case "mae", "mean_absolute_error", "mse", "mean_squared_error", "huber" ->
                new LossMetric(name, Loss.get(key));
            case "precision" -> new Precision();
            case "recall" -> new Recall();
            case "f1_score", "f1" -> new FBetaScore(name, FBetaScore.Average.MACRO, 1.0, null);
            case "auc" -> new AUC();
            case "top_k_categorical_accuracy" -> new TopKCategoricalAccuracy(5, false);
            case "sparse_top_k_categorical_accuracy" -> new TopKCategoricalAccuracy(5, true);
            case "rmse", "root_mean_squared_error" -> new RootMeanSquaredError();
            case "perplexity" -> new Perplexity(false, null);
            default -> throw new IllegalArgumentException("Unknown metric '" + name + "'. Known: accuracy (acc),"
                + " binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, mae, mse, huber, precision, recall,"
                + " f1_score, auc, top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, rmse, perplexity.");
        };
    }
}
