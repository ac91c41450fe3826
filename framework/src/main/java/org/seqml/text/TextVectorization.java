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
 * Turns strings into sequences of token ids, Keras's {@code TextVectorization} in "int" mode:
 * <pre>
 * standardize:  lower_and_strip_punctuation (default) | lower | strip_punctuation | none
 * split:        whitespace (default) | character
 * vocabulary:   0 = "" (padding), 1 = "[UNK]" (out of vocabulary), then the tokens of the corpus
 *               given to adapt, most frequent first (ties in order of first appearance), up to
 *               maxTokens entries in all
 * output:       one id per token, padded with 0 (or cut) at the end to outputSequenceLength, or to
 *               the longest text of the call when none is set
 * </pre>
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
public final class TextVectorization extends Layer {

    /** Keras's punctuation set for strip_punctuation. */
    private static final Pattern PUNCTUATION = Pattern.compile("[!\"#$%&()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~']");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    public static final String PAD = "";
    public static final String OOV = "[UNK]";

    /** How texts are cleaned before splitting. */
    public enum Standardize { LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION, NONE }

    /** How a cleaned text becomes tokens. */
    public enum Split { WHITESPACE, CHARACTER }

    /**
     * The options and the vocabulary, as a saved model holds them. {@code maxTokens} and
     * {@code outputSequenceLength} are -1 when unset; a null vocabulary is the empty one ("", "[UNK]").
     */
    public record Config(Standardize standardize, Split split, int maxTokens, int outputSequenceLength,
                         List<String> vocabulary) {
        public Config {
            if (standardize == null || split == null) {
                throw new IllegalArgumentException("TextVectorization: standardize and split must be set (NONE and"
                    + " WHITESPACE are the plain choices), got " + standardize + " and " + split);
            }
            if (maxTokens != -1 && maxTokens < 3) {
                throw new IllegalArgumentException("TextVectorization: maxTokens must leave room for padding, [UNK] and"
                    + " a token (>= 3), or be -1 for no limit; got " + maxTokens);
            }
            if (outputSequenceLength <= 0 && outputSequenceLength != -1) {
                throw new IllegalArgumentException("TextVectorization: outputSequenceLength must be positive, or -1 for"
                    + " the longest text of each call; got " + outputSequenceLength);
            }
            vocabulary = List.copyOf(vocabulary == null ? List.of(PAD, OOV) : vocabulary);
            if (maxTokens != -1 && vocabulary.size() > maxTokens) {
                throw new IllegalArgumentException("TextVectorization: the vocabulary has " + vocabulary.size()
                    + " entries, more than maxTokens " + maxTokens + "; raise maxTokens or give fewer tokens");
            }
        }
    }

    /** An immutable vocabulary and its index, published whole. */
    private record Vocabulary(List<String> tokens, Map<String, Integer> index) {
        static Vocabulary of(List<String> tokens) {
            if (tokens.size() < 2 || !tokens.get(0).equals(PAD) || !tokens.get(1).equals(OOV)) {
                throw new IllegalArgumentException("TextVectorization: a vocabulary starts with \"\" (padding) and"
                    + " \"[UNK]\" (unknown), got " + tokens.subList(0, Math.min(2, tokens.size())));
            }
            Map<String, Integer> map = new HashMap<>();
            for (int i = 0; i < tokens.size(); i++) {
                if (map.putIfAbsent(tokens.get(i), i) != null) {
                    throw new IllegalArgumentException("TextVectorization: the vocabulary repeats '" + tokens.get(i)
                        + "' (ids " + map.get(tokens.get(i)) + " and " + i + ")");
                }
            }
            return new Vocabulary(List.copyOf(tokens), Map.copyOf(map));
        }
    }

    private final Config options;
    private volatile Vocabulary vocabulary;

    public TextVectorization() {
        this(new Config(Standardize.LOWER_AND_STRIP_PUNCTUATION, Split.WHITESPACE, -1, -1, null));
    }

    public TextVectorization(Config config) {
        this.options = config;
        this.vocabulary = Vocabulary.of(config.vocabulary());
    }

    /** The options and the current vocabulary. */
    public Config config() {
        return new Config(options.standardize(), options.split(), options.maxTokens(),
            options.outputSequenceLength(), vocabulary.tokens());
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
        return out;
    }

    /** Builds the vocabulary from a corpus (Keras's adapt); returns this layer. */
    public TextVectorization adapt(Iterable<String> corpus) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String text : corpus) {
            for (String t : tokens(text)) {
                counts.merge(t, 1, Integer::sum);
            }
        }
        counts.remove(PAD);
        counts.remove(OOV);
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.sort((a, b) -> Integer.compare(b.getValue(), a.getValue()));   // stable: ties keep first appearance
        List<String> vocab = new ArrayList<>(List.of(PAD, OOV));
        for (Map.Entry<String, Integer> e : entries) {
            if (options.maxTokens() > 0 && vocab.size() >= options.maxTokens()) {
                break;
            }
            vocab.add(e.getKey());
        }
        return setVocabulary(vocab);
    }

    /** The vocabulary, id order: "" and "[UNK]" first. */
    public List<String> vocabulary() {
        return vocabulary.tokens();
    }

    public int vocabularySize() {
        return vocabulary.tokens().size();
    }

    /** Sets the vocabulary (it must start with "" and "[UNK]"); returns this layer. */
    public TextVectorization setVocabulary(List<String> vocab) {
        if (options.maxTokens() != -1 && vocab.size() > options.maxTokens()) {
            throw new IllegalArgumentException(describe() + ": the vocabulary has " + vocab.size() + " entries, more"
                + " than maxTokens " + options.maxTokens() + "; raise maxTokens or give fewer tokens.");
        }
        this.vocabulary = Vocabulary.of(vocab);
        return this;
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
        return PadSequences.pad(ids, options.outputSequenceLength(), PadSequences.Side.POST, PadSequences.Side.POST, 0);
    }

    // ---- in a model: the ids pass through -----------------------------------------------------

    @Override
    protected void checkInputShape(Shape shape) {
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
        int length = options.outputSequenceLength();
        return length == -1 ? inputShape : inputShape.with(1, length);
    }

    /** Checks that the ids belong to the vocabulary and passes them on in floatX, as a model's outputs are. */
    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        INDArray ids = inputs[0];
        if (!ids.isEmpty()) {
            double min = ids.minNumber().doubleValue();
            double max = ids.maxNumber().doubleValue();
            int size = vocabularySize();
            if (min < 0 || max >= size || Double.isNaN(min) || Double.isNaN(max)) {
                throw new IllegalArgumentException(describe() + ": its vocabulary has ids [0, " + size + ") but the"
                    + " input holds ids in [" + min + ", " + max + "]. Feed strings through the model's text entry points,"
                    + " or ids that this layer's apply(texts) made.");
            }
        }
        INDArray out = ids.dataType() == Backend.floatX() ? ids : ids.castTo(Backend.floatX());
        return single(inputs, masks, out, firstMask(masks), training);
    }

    /** Token ids have no gradient. */
    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        return new INDArray[] {null};
    }
}
