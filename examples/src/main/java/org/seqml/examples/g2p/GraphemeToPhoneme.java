package org.seqml.examples.g2p;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.Shape;
import org.seqml.callbacks.EarlyStopping;
import org.seqml.callbacks.History;
import org.seqml.callbacks.ReduceLROnPlateau;
import org.seqml.data.Dataset;
import org.seqml.data.Example;
import org.seqml.data.StreamDataset;
import org.seqml.decoding.BeamSearch;
import org.seqml.decoding.DecoderStep;
import org.seqml.decoding.GreedyDecoder;
import org.seqml.examples.plots.Charts;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.attention.Attention;
import org.seqml.layers.merging.Concatenate;
import org.seqml.layers.recurrent.Bidirectional;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.metrics.ErrorRate;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.optimizers.Adam;
import org.seqml.training.FitOptions;

/**
 * Grapheme-to-phoneme conversion on the standard CMUdict split: a bidirectional LSTM reads the
 * letters, an LSTM decoder started from its final states writes the phonemes, attending to the
 * letters (Luong dot-product attention) at every step.
 * <pre>
 * encoder:  letters -> Embedding(maskZero) -> Bidirectional(LSTM(u), returnSequences, returnState)
 *           -> memory (T, 2u), h = [h_fwd, h_bwd], c = [c_fwd, c_bwd]
 * decoder:  previous phonemes -> Embedding(maskZero) -> LSTM(2u, initialState = [h, c]) -> s_t
 *           a_t = Attention(s_t, memory);  p_t = softmax(W [tanh(V [s_t, a_t])])
 * </pre>
 * Trained with teacher forcing (the decoder reads the true previous phoneme); the words are
 * batched by (letters, phonemes) length so no batch holds padding. At test time the trained
 * layers are shared by an encoder model and a one-step decoder model that greedy decoding and
 * beam search drive. Scored as in the literature: word error rate (a word is wrong unless the
 * output matches one of its pronunciations) and phoneme error rate (edit distance to the closest
 * pronunciation).
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.g2p.GraphemeToPhoneme
 * mvn ... -Dexec.args="epochs=5 trainWords=20000 beamWidth=1"     (a shorter run)
 * </pre>
 * Data: examples/src/main/resources/data/cmudict (see its README).
 */
public final class GraphemeToPhoneme {
    private static final int MAX_PHONEMES = 30;

    /**
     * What the run may change.
     *
     * @param trainWords the first this many training words (all: Integer.MAX_VALUE)
     * @param testWords  the first this many test (and validation) words
     * @param beamWidth  1: greedy decoding; more: beam search per word
     * @param outputDir  where the model and pictures go; null: nowhere
     */
    public record Options(int epochs, int units, int embedding, int batchSize, int trainWords, int testWords,
                          int beamWidth, long seed, int verbose, Path outputDir) {
        public static Options defaults() {
            return new Options(30, 192, 64, 64, Integer.MAX_VALUE, Integer.MAX_VALUE, 4, 7, 2,
                Path.of("target/g2p"));
        }
    }

    /** The run's figures on the test words, and how long training took. */
    public record Result(double wordErrorRate, double phonemeErrorRate, double greedyWordErrorRate,
                         double greedyPhonemeErrorRate, int testWords, double trainingSeconds, History history) {
    }

    /** The trained layers, shared by the training model and the two inference models. */
    private record Layers(Embedding letters, Bidirectional encoder, Embedding phonemes, LSTM decoder,
                          Attention attention, Dense combine, Dense output) {
    }

    private GraphemeToPhoneme() {
    }

    /** Options as {@code name=value} arguments (epochs, units, trainWords, testWords, beamWidth), else the defaults. */
    public static void main(String[] args) {
        Options d = Options.defaults();
        Map<String, Integer> a = new java.util.HashMap<>();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            a.put(kv[0], Integer.parseInt(kv[1]));
        }
        run(new Options(a.getOrDefault("epochs", d.epochs()), a.getOrDefault("units", d.units()), d.embedding(),
            d.batchSize(), a.getOrDefault("trainWords", d.trainWords()), a.getOrDefault("testWords", d.testWords()),
            a.getOrDefault("beamWidth", d.beamWidth()), d.seed(), d.verbose(), d.outputDir()));
    }

    public static Result run(Options o) {
        Lexicon train = Lexicon.read("cmudict-0.7b.train-dev-20-21.gz", o.trainWords());
        Lexicon dev = Lexicon.read("cmudict-0.7b.train-dev-1-21.gz", o.testWords());
        Lexicon test = Lexicon.read("cmudict-0.7b.test.gz", o.testWords());
        System.out.printf(Locale.ROOT, "%d training words (%d pronunciations), %d validation, %d test words%n",
            train.words().size(), train.pronunciations(), dev.words().size(), test.words().size());

        RandomSeed.set(o.seed());
        int u = o.units();
        Layers l = new Layers(new Embedding(Lexicon.LETTER_IDS, o.embedding()).maskZero(true),
            new Bidirectional(new LSTM(u).returnSequences(true).returnState(true)),
            new Embedding(Lexicon.PHONEME_IDS, o.embedding()).maskZero(true),
            new LSTM(2 * u).returnSequences(true).returnState(true), new Attention(),
            new Dense(2 * u).activation("tanh"), new Dense(Lexicon.PHONEME_IDS).activation("softmax"));
        SymbolicTensor letters = Input.of("letters", Shape.UNKNOWN);
        SymbolicTensor previous = Input.of("previous_phonemes", Shape.UNKNOWN);
        List<SymbolicTensor> encoded = l.encoder().applyAll(l.letters().apply(letters));
        SymbolicTensor h = new Concatenate().apply(encoded.get(1), encoded.get(3));
        SymbolicTensor c = new Concatenate().apply(encoded.get(2), encoded.get(4));
        SymbolicTensor probabilities = decode(l, l.phonemes().apply(previous), h, c, encoded.get(0)).get(0);
        Model model = new Model(List.of(letters, previous), List.of(probabilities));
        model.summary();
        model.compile(new Adam(0.002).clipnorm(5.0), "sparse_categorical_crossentropy", "accuracy");

        long t0 = System.nanoTime();
        History history = model.fit(examples(train, true).groupByWindow(GraphemeToPhoneme::lengths, o.batchSize()),
            new FitOptions().epochs(o.epochs()).verbose(o.verbose())
                .validationData(examples(dev, false).groupByWindow(GraphemeToPhoneme::lengths, 256))
                .callbacks(new ReduceLROnPlateau("val_loss").factor(0.5).patience(1),
                    new EarlyStopping("val_loss").patience(3).restoreBestWeights(true)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "trained %d epochs in %.0f s%n", history.epochs().size(), seconds);

        Model encoder = new Model(List.of(letters), List.of(encoded.get(0), h, c));
        Model step = stepModel(l, 2 * u);
        ErrorRate greedy = new ErrorRate();
        ErrorRate beam = new ErrorRate();
        List<String> words = new ArrayList<>(test.words().keySet());
        Map<String, List<String>> outputs = greedy(encoder, step, words);
        for (String w : words) {
            greedy.add(test.words().get(w), outputs.get(w));
        }
        if (o.beamWidth() > 1) {
            BeamSearch search = new BeamSearch(o.beamWidth(), 0);
            for (String w : words) {
                INDArray[] states = encoder.predict(new INDArray[] {letterRow(w)}, 1);
                int[] best = search.decode(stepOf(step), new INDArray[] {states[1], states[2], states[0]},
                    Lexicon.START, Lexicon.END, MAX_PHONEMES).get(0).tokens();
                outputs.put(w, phonemes(best));
                beam.add(test.words().get(w), outputs.get(w));
            }
        }
        ErrorRate scored = o.beamWidth() > 1 ? beam : greedy;
        Result result = new Result(scored.sequenceErrorRate(), scored.tokenErrorRate(), greedy.sequenceErrorRate(),
            greedy.tokenErrorRate(), words.size(), seconds, history);
        System.out.printf(Locale.ROOT, "test (%d words): greedy WER %.2f%%, PER %.2f%%%n", words.size(),
            100 * greedy.sequenceErrorRate(), 100 * greedy.tokenErrorRate());
        if (o.beamWidth() > 1) {
            System.out.printf(Locale.ROOT, "test (%d words): beam %d WER %.2f%%, PER %.2f%%%n", words.size(),
                o.beamWidth(), 100 * beam.sequenceErrorRate(), 100 * beam.tokenErrorRate());
        }
        for (String w : words.subList(0, Math.min(10, words.size()))) {
            System.out.printf(Locale.ROOT, "  %-16s %-28s reference %s%n", w, String.join(" ", outputs.get(w)),
                test.words().get(w).stream().map(p -> String.join(" ", p)).collect(Collectors.joining(" | ")));
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

    /** The decoder over embedded previous phonemes from states (h, c): [probabilities, h, c]. */
    private static List<SymbolicTensor> decode(Layers l, SymbolicTensor embedded, SymbolicTensor h, SymbolicTensor c,
                                               SymbolicTensor memory) {
        List<SymbolicTensor> s = l.decoder().applyAll(embedded, h, c);
        SymbolicTensor context = l.attention().apply(s.get(0), memory);
        SymbolicTensor combined = l.combine().apply(new Concatenate().apply(s.get(0), context));
        return List.of(l.output().apply(combined), s.get(1), s.get(2));
    }

    /** One decoder step: (last phoneme, h, c, memory) -> (probabilities, h, c), on the trained layers. */
    private static Model stepModel(Layers l, int units) {
        SymbolicTensor token = Input.of("phoneme", 1);
        SymbolicTensor h = Input.of("h", units);
        SymbolicTensor c = Input.of("c", units);
        SymbolicTensor memory = Input.of("memory", Shape.UNKNOWN, units);
        return new Model(List.of(token, h, c, memory), decode(l, l.phonemes().apply(token), h, c, memory));
    }

    /** The step as the decoders drive it; the states are [h, c, memory], the memory passed through. */
    private static DecoderStep stepOf(Model step) {
        return (tokens, states) -> {
            INDArray[] out = step.predict(new INDArray[] {tokens.reshape(tokens.length(), 1), states[0], states[1],
                states[2]}, (int) tokens.length());
            return new DecoderStep.Result(out[0].reshape(out[0].size(0), out[0].size(2)),
                new INDArray[] {out[1], out[2], states[2]});
        };
    }

    /** Greedy outputs of every word, decoded in batches of words of one length (no padding). */
    private static Map<String, List<String>> greedy(Model encoder, Model step, List<String> words) {
        Map<Integer, List<String>> byLength = words.stream().collect(Collectors.groupingBy(String::length, TreeMap::new,
            Collectors.toList()));
        Map<String, List<String>> out = new java.util.HashMap<>();
        for (List<String> group : byLength.values()) {
            for (int from = 0; from < group.size(); from += 256) {
                List<String> batch = group.subList(from, Math.min(group.size(), from + 256));
                INDArray x = Nd4j.create(DataType.FLOAT, batch.size(), batch.get(0).length());
                for (int b = 0; b < batch.size(); b++) {
                    x.putRow(b, Nd4j.createFromArray(Lexicon.letterIds(batch.get(b))));
                }
                INDArray[] states = encoder.predict(new INDArray[] {x}, batch.size());
                List<int[]> decoded = GreedyDecoder.decode(stepOf(step), new INDArray[] {states[1], states[2], states[0]},
                    Lexicon.START, Lexicon.END, MAX_PHONEMES);
                for (int b = 0; b < batch.size(); b++) {
                    out.put(batch.get(b), phonemes(decoded.get(b)));
                }
            }
        }
        return out;
    }

    private static INDArray letterRow(String word) {
        return Nd4j.createFromArray(Lexicon.letterIds(word)).reshape(1, word.length());
    }

    private static List<String> phonemes(int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(Lexicon.phoneme(id));
        }
        return out;
    }

    /**
     * One example per pronunciation: inputs (letters, START + phonemes), label (phonemes + END);
     * shuffled anew each epoch (seeded by the trainer) when asked.
     */
    static StreamDataset examples(Lexicon lexicon, boolean shuffle) {
        List<Example> all = new ArrayList<>();
        lexicon.words().forEach((word, pronunciations) -> {
            for (List<String> p : pronunciations) {
                float[] previous = new float[p.size() + 1];
                float[] next = new float[p.size() + 1];
                previous[0] = Lexicon.START;
                for (int i = 0; i < p.size(); i++) {
                    previous[i + 1] = Lexicon.phonemeId(p.get(i));
                    next[i] = previous[i + 1];
                }
                next[p.size()] = Lexicon.END;
                all.add(new Example(new INDArray[] {Nd4j.createFromArray(Lexicon.letterIds(word)),
                    Nd4j.createFromArray(previous)}, new INDArray[] {Nd4j.createFromArray(next)}));
            }
        });
        StreamDataset data = Dataset.fromExamples(all::iterator);
        return shuffle ? data.shuffle(all.size()) : data;
    }

    /** The grouping key: letters and phonemes lengths, so a batch needs no padding. */
    static long lengths(Example e) {
        return e.x()[0].length() * 1000 + e.x()[1].length();
    }
}
