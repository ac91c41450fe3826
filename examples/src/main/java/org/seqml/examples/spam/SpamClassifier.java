package org.seqml.examples.spam;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.callbacks.EarlyStopping;
import org.seqml.callbacks.History;
import org.seqml.examples.plots.Charts;
import org.seqml.layers.Dense;
import org.seqml.layers.Dropout;
import org.seqml.layers.Embedding;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.pooling.GlobalAveragePooling1D;
import org.seqml.layers.pooling.GlobalMaxPooling1D;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.text.TextVectorization;
import org.seqml.training.FitOptions;

/**
 * Spam or ham on the SpamAssassin public corpus (6,046 real e-mails, parsed from raw RFC-822 by
 * {@link PrepareSpamData}): words to ids with a TextVectorization adapted on the training mails
 * (the model's first layer, so the model takes raw text and the saved model keeps its vocabulary),
 * an Embedding with padding masked, a bidirectional LSTM whose sequence is pooled (average and
 * max), and a sigmoid. A seeded, stratified 80/20 split; the test figures are printed.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.spam.SpamClassifier
 * </pre>
 * With {@code -Dexec.args="--policy mixed_bfloat16"} the model is made under Keras's
 * {@code mixed_bfloat16} policy (its LSTMs compute in bfloat16 where the CPU has it).
 */
public final class SpamClassifier {

    /** What the run may change. */
    public record Options(int epochs, int maxTokens, int length, int limit, long seed, int verbose, Path outputDir) {
        public static Options defaults() {
            return new Options(4, 20_000, 200, Integer.MAX_VALUE, 5, 2, Path.of("target/spam"));
        }
    }

    /** Test-set figures. */
    public record Result(double accuracy, double precision, double recall, double f1, History history) {
    }

    /** One mail: 1 for spam. */
    public record Mail(int label, String text) {
    }

    private SpamClassifier() {
    }

    public static void main(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--policy") && i + 1 < args.length) {
                // as a Keras script's mixed_precision.set_global_policy(...): the layers made after it take it
                org.seqml.mixedprecision.Policy.setGlobalPolicy(args[++i]);
            } else {
                throw new IllegalArgumentException("SpamClassifier: unknown argument '" + args[i] + "'; the one"
                    + " option is --policy float32|mixed_bfloat16");
            }
        }
        run(Options.defaults());
    }

    /** The texts and labels of the split: training, then test. */
    public record Data(List<String> trainTexts, INDArray trainLabels, List<String> testTexts, INDArray testLabels) {
    }

    /** The seeded, stratified split (the first {@code limit} training mails and a quarter as many test mails). */
    public static Data data(long seed, int limit) {
        RandomSeed.set(seed);   // a seqml class first: its CPU tuning applies before the labels' Nd4j call loads ND4J
        List<Mail> mails = load();
        List<Mail> train = new ArrayList<>();
        List<Mail> test = new ArrayList<>();
        split(mails, seed, train, test);
        if (limit < train.size()) {   // a quick run on a slice (tests): the first mails of the shuffled split
            train = new ArrayList<>(train.subList(0, limit));
            test = new ArrayList<>(test.subList(0, Math.min(test.size(), limit / 4)));
        }
        return new Data(train.stream().map(Mail::text).toList(), labels(train), test.stream().map(Mail::text).toList(),
            labels(test));
    }

    /** The classifier, uncompiled: raw text in (its TextVectorization first), spam probability out. */
    public static Model model(TextVectorization vectorize, int length) {
        return model(vectorize, vectorize.vocabularySize(), length);
    }

    /** As above, from any text entrance (words or byte-pair pieces) with ids below {@code vocabularySize}. */
    public static Model model(org.seqml.layers.Layer entrance, int vocabularySize, int length) {
        SymbolicTensor text = Input.of("text", length);
        SymbolicTensor ids = entrance.apply(text);
        SymbolicTensor words = new Embedding(vocabularySize, 64).maskZero(true).apply(ids);
        SymbolicTensor read = new Bidirectional(new LSTM(32).returnSequences(true)).apply(words);
        SymbolicTensor pooled = new Concatenate().apply(new GlobalAveragePooling1D().apply(read),
            new GlobalMaxPooling1D().apply(read));
        SymbolicTensor hidden = new Dropout(0.3).apply(new Dense(32).activation("relu").apply(pooled));
        return new Model(text, new Dense(1).activation("sigmoid").apply(hidden));
    }

    /** Accuracy, spam precision, recall and F1 of a model compiled with accuracy, precision and recall. */
    public static Result score(Map<String, Double> scores, History history) {
        double p = scores.get("precision");
        double r = scores.get("recall");
        return new Result(scores.get("accuracy"), p, r, p + r == 0 ? 0 : 2 * p * r / (p + r), history);
    }

    public static Result run(Options o) {
        Data d = data(o.seed(), o.limit());
        TextVectorization vectorize = new TextVectorization().maxTokens(o.maxTokens()).outputSequenceLength(o.length());
        vectorize.adapt(d.trainTexts());
        System.out.printf(Locale.ROOT, "%d training mails, %d test mails, vocabulary %d%n", d.trainTexts().size(),
            d.testTexts().size(), vectorize.vocabularySize());

        RandomSeed.set(o.seed());
        Model model = model(vectorize, o.length());
        model.summary();
        model.compile(new Adam(0.003), "binary_crossentropy", "accuracy", "precision", "recall");
        History history = model.fit(d.trainTexts(), d.trainLabels(), new FitOptions().epochs(o.epochs()).batchSize(64)
            .validationSplit(0.1).verbose(o.verbose())
            .callbacks(new EarlyStopping("val_loss").patience(1).restoreBestWeights(true)));

        Result result = score(model.evaluate(d.testTexts(), d.testLabels()), history);
        System.out.printf(Locale.ROOT, "test: accuracy %.4f, spam precision %.4f, recall %.4f, F1 %.4f%n",
            result.accuracy(), result.precision(), result.recall(), result.f1());
        if (o.outputDir() != null) {
            try {
                Files.createDirectories(o.outputDir());
                model.save(o.outputDir().resolve("spam-classifier.seqml"));
                Charts.trainingCurves(history, o.outputDir().resolve("training.png"));
                System.out.println("model (vocabulary included) and training.png written to " + o.outputDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return result;
    }

    /** Stratified: within spam and within ham, a seeded shuffle, the first 80% to training. */
    public static void split(List<Mail> mails, long seed, List<Mail> train, List<Mail> test) {
        for (int label = 0; label <= 1; label++) {
            final int l = label;
            List<Mail> group = new ArrayList<>(mails.stream().filter(m -> m.label() == l).toList());
            java.util.Collections.shuffle(group, new java.util.Random(new SplittableRandom(seed).nextLong() + l));
            int cut = (int) Math.round(group.size() * 0.8);
            train.addAll(group.subList(0, cut));
            test.addAll(group.subList(cut, group.size()));
        }
        java.util.Collections.shuffle(train, new java.util.Random(seed));
        java.util.Collections.shuffle(test, new java.util.Random(seed + 1));
    }

    private static INDArray labels(List<Mail> mails) {
        return Nd4j.createFromArray(mails.stream().mapToDouble(Mail::label).toArray()).reshape(mails.size(), 1)
            .castTo(DataType.FLOAT);
    }

    /** The prepared corpus. */
    public static List<Mail> load() {
        List<Mail> mails = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
            SpamClassifier.class.getResourceAsStream("/data/spam/spam-assassin.tsv.gz")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.split("\t", 4);
                mails.add(new Mail(f[0].equals("spam") ? 1 : 0, f.length > 3 ? f[3] : ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return mails;
    }
}
