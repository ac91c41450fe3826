package org.seqml.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

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
 * The ids feed an {@code Embedding(vocabularySize, ...).maskZero(true)} directly.
 *
 * <pre>{@code
 * TextVectorization vectorize = new TextVectorization().maxTokens(20_000).outputSequenceLength(200);
 * vectorize.adapt(trainingTexts);
 * INDArray ids = vectorize.apply(List.of("Free entry in a weekly competition!"));
 * vectorize.saveVocabulary(Path.of("vocab.txt"));
 * }</pre>
 */
public final class TextVectorization {
    static {
        org.seqml.backend.Backend.init();   // CPU tuning before ND4J loads its natives, whichever class comes first
    }

    /** Keras's punctuation set for strip_punctuation. */
    private static final Pattern PUNCTUATION = Pattern.compile("[!\"#$%&()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~']");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    public static final String PAD = "";
    public static final String OOV = "[UNK]";

    /** How texts are cleaned before splitting. */
    public enum Standardize { LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION, NONE }

    /** How a cleaned text becomes tokens. */
    public enum Split { WHITESPACE, CHARACTER }

    private Standardize standardize = Standardize.LOWER_AND_STRIP_PUNCTUATION;
    private Split split = Split.WHITESPACE;
    private int maxTokens = -1;
    private int outputSequenceLength = -1;
    private List<String> vocabulary = List.of(PAD, OOV);
    private Map<String, Integer> index = Map.of(PAD, 0, OOV, 1);

    public TextVectorization standardize(Standardize value) {
        this.standardize = value;
        return this;
    }

    public TextVectorization split(Split value) {
        this.split = value;
        return this;
    }

    /** The vocabulary size at most, padding and [UNK] included (Keras's max_tokens). */
    public TextVectorization maxTokens(int value) {
        if (value < 3) {
            throw new IllegalArgumentException("TextVectorization: maxTokens must leave room for padding, [UNK] and a"
                + " token (>= 3), got " + value);
        }
        this.maxTokens = value;
        return this;
    }

    /** Pads or cuts every output to this many ids. */
    public TextVectorization outputSequenceLength(int value) {
        if (value <= 0 && value != -1) {
            throw new IllegalArgumentException("TextVectorization: outputSequenceLength must be positive, or -1 for the"
                + " longest text of each call; got " + value);
        }
        this.outputSequenceLength = value;
        return this;
    }

    /** The tokens of one text, after standardizing and splitting. */
    public List<String> tokens(String text) {
        String s = text;
        if (standardize == Standardize.LOWER || standardize == Standardize.LOWER_AND_STRIP_PUNCTUATION) {
            s = s.toLowerCase(Locale.ROOT);
        }
        if (standardize == Standardize.STRIP_PUNCTUATION || standardize == Standardize.LOWER_AND_STRIP_PUNCTUATION) {
            s = PUNCTUATION.matcher(s).replaceAll("");
        }
        List<String> out = new ArrayList<>();
        if (split == Split.CHARACTER) {
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

    /** Builds the vocabulary from a corpus (Keras's adapt). */
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
            if (maxTokens > 0 && vocab.size() >= maxTokens) {
                break;
            }
            vocab.add(e.getKey());
        }
        setVocabulary(vocab);
        return this;
    }

    /** The vocabulary, id order: "" and "[UNK]" first. */
    public List<String> vocabulary() {
        return vocabulary;
    }

    public int vocabularySize() {
        return vocabulary.size();
    }

    /** Sets the vocabulary (it must start with "" and "[UNK]"). */
    public TextVectorization setVocabulary(List<String> vocab) {
        if (vocab.size() < 2 || !vocab.get(0).equals(PAD) || !vocab.get(1).equals(OOV)) {
            throw new IllegalArgumentException("TextVectorization: a vocabulary starts with \"\" (padding) and \"[UNK]\"");
        }
        Map<String, Integer> map = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) {
            if (map.putIfAbsent(vocab.get(i), i) != null) {
                throw new IllegalArgumentException("TextVectorization: the vocabulary repeats '" + vocab.get(i) + "'");
            }
        }
        this.vocabulary = Collections.unmodifiableList(new ArrayList<>(vocab));
        this.index = map;
        return this;
    }

    /** The ids of one text (unknown tokens are 1), unpadded. */
    public int[] ids(String text) {
        return tokens(text).stream().mapToInt(t -> index.getOrDefault(t, 1)).toArray();
    }

    /** The ids of each text, padded with 0 at the end (or cut) to outputSequenceLength or the longest. */
    public INDArray apply(List<String> texts) {
        if (vocabulary.size() <= 2) {
            throw new IllegalArgumentException("TextVectorization has no vocabulary yet, so every token would be [UNK]:"
                + " call adapt(texts) or setVocabulary(tokens) (or loadVocabulary(path)) first.");
        }
        List<int[]> ids = new ArrayList<>();
        for (String t : texts) {
            ids.add(ids(t));
        }
        return PadSequences.pad(ids, outputSequenceLength, PadSequences.Side.POST, PadSequences.Side.POST, 0);
    }

    /** Writes the vocabulary, one token per line, in id order. */
    public void saveVocabulary(Path path) throws IOException {
        Files.write(path, vocabulary, StandardCharsets.UTF_8);
    }

    /** Reads a vocabulary written by {@link #saveVocabulary}. */
    public TextVectorization loadVocabulary(Path path) throws IOException {
        return setVocabulary(Files.readAllLines(path, StandardCharsets.UTF_8));
    }
}
