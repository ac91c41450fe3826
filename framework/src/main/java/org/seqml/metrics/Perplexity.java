package org.seqml.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.seqml.losses.SparseCategoricalCrossentropy;

/**
 * The exponential of the mean cross-entropy per token, KerasNLP's {@code Perplexity}:
 * <pre>
 * perplexity = exp( sum(w * CE) / sum(w) )        CE of integer labels against yPred
 * </pre>
 * {@code maskTokenId} leaves out the tokens with that label (padding); an output mask does too.
 *
 * <pre>{@code
 * new Perplexity(true, 0)   // logits, token 0 is padding
 * }</pre>
 */
public final class Perplexity extends Metric {
    private final SparseCategoricalCrossentropy loss;
    private final Integer maskTokenId;
    private final Mean crossEntropy = new Mean("cross_entropy");

    public Perplexity(boolean fromLogits, Integer maskTokenId) {
        super("perplexity");
        this.loss = new SparseCategoricalCrossentropy().fromLogits(fromLogits);
        this.maskTokenId = maskTokenId;
    }

    @Override
    public void update(INDArray yTrue, INDArray yPred, INDArray sampleWeight, INDArray mask) {
        INDArray ce = loss.elementwise(yTrue, yPred);
        INDArray m = mask;
        if (maskTokenId != null) {
            INDArray keep = yTrue.reshape(ce.shape()).neq(maskTokenId).castTo(ce.dataType());
            m = m == null ? keep : keep.muli(m.castTo(ce.dataType()));
        }
        crossEntropy.addValues(ce, sampleWeight, m);
    }

    @Override
    public double result() {
        return Math.exp(crossEntropy.result());
    }

    @Override
    public void reset() {
        crossEntropy.reset();
    }
}
