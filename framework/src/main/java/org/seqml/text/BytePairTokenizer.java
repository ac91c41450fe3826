package org.seqml.text;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.Shape;
import org.seqml.layers.Forward;
import org.seqml.layers.Layer;

/**
 * Subword tokenization as a layer, KerasNLP's {@code BytePairTokenizer(vocabulary, merges,
 * sequence_length)}: strings become the ids of their {@link BytePairEncoding} pieces, padded
 * with 0 at the end (or cut) to {@code sequenceLength}, or to the longest text of the call when
 * it is -1. Put it first in a model, as {@link TextVectorization}, and the model takes raw strings
 * ({@link org.seqml.models.Model#predict(List)}, {@code fit(List, ...)}, {@code evaluate(List,
 * ...)}) and a saved model keeps the merges and the vocabulary: the same pieces after loading.
 * Inside the graph it receives the ids (batch, pieces), checks they belong to the vocabulary and
 * passes them on; they feed an {@code Embedding(vocabularySize, ...).maskZero(true)}.
 *
 * <pre>{@code
 * BytePairTokenizer pieces = new BytePairTokenizer(BytePairEncoding.learn(texts, 4000, true))
 *     .sequenceLength(128);
 * Sequential model = new Sequential(pieces, new Embedding(pieces.vocabularySize(), 64).maskZero(true),
 *     new LSTM(32), new Dense(1).activation("sigmoid"));
 * model.compile("adam", "binary_crossentropy", "accuracy");
 * model.fit(texts, labels, FitOptions.of(32, 3));
 * String back = pieces.detokenize(pieces.tokenize("an unseen word"));
 * }</pre>
 *
 * <p>Immutable, so any thread may tokenize with it.
 */
public final class BytePairTokenizer extends Layer implements TextEntrance {

    /**
     * The merges and the vocabulary ({@link BytePairEncoding}'s), its text options, and the
     * padded length (-1: the longest text of each call), as a saved model holds them.
     */
    public record Config(List<String> vocabulary, List<String> merges, boolean lowercase, boolean splitPunctuation,
                         int sequenceLength) {
        public Config {
            if (sequenceLength <= 0 && sequenceLength != -1) {
                throw new IllegalArgumentException("BytePairTokenizer: sequenceLength must be positive, or -1 for the"
                    + " longest text of each call; got " + sequenceLength);
            }
            vocabulary = List.copyOf(vocabulary);
            merges = List.copyOf(merges);
        }
    }

    private final Config config;
    private final BytePairEncoding encoding;

    /** Pieces of this encoding, padded to the longest text of each call. */
    public BytePairTokenizer(BytePairEncoding encoding) {
        this(new Config(encoding.vocabulary(), encoding.merges(), encoding.lowercase(), encoding.splitPunctuation(),
            -1));
    }

    public BytePairTokenizer(Config config) {
        this.config = config;
        this.encoding = new BytePairEncoding(config.vocabulary(), config.merges(), config.lowercase(),
            config.splitPunctuation());
    }

    public Config config() {
        return config;
    }

    /** Padded (or cut) to this many pieces; -1: to the longest text of each call. */
    public BytePairTokenizer sequenceLength(int value) {
        return sameName(new BytePairTokenizer(new Config(config.vocabulary(), config.merges(), config.lowercase(),
            config.splitPunctuation(), value)));
    }

    public BytePairEncoding encoding() {
        return encoding;
    }

    /** Ids 0 (padding), 1 ([UNK]), then the characters and the merged pieces. */
    public int vocabularySize() {
        return encoding.vocabularySize();
    }

    /** The ids of one text's pieces, unpadded and uncut. */
    public int[] tokenize(String text) {
        return encoding.encode(text);
    }

    /** The text of these ids (padding skipped), KerasNLP's {@code detokenize}. */
    public String detokenize(int[] ids) {
        return encoding.decode(ids);
    }

    /** The ids of each text (batch, pieces), padded with 0 at the end (or cut) to sequenceLength or the longest. */
    @Override
    public INDArray apply(List<String> texts) {
        if (texts == null || texts.isEmpty()) {
            throw new IllegalArgumentException(describe() + ": no texts to tokenize (got " + (texts == null ? "null"
                : "an empty list") + "); pass at least one string.");
        }
        List<int[]> ids = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) == null) {
                throw new IllegalArgumentException(describe() + ": text " + i + " is null; pass \"\" for an empty one.");
            }
            ids.add(encoding.encode(texts.get(i)));
        }
        return PadSequences.pad(ids, config.sequenceLength(), PadSequences.Side.POST, PadSequences.Side.POST, 0);
    }

    // ---- in a model: the ids pass through -----------------------------------------------------

    @Override
    protected void checkInputShape(Shape shape) {
        requireRank(shape, 2, "(batch, pieces): the ids of texts", "Give the model strings through predict(List),"
            + " fit(List, ...) or evaluate(List, ...), or ids from BytePairTokenizer.apply(texts).");
        int length = config.sequenceLength();
        if (length != -1 && shape.isKnown(1) && shape.get(1) != length) {
            throw new IllegalArgumentException(describe() + ": its sequenceLength is " + length + " but the input has "
                + shape.get(1) + " ids per text (shape " + shape + "); use Input.of(" + length + ") or"
                + " Input.of(Shape.UNKNOWN), or change sequenceLength.");
        }
    }

    @Override
    public Shape outputShape(Shape inputShape) {
        int length = config.sequenceLength();
        return length == -1 ? inputShape : inputShape.with(1, length);
    }

    /** Checks that the ids belong to the vocabulary and passes them on in floatX. */
    @Override
    public Forward forward(INDArray[] inputs, INDArray[] masks, boolean training) {
        return single(inputs, masks, EntranceIds.checked(describe(), inputs[0], vocabularySize()), firstMask(masks),
            training);
    }

    /** Piece ids have no gradient. */
    @Override
    public INDArray[] backward(Forward forward, INDArray[] outputGradients) {
        return new INDArray[] {null};
    }
}
