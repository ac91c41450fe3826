package org.seqml.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;
import org.seqml.backend.Backend;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;

/**
 * Turns strings into token ids or bags of words, Keras's {@code TextVectorization}:
 * <pre>
 * standardize:  lower_and_strip_punctuation (default) | lower | strip_punctuation | none
 * split:        whitespace (default) | character
 * ngrams:       n > 1 adds the 2- to n-grams (tokens joined by a space) after the tokens
 * vocabulary:   "int": 0 = "" (padding), 1 = "[UNK]"; other modes: 0 = "[UNK]"; then the tokens
 *               of the corpus given to adapt, most frequent first (ties in order of first
 *               appearance), up to maxTokens entries in all
 * outputMode:   INT (default): one id per token, padded with 0 (or cut) at the end to
 *               outputSequenceLength, or to the longest text of the call when none is set;
 *               MULTI_HOT: (batch, vocabulary) 1 where a token occurs; COUNT: how often;
 *               TF_IDF: count * idf, idf = log(1 + documents / (1 + documents with the token)),
 *               "[UNK]"'s idf the mean of the others' (as Keras); width maxTokens with
 *               padToMaxTokens
 * </pre>
 * A bag of words into {@code Dense(1).activation("sigmoid")} is a logistic regression.
 *
 * <p>It is a layer, as in Keras 3: put it first in a model and the model takes raw strings through
 * {@link org.seqml.models.Model#predict(List)}, {@code fit(List, ...)} and {@code evaluate(List,
 * ...)}, and a saved model keeps the options and the vocabulary. Java has no string tensors, so
 * the strings become ids at the model's entrance; inside the graph the layer receives those ids
 * (batch, tokens), checks that they belong to its vocabulary and passes them on (in floatX). The
 * ids feed an {@code Embedding(vocabularySize, ...).maskZero(true)}.
 *
 * <pre>{@code
 * TextVectorization vectorize = new TextVectorization().maxTokens(20_000).outputSequenceLength(200);
 * vectorize.adapt(trainingTexts);
 * Sequential model = new Sequential(vectorize, new Embedding(20_000, 64).maskZero(true),
 *     new LSTM(32), new Dense(1).activation("sigmoid"));
 * model.compile("adam", "binary_crossentropy", "accuracy");
 * model.fit(trainingTexts, labels, FitOptions.of(32, 3));
 * INDArray p = model.predict(List.of("Free entry in a weekly competition!"));
 * }</pre>
 *
 * <p>The options are immutable (each fluent option returns a new layer); the vocabulary is the
 * layer's state, set by {@link #adapt} or {@link #setVocabulary} and replaced whole, so a thread
 * that vectorizes while another adapts sees the old or the new vocabulary, never a mix.
 */
public final class TextVectorization extends Layer implements TextEntrance {

    /** Keras's punctuation set for strip_punctuation. */
    private static final Pattern PUNCTUATION = Pattern.compile("[!\"#$%&()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~']");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    public static final String PAD = "";
    public static final String OOV = "[UNK]";

    /** How texts are cleaned before splitting. */
    public enum Standardize { LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION, NONE }

    /** How a cleaned text becomes tokens. */
    public enum Split { WHITESPACE, CHARACTER }

    /** What the layer outputs: ids, or one bag-of-words row per text (Keras's output_mode). */
    public enum OutputMode { INT, MULTI_HOT, COUNT, TF_IDF }

    /**
     * The options and the vocabulary, as a saved model holds them. {@code maxTokens} and
     * {@code outputSequenceLength} are -1 when unset; a null vocabulary is the empty one ("",
     * "[UNK]"), kept in "int" mode's order whatever the mode ({@link #vocabulary()} shows the
     * mode's); {@code idfWeights} (TF_IDF only) has one weight per entry after "".
     */
    public record Config(Standardize standardize, Split split, int maxTokens, int outputSequenceLength,
                         List<String> vocabulary, OutputMode outputMode, int ngrams, boolean padToMaxTokens,
                         double[] idfWeights) {
        /** The "int" mode's options. */
        public Config(Standardize standardize, Split split, int maxTokens, int outputSequenceLength,
                      List<String> vocabulary) {
            this(standardize, split, maxTokens, outputSequenceLength, vocabulary, OutputMode.INT, 1, false, null);
        }

        public Config {
            outputMode = outputMode == null ? OutputMode.INT : outputMode;
            if (ngrams < 1) {
                throw new IllegalArgumentException("TextVectorization: ngrams must be at least 1 (1: tokens alone), got "
                    + ngrams);
            }
            if (outputMode != OutputMode.INT && outputSequenceLength != -1) {
                throw new IllegalArgumentException("TextVectorization: outputSequenceLength is for outputMode INT; "
                    + outputMode + " gives one row per text (as Keras refuses output_sequence_length there)");
            }
            if (padToMaxTokens && maxTokens == -1) {
                throw new IllegalArgumentException("TextVectorization: padToMaxTokens needs maxTokens");
            }
            if (standardize == null || split == null) {
                throw new IllegalArgumentException("TextVectorization: standardize and split must be set (NONE and"
                    + " WHITESPACE are the plain choices), got " + standardize + " and " + split);
            }
            int reserved = outputMode == OutputMode.INT ? 2 : 1;
            if (maxTokens != -1 && maxTokens < reserved + 1) {
                throw new IllegalArgumentException("TextVectorization: maxTokens must leave room for "
                    + (reserved == 2 ? "padding, " : "") + "[UNK] and a token (>= " + (reserved + 1) + "), or be -1"
                    + " for no limit; got " + maxTokens);
            }
            if (outputSequenceLength <= 0 && outputSequenceLength != -1) {
                throw new IllegalArgumentException("TextVectorization: outputSequenceLength must be positive, or -1 for"
                    + " the longest text of each call; got " + outputSequenceLength);
            }
            vocabulary = List.copyOf(vocabulary == null ? List.of(PAD, OOV) : vocabulary);
            if (maxTokens != -1 && vocabulary.size() - (2 - reserved) > maxTokens) {
                throw new IllegalArgumentException("TextVectorization: the vocabulary has " + vocabulary.size()
                    + " entries, more than maxTokens " + maxTokens + "; raise maxTokens or give fewer tokens");
            }
        }
    }

    /** An immutable vocabulary ("int" order), its index and its idf weights (TF_IDF), published whole. */
    private record Vocabulary(List<String> tokens, Map<String, Integer> index, double[] idf) {
        static Vocabulary of(List<String> tokens, double[] idf) {
            if (tokens.size() < 2 || !tokens.get(0).equals(PAD) || !tokens.get(1).equals(OOV)) {
                throw new IllegalArgumentException("TextVectorization: a vocabulary starts with \"\" (padding) and"
                    + " \"[UNK]\" (unknown), got " + tokens.subList(0, Math.min(2, tokens.size())));
            }
            if (idf != null && idf.length != tokens.size() - 1) {
                throw new IllegalArgumentException("TextVectorization: " + idf.length + " idf weights for "
                    + (tokens.size() - 1) + " entries ([UNK] and the tokens); give one each.");
            }
            Map<String, Integer> map = new HashMap<>();
            for (int i = 0; i < tokens.size(); i++) {
                if (map.putIfAbsent(tokens.get(i), i) != null) {
                    throw new IllegalArgumentException("TextVectorization: the vocabulary repeats '" + tokens.get(i)
                        + "' (ids " + map.get(tokens.get(i)) + " and " + i + ")");
                }
            }
            return new Vocabulary(List.copyOf(tokens), Map.copyOf(map), idf == null ? null : idf.clone());
        }
    }

    private final Config options;
    private volatile Vocabulary vocabulary;

    public TextVectorization() {
        this(new Config(Standardize.LOWER_AND_STRIP_PUNCTUATION, Split.WHITESPACE, -1, -1, null));
    }

    public TextVectorization(Config config) {
        this.options = config;
        this.vocabulary = Vocabulary.of(config.vocabulary(), config.idfWeights());
    }

    /** The options and the current vocabulary. */
    public Config config() {
        Vocabulary v = vocabulary;
        return new Config(options.standardize(), options.split(), options.maxTokens(),
            options.outputSequenceLength(), v.tokens(), options.outputMode(), options.ngrams(),
            options.padToMaxTokens(), v.idf());
    }

    /** INT (ids, the default), MULTI_HOT, COUNT or TF_IDF (Keras's output_mode). */
    public TextVectorization outputMode(OutputMode value) {
        return sameName(new TextVectorization(with(config(), "outputMode", value)));
    }

    /** Adds the 2- to n-grams after the tokens (Keras's ngrams); 1, the default, the tokens alone. */
    public TextVectorization ngrams(int n) {
        return sameName(new TextVectorization(with(config(), "ngrams", n)));
    }

    /** A bag of words maxTokens wide whatever the vocabulary's size (Keras's pad_to_max_tokens). */
    public TextVectorization padToMaxTokens(boolean value) {
        return sameName(new TextVectorization(with(config(), "padToMaxTokens", value)));
    }

    public TextVectorization standardize(Standardize value) {
        return sameName(new TextVectorization(with(config(), "standardize", value)));
    }

    public TextVectorization split(Split value) {
        return sameName(new TextVectorization(with(config(), "split", value)));
    }

    /** The vocabulary size at most, padding and [UNK] included (Keras's max_tokens). */
    public TextVectorization maxTokens(int value) {
        return sameName(new TextVectorization(with(config(), "maxTokens", value)));
    }

    /** Pads or cuts every output to this many ids (Keras's output_sequence_length). */
    public TextVectorization outputSequenceLength(int value) {
        return sameName(new TextVectorization(with(config(), "outputSequenceLength", value)));
    }

    // ---- the vocabulary ---------------------------------------------------------------------

    /** The tokens of one text, after standardizing and splitting. */
    public List<String> tokens(String text) {
        if (text == null) {
            throw new IllegalArgumentException(describe() + ": a text is null; pass \"\" for an empty text.");
        }
        String s = text;
        Standardize standardize = options.standardize();
        if (standardize == Standardize.LOWER || standardize == Standardize.LOWER_AND_STRIP_PUNCTUATION) {
            s = s.toLowerCase(Locale.ROOT);
        }
        if (standardize == Standardize.STRIP_PUNCTUATION || standardize == Standardize.LOWER_AND_STRIP_PUNCTUATION) {
            s = PUNCTUATION.matcher(s).replaceAll("");
        }
        List<String> out = new ArrayList<>();
        if (options.split() == Split.CHARACTER) {
            s.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
        } else {
            for (String t : WHITESPACE.split(s.strip())) {
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        int words = out.size();
        for (int n = 2; n <= options.ngrams(); n++) {   // as tf.strings.ngrams: the 2-grams, then the 3-grams, ...
            for (int i = 0; i + n <= words; i++) {
                out.add(String.join(" ", out.subList(i, i + n)));
            }
        }
        return out;
    }

    /** Builds the vocabulary (and, for TF_IDF, the idf weights) from a corpus (Keras's adapt); returns this layer. */
    public TextVectorization adapt(Iterable<String> corpus) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, Integer> documents = new HashMap<>();
        int texts = 0;
        for (String text : corpus) {
            List<String> tokens = tokens(text);
            for (String t : tokens) {
                counts.merge(t, 1, Integer::sum);
            }
            for (String t : new java.util.HashSet<>(tokens)) {
                documents.merge(t, 1, Integer::sum);
            }
            texts++;
        }
        counts.remove(PAD);
        counts.remove(OOV);
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.sort((a, b) -> Integer.compare(b.getValue(), a.getValue()));   // stable: ties keep first appearance
        List<String> vocab = new ArrayList<>(List.of(PAD, OOV));
        int limit = options.maxTokens() <= 0 ? Integer.MAX_VALUE
            : options.maxTokens() + (options.outputMode() == OutputMode.INT ? 0 : 1);   // "" is not counted there
        for (Map.Entry<String, Integer> e : entries) {
            if (vocab.size() >= limit) {
                break;
            }
            vocab.add(e.getKey());
        }
        double[] idf = null;
        if (options.outputMode() == OutputMode.TF_IDF) {
            idf = new double[vocab.size() - 1];
            double sum = 0;
            for (int i = 2; i < vocab.size(); i++) {
                idf[i - 1] = Math.log(1 + (double) texts / (1 + documents.get(vocab.get(i))));
                sum += idf[i - 1];
            }
            idf[0] = vocab.size() > 2 ? sum / (vocab.size() - 2) : 0;   // [UNK]: the mean, as Keras
        }
        this.vocabulary = Vocabulary.of(checkedSize(vocab), idf);
        return this;
    }

    /** The vocabulary in the mode's id order: "" and "[UNK]" first for INT, "[UNK]" first for the bags. */
    public List<String> vocabulary() {
        List<String> tokens = vocabulary.tokens();
        return options.outputMode() == OutputMode.INT ? tokens : tokens.subList(1, tokens.size());
    }

    /** The size of {@link #vocabulary()}: an Embedding's input size (INT), or a bag's width. */
    public int vocabularySize() {
        return vocabulary().size();
    }

    /** The idf weights of TF_IDF, one per entry of {@link #vocabulary()}; null in the other modes. */
    public double[] idfWeights() {
        double[] idf = vocabulary.idf();
        return idf == null ? null : idf.clone();
    }

    /**
     * Sets the vocabulary in the mode's order (INT: starting with "" and "[UNK]"; the bags: with
     * "[UNK]"); returns this layer. TF_IDF needs its idf weights too: {@link #setVocabulary(List, double[])}.
     */
    public TextVectorization setVocabulary(List<String> vocab) {
        if (options.outputMode() == OutputMode.TF_IDF) {
            throw new IllegalArgumentException(describe() + ": TF_IDF needs idf weights with the vocabulary:"
                + " setVocabulary(vocabulary, idfWeights), or adapt(texts).");
        }
        return setVocabulary(vocab, null);
    }

    /** Sets the vocabulary (the mode's order) and, for TF_IDF, one idf weight per entry; returns this layer. */
    public TextVectorization setVocabulary(List<String> vocab, double[] idfWeights) {
        List<String> tokens = vocab;
        if (options.outputMode() != OutputMode.INT) {
            tokens = new ArrayList<>(List.of(PAD));
            tokens.addAll(vocab);
        }
        if (options.outputMode() == OutputMode.TF_IDF && idfWeights == null) {
            throw new IllegalArgumentException(describe() + ": TF_IDF needs one idf weight per vocabulary entry.");
        }
        this.vocabulary = Vocabulary.of(checkedSize(tokens), options.outputMode() == OutputMode.TF_IDF ? idfWeights
            : null);
        return this;
    }

    /** The "int"-order tokens, refused when past maxTokens (the mode's count). */
    private List<String> checkedSize(List<String> tokens) {
        int size = tokens.size() - (options.outputMode() == OutputMode.INT ? 0 : 1);
        if (options.maxTokens() != -1 && size > options.maxTokens()) {
            throw new IllegalArgumentException(describe() + ": the vocabulary has " + size + " entries, more"
                + " than maxTokens " + options.maxTokens() + "; raise maxTokens or give fewer tokens.");
        }
        return tokens;
    }

    /** Writes the vocabulary, one token per line, in id order. */
    public void saveVocabulary(Path path) throws IOException {
        Files.write(path, vocabulary(), StandardCharsets.UTF_8);
    }

    /** Reads a vocabulary written by {@link #saveVocabulary}; returns this layer. */
    public TextVectorization loadVocabulary(Path path) throws IOException {
        return setVocabulary(Files.readAllLines(path, StandardCharsets.UTF_8));
    }

    // ---- strings to ids ---------------------------------------------------------------------

    /** The ids of one text (unknown tokens are 1), unpadded. */
    public int[] ids(String text) {
        return ids(text, vocabulary);
    }

    private int[] ids(String text, Vocabulary vocab) {
        return tokens(text).stream().mapToInt(t -> vocab.index().getOrDefault(t, 1)).toArray();
    }

    /** The ids of each text (batch, tokens), padded with 0 at the end (or cut) to outputSequenceLength or the longest. */
    @Override
    public INDArray apply(List<String> texts) {
        if (texts == null || texts.isEmpty()) {
            throw new IllegalArgumentException(describe() + ": no texts to vectorize (got " + (texts == null ? "null"
                : "an empty list") + "); pass at least one string.");
        }
        Vocabulary vocab = vocabulary;
        if (vocab.tokens().size() <= 2) {
            throw new IllegalArgumentException(describe() + " has no vocabulary yet, so every token would be [UNK]:"
                + " call adapt(texts) or setVocabulary(tokens) (or loadVocabulary(path)) first.");
        }
        List<int[]> ids = new ArrayList<>();
        for (String t : texts) {
            ids.add(ids(t, vocab));   // one vocabulary for the whole call, even while another thread adapts
        }
        if (options.outputMode() != OutputMode.INT) {
            return bags(ids, vocab);
        }
        return PadSequences.pad(ids, options.outputSequenceLength(), PadSequences.Side.POST, PadSequences.Side.POST, 0);
    }

    /** One row per text, column j for entry j of the mode's vocabulary ("int" id j + 1). */
    private INDArray bags(List<int[]> ids, Vocabulary vocab) {
        int width = width(vocab);
        float[] rows = new float[ids.size() * width];
        for (int r = 0; r < ids.size(); r++) {
            for (int id : ids.get(r)) {
                int at = r * width + id - 1;
                rows[at] = options.outputMode() == OutputMode.MULTI_HOT ? 1 : rows[at] + 1;
            }
            if (options.outputMode() == OutputMode.TF_IDF) {
                double[] idf = vocab.idf();
                for (int j = 0; j < idf.length; j++) {
                    rows[r * width + j] *= (float) idf[j];
                }
            }
        }
        return org.nd4j.linalg.factory.Nd4j.createFromArray(rows).reshape('c', ids.size(), width)
            .castTo(Backend.floatX());
    }

    /** A bag's width: maxTokens with padToMaxTokens, else the vocabulary's ("[UNK]" and the tokens). */
    private int width(Vocabulary vocab) {
        return options.padToMaxTokens() ? options.maxTokens() : vocab.tokens().size() - 1;
    }

    // ---- in a model: the ids pass through -----------------------------------------------------

    @Override
    protected void checkInputShape(Shape shape) {
        if (options.outputMode() != OutputMode.INT) {
            requireRank(shape, 2, "(batch, " + width(vocabulary) + "): bags of words", "Give the model strings"
                + " through predict(List), fit(List, ...) or evaluate(List, ...), with Input.of("
                + width(vocabulary) + ") (the vocabulary's size) first.");
            if (shape.isKnown(1) && shape.get(1) != width(vocabulary)) {
                throw new IllegalArgumentException(describe() + ": its bags are " + width(vocabulary) + " wide (its"
                    + " vocabulary) but the input has " + shape.get(1) + " (shape " + shape + "); adapt first, then"
                    + " build the model on Input.of(vectorize.vocabularySize()).");
            }
            return;
        }
        requireRank(shape, 2, "(batch, tokens): the ids of texts", "Give the model strings through predict(List),"
            + " fit(List, ...) or evaluate(List, ...), or ids from TextVectorization.apply(texts).");
        int length = options.outputSequenceLength();
        if (length != -1 && shape.isKnown(1) && shape.get(1) != length) {
            throw new IllegalArgumentException(describe() + ": its outputSequenceLength is " + length + " but the input"
                + " has " + shape.get(1) + " ids per text (shape " + shape + "); use Input.of(" + length + ") or"
                + " Input.of(Shape.UNKNOWN), or change outputSequenceLength.");
        }
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        if (options.outputMode() != OutputMode.INT) {
            return inputShape;
        }
        int length = options.outputSequenceLength();
        return length == -1 ? inputShape : inputShape.with(1, length);
    }

    /** Checks that the ids belong to the vocabulary and passes them on in floatX, as a model's outputs are. */
    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray ids = inputs[0];
        if (options.outputMode() != OutputMode.INT) {   // bags made at the entrance (apply) pass on
            INDArray bags = ids.dataType() == Backend.floatX() ? ids : ids.castTo(Backend.floatX());
            return single(inputs, masks, bags, null, training);
        }
        return single(inputs, masks, EntranceIds.checked(describe(), ids, vocabularySize()), firstMask(masks),
            training);
    }

    /** Token ids have no gradient. */
    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        return new INDArray[] {null};
    }
}
