package org.seqml.training;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient of a batch's loss (or of a shard's part of it) with respect to every weight of the
 * model, flat in the order of {@code model.graph().parameters()} (the order of
 * {@code Model.getFlatWeights}; frozen weights have zeros), computed without changing the weights:
 * {@code Model.computeGradients}, then {@code Model.applyGradients}.
 *
 * @param gradient float32 (n,) with n the model's parameter count
 * @param loss the loss this batch adds: {@code sum_k lossWeight_k loss_k} plus activity penalties,
 *     each divided by the denominators the gradient was computed with (weight penalties apart:
 *     {@code applyGradients} returns them)
 * @param outputLosses each output's loss (unweighted), divided as {@code loss}
 * @param denominators this batch's own denominators (to add up over shards)
 */
public record Gradients(INDArray gradient, double loss, double[] outputLosses, LossDenominators denominators) {
    public Gradients {
        if (gradient == null || gradient.rank() != 1) {
            throw new IllegalArgumentException("Gradients: a flat (n,) gradient, got "
                + (gradient == null ? "null" : java.util.Arrays.toString(gradient.shape())) + ".");
        }
        outputLosses = outputLosses.clone();
    }

    @Override
    public double[] outputLosses() {
        return outputLosses.clone();
    }

    /** Two shards' gradients of one batch together (the same denominators): their sum. */
    public Gradients plus(Gradients other) {
        if (other.gradient.length() != gradient.length()) {
            throw new IllegalArgumentException("Gradients: " + gradient.length() + " weights against "
                + other.gradient.length() + ": shards of different models?");
        }
        double[] sum = outputLosses.clone();
        for (int k = 0; k < sum.length; k++) {
            sum[k] += other.outputLosses[k];
        }
        return new Gradients(gradient.add(other.gradient), loss + other.loss, sum, denominators.plus(other.denominators));
    }
}
