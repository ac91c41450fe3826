package org.seqml.decoding;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One step of an autoregressive decoder, as greedy and beam search drive it: from the last token of
 * each sequence in the batch and the decoder's states, the next token's probabilities and the new
 * states. Typically an inference model built from the trained layers (shared weights) that reads
 * one step: {@code Embedding -> LSTM(returnState, initialState) -> Dense(softmax)}.
 *
 * <pre>{@code
 * DecoderStep step = (tokens, states) -> {
 *     INDArray[] out = stepModel.predict(new INDArray[] {tokens.reshape(-1, 1), states[0], states[1]}, 64);
 *     return new DecoderStep.Result(out[0].reshape(out[0].size(0), -1), new INDArray[] {out[1], out[2]});
 * };
 * }</pre>
 */
@FunctionalInterface
public interface DecoderStep {

    /** The next-token probabilities (batch, vocabulary) and the states after the step. */
    record Result(INDArray probabilities, INDArray[] states) {
    }

    /** {@code tokens}: (batch) last token ids; {@code states}: one (batch, ...) array per state. */
    Result next(INDArray tokens, INDArray[] states);
}
