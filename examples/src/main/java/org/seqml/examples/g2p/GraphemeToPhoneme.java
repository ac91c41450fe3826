package org.seqml.examples.g2p;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.seqml.RandomSeed;
import org.seqml.callbacks.EarlyStopping;
import org.seqml.callbacks.History;
import org.seqml.callbacks.LearningRateScheduler;
import org.seqml.data.StreamDataset;
import org.seqml.decoding.BeamSearch;
import org.seqml.examples.Args;
import org.seqml.examples.plots.Charts;
import org.seqml.examples.seq2seq.AttentionSeq2Seq;
import org.seqml.metrics.ErrorRate;
import org.seqml.models.Model;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

/**
 * Grapheme-to-phoneme conversion on the standard CMUdict split: {@link AttentionSeq2Seq}'s
 * bidirectional LSTM reads the letters and its attention LSTM decoder writes the phonemes.
 * Trained with teacher forcing, the rate decaying along a cosine over the planned epochs; the
 * words are batched by (letters, phonemes) length so no batch holds padding (and the LSTMs run on
 * oneDNN). Decoded greedily, then by beam search, and scored
 * as in the literature: word error rate (a word is wrong unless the output matches one of its
 * pronunciations) and phoneme error rate (edit distance to the closest pronunciation).
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.g2p.GraphemeToPhoneme
 * mvn ... -Dexec.args="epochs=5 trainWords=20000 beamWidth=1"     (a shorter run)
 * </pre>
 * Data: examples/src/main/resources/data/cmudict (see its README).
 */
public final class GraphemeToPhoneme {
    private static final int MAX_PHONEMES = 30;
    private static final double LEARNING_RATE = 0.002;
    /** The last epoch's rate as a fraction of the first. */
    private static final double FINAL_FRACTION = 0.02;

    /**
     * What the run may change.
     *
     * @param encoderLayers stacked bidirectional LSTMs reading the letters
     * @param inputFeeding  the decoder is an AttentionLSTM that feeds each step's attentional vector to the next
     * @param dropout    the rate of the model's Dropout layers (0: none)
     * @param trainWords the first this many training words (all: Integer.MAX_VALUE)
     * @param testWords  the first this many test (and validation) words
     * @param beamWidth  1: greedy decoding; more: beam search per word
     * @param alpha      the beam's length normalization ({@link BeamSearch}; 0: plain log-probability)
     * @param onDev      decode the validation words instead of the test words (to choose the
     *                   beam's settings without looking at the test set)
     * @param trainOnDev the validation words join the training words (the split's full 106,794, once
     *                   the settings are chosen); there is then no held-out loss, so no validation
     *                   and no early stopping, and the validation words cannot be decoded
     * @param load       a model this program saved: its weights are loaded and training is skipped
     *                   (the other options must describe the same model); null: train
     * @param outputDir  where the model and pictures go; null: nowhere
     */
    public record Options(int epochs, int units, int embedding, int encoderLayers, boolean inputFeeding, double dropout,
                          int batchSize, int trainWords, int testWords, int beamWidth, double alpha, boolean onDev,
                          boolean trainOnDev, Path load, long seed, int verbose, Path outputDir) {
        public static Options defaults() {
            return new Options(20, 256, 64, 2, false, 0.3, 64, Integer.MAX_VALUE, Integer.MAX_VALUE, 4, 0, false,
                false, null, 7, 2, Path.of("target/g2p"));
        }
    }

    /** The run's figures on the test words, and how long training took. */
    public record Result(double wordErrorRate, double phonemeErrorRate, double greedyWordErrorRate,
                         double greedyPhonemeErrorRate, int testWords, double trainingSeconds, History history) {
    }

    private GraphemeToPhoneme() {
    }

    /**
     * Options as {@code name=value} arguments (epochs, units, layers, inputFeeding (0 or 1), dropout, batch,
     * trainWords, testWords, beamWidth, alpha, words (test or dev), trainOnDev (0 or 1), load (a saved model's
     * file)).
     */
    public static void main(String[] args) {
        Options d = Options.defaults();
        Args a = Args.parse(args, java.util.Set.of("epochs", "units", "layers", "inputFeeding", "dropout", "batch",
            "trainWords", "testWords", "beamWidth", "alpha", "words", "trainOnDev", "load"));
        String words = a.get("words", "test");
        if (!words.equals("test") && !words.equals("dev")) {
            throw new IllegalArgumentException("option words wants test or dev, got '" + words + "'");
        }
        String load = a.get("load", null);
        run(new Options(a.get("epochs", d.epochs()), a.get("units", d.units()), d.embedding(),
            a.get("layers", d.encoderLayers()), a.get("inputFeeding", d.inputFeeding() ? 1 : 0) == 1,
            a.get("dropout", d.dropout()), a.get("batch", d.batchSize()),
            a.get("trainWords", d.trainWords()), a.get("testWords", d.testWords()), a.get("beamWidth", d.beamWidth()),
            a.get("alpha", d.alpha()), words.equals("dev"), a.get("trainOnDev", d.trainOnDev() ? 1 : 0) == 1,
            load == null ? null : Path.of(load),
            d.seed(), d.verbose(), load == null ? d.outputDir() : null));
    }

    public static Result run(Options o) {
        if (o.trainOnDev() && o.onDev()) {
            throw new IllegalArgumentException("trainOnDev trains on the validation words; decode the test words");
        }
        Lexicon dev = Lexicon.read("cmudict-0.7b.train-dev-1-21.gz", o.testWords());
        Lexicon train = Lexicon.read("cmudict-0.7b.train-dev-20-21.gz", o.trainWords());
        if (o.trainOnDev()) {
            train = train.with(dev);
        }
        Lexicon test = Lexicon.read("cmudict-0.7b.test.gz", o.testWords());
        System.out.printf(Locale.ROOT, "%d training words (%d pronunciations), %s, %d test words%n",
            train.words().size(), train.pronunciations(),
            o.trainOnDev() ? "validation words among them" : dev.words().size() + " validation", test.words().size());

        RandomSeed.set(o.seed());
        AttentionSeq2Seq s2s = new AttentionSeq2Seq(Lexicon.LETTER_IDS, Lexicon.PHONEME_IDS, o.embedding(), o.units(),
            o.dropout(), o.encoderLayers(), o.inputFeeding());
        Model model = s2s.training();
        model.summary();
        model.compile(new Adam(LEARNING_RATE).clipnorm(5.0), "sparse_categorical_crossentropy", "accuracy");

        History history = new History();
        double seconds = 0;
        if (o.load() != null) {
            try {
                model.setWeights(Model.load(o.load()).getWeights());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.out.println("weights loaded from " + o.load() + "; not trained");
        } else {
            long t0 = System.nanoTime();
            FitOptions fit = new FitOptions().epochs(o.epochs()).verbose(o.verbose());
            LearningRateScheduler schedule = new LearningRateScheduler((epoch, lr) -> cosine(epoch, o.epochs()));
            if (o.trainOnDev()) {
                fit.callbacks(schedule);
            } else {
                fit.validationData(examples(dev, false).groupByWindow(AttentionSeq2Seq::lengths, 256))
                    .callbacks(schedule, new EarlyStopping("val_loss").patience(3).restoreBestWeights(true));
            }
            history = model.fit(examples(train, true).groupByWindow(AttentionSeq2Seq::lengths, o.batchSize()), fit);
            seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "trained %d epochs in %.0f s%n", history.epochs().size(), seconds);
        }

        Lexicon decodedSet = o.onDev() ? dev : test;
        String setName = o.onDev() ? "validation" : "test";
        ErrorRate greedy = new ErrorRate();
        ErrorRate beam = new ErrorRate();
        List<String> words = new ArrayList<>(decodedSet.words().keySet());
        List<int[]> decoded = s2s.greedy(words.stream().map(Lexicon::letterIds).toList(), Lexicon.START, Lexicon.END,
            MAX_PHONEMES);
        Map<String, List<String>> outputs = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            outputs.put(words.get(i), phonemes(decoded.get(i)));
            greedy.add(decodedSet.words().get(words.get(i)), outputs.get(words.get(i)));
        }
        if (o.beamWidth() > 1) {
            List<int[]> best = s2s.beam(words.stream().map(Lexicon::letterIds).toList(),
                new BeamSearch(o.beamWidth(), o.alpha()), Lexicon.START, Lexicon.END, MAX_PHONEMES);
            for (int i = 0; i < words.size(); i++) {
                outputs.put(words.get(i), phonemes(best.get(i)));
                beam.add(decodedSet.words().get(words.get(i)), outputs.get(words.get(i)));
            }
        }
        ErrorRate scored = o.beamWidth() > 1 ? beam : greedy;
        Result result = new Result(scored.sequenceErrorRate(), scored.tokenErrorRate(), greedy.sequenceErrorRate(),
            greedy.tokenErrorRate(), words.size(), seconds, history);
        System.out.printf(Locale.ROOT, "%s (%d words): greedy WER %.2f%%, PER %.2f%%%n", setName, words.size(),
            100 * greedy.sequenceErrorRate(), 100 * greedy.tokenErrorRate());
        if (o.beamWidth() > 1) {
            System.out.printf(Locale.ROOT, "%s (%d words): beam %d (alpha %s) WER %.2f%%, PER %.2f%%%n", setName,
                words.size(), o.beamWidth(), o.alpha(), 100 * beam.sequenceErrorRate(), 100 * beam.tokenErrorRate());
        }
        for (String w : words.subList(0, Math.min(10, words.size()))) {
            System.out.printf(Locale.ROOT, "  %-16s %-28s reference %s%n", w, String.join(" ", outputs.get(w)),
                decodedSet.words().get(w).stream().map(p -> String.join(" ", p)).collect(Collectors.joining(" | ")));
        }
        if (o.outputDir() != null) {
            try {
                Files.createDirectories(o.outputDir());
                model.save(o.outputDir().resolve("g2p.seqml"));
                Charts.trainingCurves(history, o.outputDir().resolve("training.png"));
                System.out.println("model and training.png written to " + o.outputDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return result;
    }

    /**
     * The rate for an epoch: a cosine from {@link #LEARNING_RATE} down to {@link #FINAL_FRACTION}
     * of it at the last planned epoch. Two full runs with ReduceLROnPlateau showed validation loss
     * falling steeply only after each halving, so the planned budget decays the rate throughout.
     */
    static double cosine(int epoch, int epochs) {
        double progress = epochs > 1 ? (double) epoch / (epochs - 1) : 1;
        return LEARNING_RATE * (FINAL_FRACTION + (1 - FINAL_FRACTION) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    private static List<String> phonemes(int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(Lexicon.phoneme(id));
        }
        return out;
    }

    /** One example per pronunciation: the word's letters and its phonemes, as ids. */
    static StreamDataset examples(Lexicon lexicon, boolean shuffle) {
        List<int[]> letters = new ArrayList<>();
        List<int[]> phonemes = new ArrayList<>();
        lexicon.words().forEach((word, pronunciations) -> {
            for (List<String> p : pronunciations) {
                letters.add(Lexicon.letterIds(word));
                phonemes.add(p.stream().mapToInt(Lexicon::phonemeId).toArray());
            }
        });
        return AttentionSeq2Seq.examples(letters, phonemes, Lexicon.START, Lexicon.END, shuffle);
    }
}
