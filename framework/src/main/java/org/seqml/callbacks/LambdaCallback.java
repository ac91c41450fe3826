package org.seqml.callbacks;

import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A callback made of lambdas, Keras's {@code LambdaCallback}: give only the hooks you need.
 *
 * <pre>{@code
 * new LambdaCallback().onEpochEnd((epoch, logs) -> System.out.println(epoch + " " + logs.get("loss")))
 * }</pre>
 */
public final class LambdaCallback extends Callback {
    private BiConsumer<Integer, Map<String, Double>> epochBegin = (e, l) -> { };
    private BiConsumer<Integer, Map<String, Double>> epochEnd = (e, l) -> { };
    private BiConsumer<Integer, Map<String, Double>> batchBegin = (b, l) -> { };
    private BiConsumer<Integer, Map<String, Double>> batchEnd = (b, l) -> { };
    private Consumer<Map<String, Double>> trainBegin = l -> { };
    private Consumer<Map<String, Double>> trainEnd = l -> { };

    public LambdaCallback onEpochBegin(BiConsumer<Integer, Map<String, Double>> hook) {
        this.epochBegin = hook;
        return this;
    }

    public LambdaCallback onEpochEnd(BiConsumer<Integer, Map<String, Double>> hook) {
        this.epochEnd = hook;
        return this;
    }

    public LambdaCallback onBatchBegin(BiConsumer<Integer, Map<String, Double>> hook) {
        this.batchBegin = hook;
        return this;
    }

    public LambdaCallback onBatchEnd(BiConsumer<Integer, Map<String, Double>> hook) {
        this.batchEnd = hook;
        return this;
    }

    public LambdaCallback onTrainBegin(Consumer<Map<String, Double>> hook) {
        this.trainBegin = hook;
        return this;
    }

    public LambdaCallback onTrainEnd(Consumer<Map<String, Double>> hook) {
        this.trainEnd = hook;
        return this;
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        epochBegin.accept(epoch, logs);
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        epochEnd.accept(epoch, logs);
    }

    @Override
    public void onTrainBatchBegin(int batch, Map<String, Double> logs) {
        batchBegin.accept(batch, logs);
    }

    @Override
    public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
        batchEnd.accept(batch, logs);
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        trainBegin.accept(logs);
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        trainEnd.accept(logs);
    }
}
