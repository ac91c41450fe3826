package org.seqml.examples.translation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.callbacks.EarlyStopping;
import org.seqml.callbacks.History;
import org.seqml.callbacks.ReduceLROnPlateau;
import org.seqml.decoding.BeamSearch;
import org.seqml.examples.Args;
import org.seqml.examples.plots.Charts;
import org.seqml.examples.seq2seq.AttentionSeq2Seq;
import org.seqml.examples.translation.SentencePairs.Pair;
import org.seqml.examples.translation.SentencePairs.Vocabulary;
import org.seqml.metrics.Bleu;
import org.seqml.models.Model;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

/**
 * German to English translation of short sentences with {@link AttentionSeq2Seq} (a bidirectional
 * LSTM encoder, an attention LSTM decoder), trained on the ~14,000 sentence pairs of at most ten
 * words in the Ding dictionary. Prints corpus BLEU on a fixed held-out split (greedy and beam
 * search) and sample translations, and writes each sample's attention weights as a heat map.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.translation.Translation
 * </pre>
 * Data: Debian's {@code trans-de-en} (GPL-2+), fetched on first use by
 * {@code examples/scripts/fetch-trans-de-en.sh} into {@code target/data/trans-de-en}; never committed.
 */
public final class Translation {
    private static final int MAX_TOKENS = 24;

    /**
     * What the run may change.
     *
     * @param dropout    the rate of the model's Dropout layers (0: none)
     * @param maxWords   sentence pairs with at most this many words per side
     * @param vocabulary tokens per language (with padding, START, END and unknown)
     * @param testPairs  held out for BLEU (then as many for validation); the rest trains
     * @param beamWidth  1: greedy decoding only; more: BLEU by beam search too (GNMT length
     *                   normalization, alpha 0.6)
     * @param samples    test sentences printed and drawn with their attention
     * @param corpus     the Ding word list; fetched there first when it is the default and missing
     * @param outputDir  where the model and pictures go; null: nowhere
     */
    public record Options(int epochs, int units, int embedding, double dropout, int batchSize, int maxWords,
                          int vocabulary,
                          int testPairs, int beamWidth, int samples, long seed, int verbose, Path corpus,
                          Path outputDir) {
        public static final Path DEFAULT_CORPUS = Path.of("target/data/trans-de-en/de-en");

        public static Options defaults() {
            return new Options(20, 128, 128, 0.3, 64, 10, 6000, 1000, 4, 10, 3, 2, DEFAULT_CORPUS,
                Path.of("target/translation"));
        }
    }

    /**
     * One sample: the German, the reference English, the output, and the attention of each
     * decoding step over the German (one row per output token, then one for END when emitted).
     */
    public record Sample(List<String> german, List<String> reference, List<String> output, double[][] attention) {
    }

    /**
     * Corpus BLEU (0-1) on the held-out pairs, by beam search (greedy when the beam width is 1)
     * and greedy, the samples, and how long training took.
     */
    public record Result(double bleu, double greedyBleu, int trainPairs, int testPairs, double trainingSeconds,
                         List<Sample> samples, History history) {
    }

    private Translation() {
    }

    /** Options as {@code name=value} arguments (epochs, units, dropout, beamWidth), else the defaults. */
    public static void main(String[] args) {
        Options d = Options.defaults();
        Args a = Args.parse(args, java.util.Set.of("epochs", "units", "dropout", "beamWidth"));
        run(new Options(a.get("epochs", d.epochs()), a.get("units", d.units()), d.embedding(),
            a.get("dropout", d.dropout()), d.batchSize(),
            d.maxWords(), d.vocabulary(), d.testPairs(), a.get("beamWidth", d.beamWidth()), d.samples(), d.seed(),
            d.verbose(), d.corpus(), d.outputDir()));
    }

    public static Result run(Options o) {
        List<Pair> pairs = SentencePairs.read(corpus(o.corpus()), o.maxWords());
        Collections.shuffle(pairs, new Random(o.seed()));
        List<Pair> test = pairs.subList(0, o.testPairs());
        List<Pair> validation = pairs.subList(o.testPairs(), 2 * o.testPairs());
        List<Pair> train = pairs.subList(2 * o.testPairs(), pairs.size());
        List<List<String>> de = train.stream().map(p -> SentencePairs.tokens(p.german())).toList();
        List<List<String>> en = train.stream().map(p -> SentencePairs.tokens(p.english())).toList();
        Vocabulary german = Vocabulary.of(de, o.vocabulary());
        Vocabulary english = Vocabulary.of(en, o.vocabulary());
        System.out.printf(Locale.ROOT, "%d sentence pairs: %d training, %d validation, %d test; vocabularies %d"
            + " German, %d English tokens%n", pairs.size(), train.size(), validation.size(), test.size(), german.size(),
            english.size());

        RandomSeed.set(o.seed());
        AttentionSeq2Seq s2s = new AttentionSeq2Seq(german.size(), english.size(), o.embedding(), o.units(),
            o.dropout());
        Model model = s2s.training();
        model.summary();
        model.compile(new Adam(0.002).clipnorm(5.0), "sparse_categorical_crossentropy", "accuracy");
        long t0 = System.nanoTime();
        History history = model.fit(examples(train, german, english, true)
                .groupByWindow(AttentionSeq2Seq::lengths, o.batchSize()),
            new FitOptions().epochs(o.epochs()).verbose(o.verbose())
                .validationData(examples(validation, german, english, false)
                    .groupByWindow(AttentionSeq2Seq::lengths, 256))
                .callbacks(new ReduceLROnPlateau("val_loss").factor(0.5).patience(1),
                    new EarlyStopping("val_loss").patience(3).restoreBestWeights(true)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "trained %d epochs in %.0f s%n", history.epochs().size(), seconds);

        List<int[]> sources = test.stream().map(p -> german.encode(SentencePairs.tokens(p.german()))).toList();
        double greedy = bleu(s2s.greedy(sources, Vocabulary.START, Vocabulary.END, MAX_TOKENS), test, english);
        double beam = o.beamWidth() > 1 ? bleu(s2s.beam(sources, new BeamSearch(o.beamWidth(), 0.6), Vocabulary.START,
            Vocabulary.END, MAX_TOKENS), test, english) : greedy;
        List<Sample> samples = new ArrayList<>();
        for (Pair p : test.subList(0, Math.min(o.samples(), test.size()))) {
            samples.add(withAttention(s2s, p, german, english));
        }
        Result result = new Result(beam, greedy, train.size(), test.size(), seconds, samples, history);
        System.out.printf(Locale.ROOT, "test (%d pairs): BLEU %.2f greedy%n", test.size(), 100 * greedy);
        if (o.beamWidth() > 1) {
            System.out.printf(Locale.ROOT, "test (%d pairs): BLEU %.2f beam %d%n", test.size(), 100 * beam,
                o.beamWidth());
        }
        for (Sample s : samples) {
            System.out.printf(Locale.ROOT, "  de: %s%n  en: %s%n  ->  %s%n", String.join(" ", s.german()),
                String.join(" ", s.reference()), String.join(" ", s.output()));
        }
        if (o.outputDir() != null) {
            write(o.outputDir(), model, history, samples);
        }
        return result;
    }

    private static void write(Path dir, Model model, History history, List<Sample> samples) {
        try {
            Files.createDirectories(dir);
            model.save(dir.resolve("de-en.seqml"));
            Charts.trainingCurves(history, dir.resolve("training.png"));
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                List<String> steps = new ArrayList<>(s.output());
                if (s.attention().length > steps.size()) {
                    steps.add("<end>");
                }
                Charts.attention(String.join(" ", s.german()), s.german(), steps, s.attention(),
                    dir.resolve(String.format(Locale.ROOT, "attention-%02d.png", i + 1)));
            }
            System.out.println("model, training.png and " + samples.size() + " attention heat maps written to " + dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The corpus; the default one is fetched on first use. */
    private static Path corpus(Path file) {
        if (Files.exists(file)) {
            return file;
        }
        if (!file.equals(Options.DEFAULT_CORPUS)) {
            throw new IllegalArgumentException("no corpus at " + file);
        }
        Path script = Files.exists(Path.of("examples/scripts")) ? Path.of("examples/scripts/fetch-trans-de-en.sh")
            : Path.of("scripts/fetch-trans-de-en.sh");
        System.out.println("fetching the sentence pairs (Debian trans-de-en, GPL-2+) with " + script);
        try {
            Process p = new ProcessBuilder("bash", script.toString(), file.toString()).inheritIO().start();
            if (p.waitFor() != 0 || !Files.exists(file)) {
                throw new IllegalStateException(script + " failed (exit " + p.exitValue() + ")");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return file;
    }

    private static org.seqml.data.StreamDataset examples(List<Pair> pairs, Vocabulary german, Vocabulary english,
                                                         boolean shuffle) {
        List<int[]> sources = pairs.stream().map(p -> german.encode(SentencePairs.tokens(p.german()))).toList();
        List<int[]> targets = pairs.stream().map(p -> english.encode(SentencePairs.tokens(p.english()))).toList();
        return AttentionSeq2Seq.examples(sources, targets, Vocabulary.START, Vocabulary.END, shuffle);
    }

    /** Corpus BLEU of the decoded outputs against the pairs' English. */
    private static double bleu(List<int[]> decoded, List<Pair> pairs, Vocabulary english) {
        Bleu bleu = new Bleu();
        for (int i = 0; i < pairs.size(); i++) {
            bleu.add(List.of(SentencePairs.tokens(pairs.get(i).english())), english.decode(decoded.get(i)));
        }
        return bleu.score();
    }

    /** One sentence decoded greedily step by step, keeping each step's attention over the source. */
    private static Sample withAttention(AttentionSeq2Seq s2s, Pair pair, Vocabulary german, Vocabulary english) {
        List<String> source = SentencePairs.tokens(pair.german());
        int[] ids = german.encode(source);
        INDArray[] states = s2s.encode(AttentionSeq2Seq.batchOf(ids));
        INDArray token = Nd4j.scalar(DataType.FLOAT, Vocabulary.START).reshape(1);
        List<Integer> output = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        for (int t = 0; t < MAX_TOKENS; t++) {
            AttentionSeq2Seq.Next out = s2s.next(token, states);
            int next = out.probabilities().argMax(1).getInt(0);
            rows.add(out.attention().reshape(ids.length).toDoubleVector());   // the END step's row too
            if (next == Vocabulary.END) {
                break;
            }
            output.add(next);
            token = Nd4j.scalar(DataType.FLOAT, next).reshape(1);
            states = out.states();
        }
        return new Sample(source, SentencePairs.tokens(pair.english()),
            english.decode(output.stream().mapToInt(Integer::intValue).toArray()), rows.toArray(double[][]::new));
    }
}
