package org.seqml.examples.translation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
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
import org.seqml.metrics.Bleu;
import org.seqml.metrics.ChrF;
import org.seqml.models.Model;
import org.seqml.optimizers.Adam;
import org.seqml.text.BytePairEncoding;
import org.seqml.training.FitOptions;

/**
 * Spanish to English translation of Bible verses ({@link BibleVerses}: the Reina-Valera 1909 and
 * the World English Bible, public domain) with {@link AttentionSeq2Seq} over subword units
 * ({@link BytePairEncoding}, one model per language, learned on the training books). Prints
 * sacreBLEU-style corpus BLEU and chrF on the held-out books (greedy and beam search), the
 * training time and samples.
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.translation.BibleTranslation
 * </pre>
 * Options as {@code name=value}: epochs, units, embedding, subwords, maxPieces, limit (training verses),
 * fraction (a random share of the training verses),
 * beamWidth, weights (a file: written after training, read instead of training when it is there);
 * {@code policy=mixed_bfloat16} trains in bfloat16 (docs/performance.md).
 */
public final class BibleTranslation {

    /**
     * What the run may change.
     *
     * @param subwords  the byte-pair vocabulary per language
     * @param maxPieces training pairs with at most this many pieces per side (the longest verses are dropped)
     * @param limit     the first this many training verses, and a tenth as many dev and test
     *                  verses (a quick run); all by default
     * @param weights   where the trained weights go; when the file is there already, they are
     *                  loaded from it instead of trained (null: neither)
     * @param outputDir where {@code training.png} and the samples' attention heat maps go (null: nowhere)
     * @param fraction  a seeded random share of the training verses (the dev and test books whole):
     *                  a point of the learning curve; 1 by default
     */
    public record Options(int epochs, int units, int embedding, double dropout, int batchSize, int subwords,
                          int maxPieces, int limit, int beamWidth, int samples, long seed, int verbose,
                          Path weights, Path outputDir, double fraction) {
        public static Options defaults() {
            return new Options(24, 128, 128, 0.2, 64, 4000, 60, Integer.MAX_VALUE, 4, 10, 3, 2, null,
                Path.of("target/bible-translation"), 1.0);
        }
    }

    private static <T> List<T> first(List<T> list, long n) {
        return list.subList(0, (int) Math.min(n, list.size()));
    }

    /** The figures: BLEU and chrF (0-100) on the test books, greedy and beam, and the training time. */
    public record Result(double bleu, double greedyBleu, double chrf, double devBleu, int trainPairs, int testPairs,
                         double trainingSeconds, List<String[]> samples, History history) {
    }

    private BibleTranslation() {
    }

    public static void main(String[] args) {
        Options d = Options.defaults();
        Args a = Args.parse(args, Set.of("epochs", "units", "embedding", "subwords", "maxPieces", "limit", "beamWidth",
            "policy", "weights", "fraction"));
        org.seqml.mixedprecision.Policy.setGlobalPolicy(a.get("policy", "float32"));
        run(new Options(a.get("epochs", d.epochs()), a.get("units", d.units()), a.get("embedding", d.embedding()),
            d.dropout(), d.batchSize(), a.get("subwords", d.subwords()), a.get("maxPieces", d.maxPieces()),
            a.get("limit", d.limit()), a.get("beamWidth", d.beamWidth()), d.samples(), d.seed(), d.verbose(),
            a.get("weights", "").isEmpty() ? null : Path.of(a.get("weights", "")), d.outputDir(),
            a.get("fraction", d.fraction())));
    }

    public static Result run(Options o) {
        BibleVerses.Split all = BibleVerses.split(BibleVerses.read());
        long held = o.limit() == Integer.MAX_VALUE ? Integer.MAX_VALUE : Math.max(1, o.limit() / 10);
        List<BibleVerses.Verse> pool = all.train();
        if (o.fraction() < 1) {
            if (o.fraction() <= 0) {
                throw new IllegalArgumentException("BibleTranslation: fraction must be in (0, 1], got " + o.fraction());
            }
            List<BibleVerses.Verse> shuffled = new ArrayList<>(pool);
            java.util.Collections.shuffle(shuffled, new java.util.Random(o.seed()));
            pool = shuffled.subList(0, (int) Math.round(o.fraction() * shuffled.size()));
        }
        BibleVerses.Split split = new BibleVerses.Split(first(pool, o.limit()), first(all.dev(), held),
            first(all.test(), held));
        List<BibleVerses.Verse> train = split.train();
        long t0 = System.nanoTime();
        BytePairEncoding es = BytePairEncoding.learn(train.stream().map(BibleVerses.Verse::spanish).toList(),
            o.subwords(), true, 2, true);
        // the English side keeps its case: sacreBLEU compares cased text, and a lowercased
        // output loses every capital the reference has (each verse's first word, the names)
        BytePairEncoding en = BytePairEncoding.learn(train.stream().map(BibleVerses.Verse::english).toList(),
            o.subwords(), false, 2, true);
        int start = en.vocabularySize();
        int end = start + 1;
        List<int[]> sources = new ArrayList<>();
        List<int[]> targets = new ArrayList<>();
        for (BibleVerses.Verse v : train) {
            int[] s = es.encode(v.spanish());
            int[] t = en.encode(v.english());
            if (s.length <= o.maxPieces() && t.length <= o.maxPieces()) {
                sources.add(s);
                targets.add(t);
            }
        }
        System.out.printf(Locale.ROOT, "%d training verses (%d within %d pieces), %d dev, %d test; subwords %d + %d,"
            + " learned in %.0f s%n", train.size(), sources.size(), o.maxPieces(), split.dev().size(),
            split.test().size(), es.vocabularySize(), en.vocabularySize(), (System.nanoTime() - t0) / 1e9);

        RandomSeed.set(o.seed());
        AttentionSeq2Seq s2s = new AttentionSeq2Seq(es.vocabularySize(), en.vocabularySize() + 2, o.embedding(),
            o.units(), o.dropout());
        Model model = s2s.training();
        // label smoothing 0.1, as in the Transformer's and GNMT's training
        model.compile(new Adam(0.002).clipnorm(5.0),
            new org.seqml.losses.SparseCategoricalCrossentropy().labelSmoothing(0.1), "accuracy");
        List<int[]> devSources = new ArrayList<>();
        List<int[]> devTargets = new ArrayList<>();
        for (BibleVerses.Verse v : split.dev()) {
            devSources.add(es.encode(v.spanish()));
            devTargets.add(en.encode(v.english()));
        }
        long t1 = System.nanoTime();
        History history;
        if (o.weights() != null && Files.exists(o.weights())) {
            loadWeights(model, o.weights());
            history = new History();
            System.out.printf(Locale.ROOT, "weights loaded from %s%n", o.weights());
        } else {
            history = model.fit(AttentionSeq2Seq.examples(sources, targets, start, end, true)
                    .groupByWindow(BibleTranslation::lengthBucket, o.batchSize()),
                new FitOptions().epochs(o.epochs()).verbose(o.verbose())
                    .validationData(AttentionSeq2Seq.examples(devSources, devTargets, start, end, false)
                        .groupByWindow(BibleTranslation::lengthBucket, 128))
                    .callbacks(new ReduceLROnPlateau("val_loss").factor(0.5).patience(1),
                        new EarlyStopping("val_loss").patience(3).restoreBestWeights(true)));
            if (o.weights() != null) {
                saveWeights(model, o.weights());
            }
        }
        double seconds = (System.nanoTime() - t1) / 1e9;
        System.out.printf(Locale.ROOT, "trained %d epochs in %.0f s%n", history.epochs().size(), seconds);

        List<String> devReferences = split.dev().stream().map(BibleVerses.Verse::english).toList();
        int max = o.maxPieces() + 10;
        double devBleu = Bleu.corpus(translate(s2s, devSources, null, en, start, end, max), devReferences);
        System.out.printf(Locale.ROOT, "dev (%d verses): BLEU %.2f greedy%n", devSources.size(), devBleu);
        // the length normalization is chosen on the dev books, never on the test books
        double alpha = 0.6;
        if (o.beamWidth() > 1) {
            double best = -1;
            for (double a : new double[] {0.2, 0.6, 1.0}) {
                double b = Bleu.corpus(translate(s2s, devSources, new BeamSearch(o.beamWidth(), a), en, start, end,
                    max), devReferences);
                System.out.printf(Locale.ROOT, "dev: BLEU %.2f beam %d, length normalization alpha %.1f%n", b,
                    o.beamWidth(), a);
                if (b > best) {
                    best = b;
                    alpha = a;
                }
            }
        }
        List<int[]> testSources = split.test().stream().map(v -> es.encode(v.spanish())).toList();
        List<String> references = split.test().stream().map(BibleVerses.Verse::english).toList();
        List<String> greedy = translate(s2s, testSources, null, en, start, end, max);
        List<String> beam = o.beamWidth() > 1 ? translate(s2s, testSources, new BeamSearch(o.beamWidth(), alpha), en,
            start, end, max) : greedy;
        double greedyBleu = Bleu.corpus(greedy, references);
        double beamBleu = Bleu.corpus(beam, references);
        double chrf = ChrF.corpus(beam, references);
        System.out.printf(Locale.ROOT, "test (%d verses): BLEU %.2f greedy, %.2f beam %d (alpha %.1f); chrF %.2f%n",
            references.size(), greedyBleu, beamBleu, o.beamWidth(), alpha, chrf);
        List<String[]> samples = new ArrayList<>();
        for (int i = 0; i < Math.min(o.samples(), references.size()); i++) {
            int k = i * references.size() / Math.max(1, o.samples());
            samples.add(new String[] {split.test().get(k).spanish(), references.get(k), beam.get(k)});
            System.out.printf(Locale.ROOT, "  es: %s%n  en: %s%n  ->  %s%n", split.test().get(k).spanish(),
                references.get(k), beam.get(k));
        }
        if (o.outputDir() != null) {
            writeCharts(o.outputDir(), history, s2s, es, en, samples, start, end, max);
        }
        return new Result(beamBleu, greedyBleu, chrf, devBleu, sources.size(), references.size(), seconds, samples,
            history);
    }

    /** training.png (when trained) and one attention heat map per sample, decoded greedily. */
    private static void writeCharts(Path dir, History history, AttentionSeq2Seq s2s, BytePairEncoding es,
                                    BytePairEncoding en, List<String[]> samples, int start, int end, int max) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("BibleTranslation: cannot create " + dir, e);
        }
        if (!history.epochs().isEmpty()) {
            Charts.trainingCurves(history, dir.resolve("training.png"));
        }
        for (int i = 0; i < samples.size(); i++) {
            int[] source = es.encode(samples.get(i)[0]);
            List<String> output = new ArrayList<>();
            double[][] attention = greedyWithAttention(s2s, source, start, end, max, en, output);
            List<String> pieces = java.util.Arrays.stream(source).mapToObj(es.vocabulary()::get).toList();
            Charts.attention(samples.get(i)[0] + " (greedy)", pieces, output, attention,
                dir.resolve(String.format(Locale.ROOT, "attention-%02d.png", i + 1)));
        }
        System.out.println((history.epochs().isEmpty() ? "" : "training.png and ") + samples.size()
            + " attention heat maps written to " + dir);
    }

    /**
     * One verse decoded greedily step by step: the output pieces go into {@code output} (then
     * "<end>" when emitted), the attention of each step over the source pieces is returned.
     */
    private static double[][] greedyWithAttention(AttentionSeq2Seq s2s, int[] source, int start, int end, int max,
                                                  BytePairEncoding target, List<String> output) {
        INDArray[] states = s2s.encode(AttentionSeq2Seq.batchOf(source));
        INDArray token = Nd4j.scalar(DataType.FLOAT, start).reshape(1);
        List<double[]> rows = new ArrayList<>();
        for (int t = 0; t < max; t++) {
            AttentionSeq2Seq.Next out = s2s.next(token, states);
            int next = out.probabilities().argMax(1).getInt(0);
            rows.add(out.attention().reshape(source.length).toDoubleVector());
            if (next == end) {
                output.add("<end>");
                break;
            }
            output.add(next < start ? target.vocabulary().get(next) : "<start>");
            token = Nd4j.scalar(DataType.FLOAT, next).reshape(1);
            states = out.states();
        }
        return rows.toArray(double[][]::new);
    }

    private static void saveWeights(Model model, Path path) {
        try {
            model.saveWeights(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("BibleTranslation: cannot write the weights to " + path, e);
        }
    }

    private static void loadWeights(Model model, Path path) {
        try {
            model.loadWeights(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("BibleTranslation: cannot read the weights from " + path, e);
        }
    }

    /**
     * Batches of verses within 8 pieces of each other on both sides, padded to the longest
     * (the embeddings mask the padding): verses vary too much in length for batches of equal
     * lengths (2,000 verses made 643 batches of 3).
     */
    static long lengthBucket(org.seqml.data.Example e) {
        return e.x()[0].length() / 8 * 1000 + e.x()[1].length() / 8;
    }

    /**
     * Decoded texts: greedy (search null) or by beam search, at most {@code max} pieces (the
     * longest training target plus ten: longer outputs are a model that does not stop).
     */
    private static List<String> translate(AttentionSeq2Seq s2s, List<int[]> sources, BeamSearch search,
                                          BytePairEncoding target, int start, int end, int max) {
        List<int[]> out = search == null ? s2s.greedy(sources, start, end, max)
            : s2s.beam(sources, search, start, end, max);
        return out.stream().map(ids -> target.decode(java.util.Arrays.stream(ids).filter(i -> i < start).toArray()))
            .toList();
    }
}
