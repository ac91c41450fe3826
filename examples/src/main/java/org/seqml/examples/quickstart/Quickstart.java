package org.seqml.examples.quickstart;

import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.Shape;
import org.seqml.callbacks.History;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.models.Input;
import org.seqml.models.Sequential;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

/**
 * The quickstart: a text classifier on reviews generated here, so it runs anywhere with no
 * download. Each review is a sequence of word ids of its own length, padded with 0; it is positive
 * when it holds more positive than negative words, and "not" flips the word after it. The model
 * embeds the words (id 0 masked), averages them over the real words only, and classifies.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java
 * </pre>
 */
public final class Quickstart {
    static final int VOCABULARY = 60;
    static final int MAX_LENGTH = 24;
    /** Word ids: 1 = "not", 2-11 positive words, 12-21 negative words, the rest neutral. */
    static final int NOT = 1;

    /** What the run may change. */
    public record Options(int samples, int epochs, int batchSize, long seed, int verbose) {
        public static Options defaults() {
            return new Options(6000, 12, 64, 7, -1);
        }
    }

    /** The reviews and their labels. */
    record Data(INDArray x, INDArray y) {
    }

    private Quickstart() {
    }

    public static void main(String[] args) {
        run(Options.defaults());
    }

    /** Trains, evaluates on held-out reviews, prints a few predictions; returns the training history. */
    public static History run(Options o) {
        RandomSeed.set(o.seed());
        Data train = generate(o.samples(), o.seed());
        Data test = generate(o.samples() / 5, o.seed() + 1);

        Sequential model = new Sequential(Input.of(Shape.UNKNOWN),
            new Embedding(VOCABULARY, 32).maskZero(true),
            new GlobalAveragePooling1D(),
            new Dense(32).activation("relu"),
            new Dropout(0.2),
            new Dense(1).activation("sigmoid"));
        model.summary();
        model.compile(new Adam(0.01), "binary_crossentropy", "accuracy");

        FitOptions fit = new FitOptions().epochs(o.epochs()).batchSize(o.batchSize()).validationSplit(0.1);
        if (o.verbose() >= 0) {
            fit.verbose(o.verbose());
        }
        History history = model.fit(train.x(), train.y(), fit);

        Map<String, Double> scores = model.evaluate(test.x(), test.y());
        System.out.printf("test loss %.4f, test accuracy %.4f%n", scores.get("loss"), scores.get("accuracy"));
        INDArray p = model.predict(test.x().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5)));
        for (int i = 0; i < 5; i++) {
            System.out.printf("review %d: %s -> p(positive) = %.3f (label %d)%n", i, words(test.x().getRow(i)),
                p.getDouble(i, 0), test.y().getInt(i, 0));
        }
        return history;
    }

    /** Reviews of 4 to MAX_LENGTH words; the label counts sentiment with "not" flipping the next word. */
    static Data generate(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[n][MAX_LENGTH];
        double[][] y = new double[n][1];
        for (int i = 0; i < n; i++) {
            int length = 4 + random.nextInt(MAX_LENGTH - 3);
            int score = 0;
            boolean negate = false;
            for (int t = 0; t < length; t++) {
                int word = 1 + random.nextInt(VOCABULARY - 1);
                x[i][t] = word;
                int sentiment = word >= 2 && word <= 11 ? 1 : word >= 12 && word <= 21 ? -1 : 0;
                score += negate ? -sentiment : sentiment;
                negate = word == NOT;
            }
            y[i][0] = score > 0 ? 1 : 0;
        }
        return new Data(Nd4j.create(x), Nd4j.create(y));
    }

    private static String words(INDArray row) {
        StringBuilder sb = new StringBuilder();
        for (int t = 0; t < row.length() && row.getInt(t) != 0; t++) {
            int w = row.getInt(t);
            sb.append(w == NOT ? "not" : w <= 11 ? "good" + w : w <= 21 ? "bad" + w : "w" + w).append(' ');
        }
        return sb.toString().trim();
    }
}
