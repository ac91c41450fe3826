package org.seqml.examples.spam;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.seqml.RandomSeed;
import org.seqml.callbacks.EarlyStopping;
import org.seqml.examples.Args;
import org.seqml.layers.Dense;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.regularizers.L2;
import org.seqml.text.BytePairEncoding;
import org.seqml.text.BytePairTokenizer;
import org.seqml.text.TextVectorization;
import org.seqml.text.TextVectorization.OutputMode;
import org.seqml.training.FitOptions;

/**
 * Does the sequence model earn its cost? The spam classifier's BiLSTM beside the baseline a
 * practitioner tries first, on the same stratified splits (three seeds): tf-idf of words and word
 * pairs (20,000 features, Keras's {@code TextVectorization(output_mode="tf_idf", ngrams=2)}) into
 * {@code Dense(1, sigmoid)} with a small L2 penalty, a logistic regression, trained with seqml's
 * own layers. Prints test accuracy and spam F1 per seed and their means and spreads.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.spam.SpamBaselines
 * </pre>
 * Options ({@code -Dexec.args="seeds=3 limit=2000"}): seeds, seed (the first), limit (training mails),
 * pieces (a byte-pair vocabulary: adds the BiLSTM over subword pieces).
 */
public final class SpamBaselines {

    /** What the run may change. */
    /**
     * What the run may change.
     *
     * @param pieces with a byte-pair vocabulary of this size (0: none), a third row: the same
     *               BiLSTM reading subword pieces ({@link BytePairTokenizer}) instead of words
     */
    public record Options(int seeds, long firstSeed, int limit, int pieces) {
        public static Options defaults() {
            return new Options(3, 5, Integer.MAX_VALUE, 0);
        }
    }

    /** One model's test figures, one entry per seed. */
    public record Row(String name, double[] accuracy, double[] f1) {
    }

    private SpamBaselines() {
    }

    public static void main(String[] args) {
        Args a = Args.parse(args, Set.of("seeds", "seed", "limit", "pieces"));
        Options d = Options.defaults();
        run(new Options(a.get("seeds", d.seeds()), a.get("seed", (int) d.firstSeed()), a.get("limit", d.limit()),
            a.get("pieces", d.pieces())));
    }

    public static List<Row> run(Options o) {
        double[][] lstm = new double[2][o.seeds()];
        double[][] bag = new double[2][o.seeds()];
        double[][] sub = new double[2][o.seeds()];
        for (int i = 0; i < o.seeds(); i++) {
            long seed = o.firstSeed() + i;
            SpamClassifier.Result sequence = SpamClassifier.run(new SpamClassifier.Options(4, 20_000, 200, o.limit(),
                seed, 0, null));
            SpamClassifier.Result words = bagOfWords(seed, o.limit());
            lstm[0][i] = sequence.accuracy();
            lstm[1][i] = sequence.f1();
            bag[0][i] = words.accuracy();
            bag[1][i] = words.f1();
            System.out.printf(Locale.ROOT, "seed %d: BiLSTM accuracy %.4f F1 %.4f; tf-idf logistic regression"
                + " accuracy %.4f F1 %.4f%n", seed, lstm[0][i], lstm[1][i], bag[0][i], bag[1][i]);
            if (o.pieces() > 0) {
                SpamClassifier.Result p = subwords(seed, o.limit(), o.pieces());
                sub[0][i] = p.accuracy();
                sub[1][i] = p.f1();
                System.out.printf(Locale.ROOT, "seed %d: BiLSTM over %d byte-pair pieces accuracy %.4f F1 %.4f%n",
                    seed, o.pieces(), sub[0][i], sub[1][i]);
            }
        }
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("BiLSTM(32), pooled (the main example)", lstm[0], lstm[1]));
        rows.add(new Row("tf-idf, words and pairs, logistic regression", bag[0], bag[1]));
        if (o.pieces() > 0) {
            rows.add(new Row("BiLSTM(32), pooled, over " + o.pieces() + " byte-pair pieces", sub[0], sub[1]));
        }
        System.out.println("| model | test accuracy | spam F1 |");
        System.out.println("|---|---|---|");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %.4f ± %.4f | %.4f ± %.4f |%n", r.name(), mean(r.accuracy()),
                spread(r.accuracy()), mean(r.f1()), spread(r.f1()));
        }
        return rows;
    }

    /** The baseline on the split of {@code seed}: its vocabulary adapted on the training mails only. */
    static SpamClassifier.Result bagOfWords(long seed, int limit) {
        SpamClassifier.Data d = SpamClassifier.data(seed, limit);
        TextVectorization vectorize = new TextVectorization().outputMode(OutputMode.TF_IDF).ngrams(2)
            .maxTokens(20_000);
        vectorize.adapt(d.trainTexts());
        RandomSeed.set(seed);
        SymbolicTensor text = Input.of("text", vectorize.vocabularySize());
        Model model = new Model(text, new Dense(1).activation("sigmoid").kernelRegularizer(new L2(1e-4))
            .apply(vectorize.apply(text)));
        model.compile(new Adam(1e-3), "binary_crossentropy", "accuracy", "precision", "recall");
        model.fit(d.trainTexts(), d.trainLabels(), new FitOptions().epochs(20).batchSize(64).validationSplit(0.1)
            .verbose(0).callbacks(new EarlyStopping("val_loss").patience(2).restoreBestWeights(true)));
        return SpamClassifier.score(model.evaluate(d.testTexts(), d.testLabels()), null);
    }

    /**
     * The main example's model and training on subword pieces: byte-pair merges learned on the
     * training mails (lower-cased, punctuation apart), the first 300 pieces of each mail (about
     * the 200 words the word model reads).
     */
    static SpamClassifier.Result subwords(long seed, int limit, int pieces) {
        SpamClassifier.Data d = SpamClassifier.data(seed, limit);
        BytePairTokenizer tokenizer = new BytePairTokenizer(BytePairEncoding.learn(d.trainTexts(), pieces, true, 2,
            true)).sequenceLength(300);
        RandomSeed.set(seed);
        Model model = SpamClassifier.model(tokenizer, tokenizer.vocabularySize(), 300);
        model.compile(new Adam(0.003), "binary_crossentropy", "accuracy", "precision", "recall");
        model.fit(d.trainTexts(), d.trainLabels(), new FitOptions().epochs(4).batchSize(64).validationSplit(0.1)
            .verbose(0).callbacks(new EarlyStopping("val_loss").patience(1).restoreBestWeights(true)));
        return SpamClassifier.score(model.evaluate(d.testTexts(), d.testLabels()), null);
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** The sample standard deviation (0 for one value). */
    static double spread(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return v.length < 2 ? 0 : Math.sqrt(s / (v.length - 1));
    }
}
