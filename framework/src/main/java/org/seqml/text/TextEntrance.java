package org.seqml.text;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer that turns strings into the arrays a model reads ({@link TextVectorization},
 * {@link BytePairTokenizer}): first in a model, it lets {@code fit}, {@code evaluate} and
 * {@code predict} take raw texts. Java has no string tensors, so the strings become arrays at
 * the model's entrance, before the graph runs.
 */
public interface TextEntrance {
    /** One row per text: ids (batch, tokens) padded with 0, or bags of words (batch, vocabulary). */
    INDArray apply(List<String> texts);
}
