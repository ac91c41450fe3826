package org.seqml.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.LongToIntFunction;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Batches from a stream of examples of any length: an optional shuffle buffer, then batches
 * padded to their own longest sequence (with {@code padValue}, 0 by default, which an Embedding
 * with maskZero or a Masking layer turns into the mask), either in arrival order or bucketed by
 * length so each batch wastes little padding.
 * <pre>
 * paddedBatch(n):                   every n examples, padded to the longest of them
 * bucketByLength(bounds, sizes):    examples of length <= bounds[i] (and > bounds[i-1]) gather in
 *                                   bucket i until it holds sizes[i]; the last bucket takes the rest
 * groupByWindow(key, n):            examples with equal key(e) gather until there are n of them
 * </pre>
 *
 * <pre>{@code
 * Dataset.fromExamples(() -> reader.examples()).shuffle(10_000).bucketByLength(new int[] {8, 16}, new int[] {64, 32, 16})
 * }</pre>
 */
public final class StreamDataset extends Dataset {
    private final Supplier<Iterator<Example>> source;
    private final int count;                      // an indexed source's size, else 0
    private final IntFunction<Example> indexed;   // an indexed source's examples, else null
    private int shuffleBuffer;
    private int batchSize = 32;
    private int[] boundaries;
    private int[] bucketSizes;
    private double padValue;
    private ToLongFunction<Example> groupKey;

    StreamDataset(Supplier<Iterator<Example>> source, int count, IntFunction<Example> indexed) {
        this.source = source;
        this.count = count;
        this.indexed = indexed;
    }

    /** Shuffles within a window of {@code buffer} examples (the whole stream when it fits). */
    public StreamDataset shuffle(int buffer) {
        this.shuffleBuffer = buffer;
        return this;
    }

    public StreamDataset paddedBatch(int size) {
        this.batchSize = size;
        this.boundaries = null;
        this.groupKey = null;
        return this;
    }

    public StreamDataset bucketByLength(int[] lengthBoundaries, int[] batchSizes) {
        if (batchSizes.length != lengthBoundaries.length + 1) {
            throw new IllegalArgumentException("bucketByLength: need one more batch size than boundaries, got "
                + batchSizes.length + " sizes for " + lengthBoundaries.length + " boundaries");
        }
        this.boundaries = lengthBoundaries.clone();
        this.bucketSizes = batchSizes.clone();
        this.groupKey = null;
        return this;
    }

    /**
     * Batches of examples with equal keys, tf.data's {@code group_by_window}: each key gathers its
     * examples until it holds {@code windowSize}, and what is left at the end of the epoch comes
     * out in smaller batches. Keyed by every sequence's length, no batch needs padding, so no step
     * is masked (and the recurrent layers take their fast path).
     */
    public StreamDataset groupByWindow(ToLongFunction<Example> key, int windowSize) {
        if (windowSize < 1) {
            throw new IllegalArgumentException("groupByWindow: windowSize must be >= 1, got " + windowSize);
        }
        this.groupKey = key;
        this.batchSize = windowSize;
        this.boundaries = null;
        return this;
    }

    public StreamDataset padValue(double value) {
        this.padValue = value;
        return this;
    }

    @Override
    public Iterator<Batch> batches(long epochSeed) {
        Iterator<Example> examples;
        if (indexed != null && shuffleBuffer >= count) {
            examples = permuted(new SplittableRandom(epochSeed));
        } else {
            examples = shuffleBuffer > 1 ? shuffled(source.get(), new SplittableRandom(epochSeed)) : source.get();
        }
        if (groupKey != null) {
            return grouped(examples, groupKey, key -> batchSize);
        }
        return boundaries == null ? inOrder(examples)
            : grouped(examples, e -> bucketOf(e.length()), bucket -> bucketSizes[(int) bucket]);
    }

    private Iterator<Batch> inOrder(Iterator<Example> examples) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return examples.hasNext();
            }

            @Override
            public Batch next() {
                List<Example> group = new ArrayList<>();
                while (examples.hasNext() && group.size() < batchSize) {
                    group.add(examples.next());
                }
                if (group.isEmpty()) {
                    throw new NoSuchElementException();
                }
                return pad(group);
            }
        };
    }

    /** Examples gathered by key; a key's group is batched when it reaches its size. */
    private Iterator<Batch> grouped(Iterator<Example> examples, ToLongFunction<Example> keyOf, LongToIntFunction sizeOf) {
        Map<Long, List<Example>> groups = new LinkedHashMap<>();   // insertion order: the same batches every run
        return new Iterator<>() {
            private Batch ready;

            @Override
            public boolean hasNext() {
                if (ready != null) {
                    return true;
                }
                while (examples.hasNext()) {
                    Example e = examples.next();
                    long key = keyOf.applyAsLong(e);
                    List<Example> group = groups.computeIfAbsent(key, k -> new ArrayList<>());
                    group.add(e);
                    if (group.size() == sizeOf.applyAsInt(key)) {
                        ready = pad(group);
                        groups.remove(key);
                        return true;
                    }
                }
                Iterator<List<Example>> rest = groups.values().iterator();
                if (rest.hasNext()) {
                    ready = pad(rest.next());
                    rest.remove();
                    return true;
                }
                return false;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Batch b = ready;
                ready = null;
                return b;
            }
        };
    }

    private int bucketOf(long length) {
        for (int i = 0; i < boundaries.length; i++) {
            if (length <= boundaries[i]) {
                return i;
            }
        }
        return boundaries.length;
    }

    /** A window of {@code shuffleBuffer} examples; each step emits a random one and refills. */
    /** An indexed source's examples in a random order (Fisher-Yates over the indices). */
    private Iterator<Example> permuted(SplittableRandom random) {
        int[] order = IntStream.range(0, count).toArray();
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return IntStream.of(order).mapToObj(indexed).iterator();
    }

    private Iterator<Example> shuffled(Iterator<Example> in, SplittableRandom random) {
        List<Example> window = new ArrayList<>();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                while (window.size() < shuffleBuffer && in.hasNext()) {
                    window.add(in.next());
                }
                return !window.isEmpty();
            }

            @Override
            public Example next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int i = random.nextInt(window.size());
                Example e = window.get(i);
                window.set(i, window.get(window.size() - 1));
                window.remove(window.size() - 1);
                return e;
            }
        };
    }

    /** Stacks the examples, padding each input and label along its first axis to the group's longest. */
    private Batch pad(List<Example> group) {
        Example first = group.get(0);
        INDArray[] x = new INDArray[first.x().length];
        INDArray[] y = new INDArray[first.y().length];
        for (int i = 0; i < x.length; i++) {
            final int k = i;
            x[i] = stack(group.stream().map(e -> e.x()[k]).toList());
        }
        for (int i = 0; i < y.length; i++) {
            final int k = i;
            y[i] = stack(group.stream().map(e -> e.y()[k]).toList());
        }
        return new Batch(x, y, null);
    }

    private INDArray stack(List<INDArray> items) {
        INDArray first = items.get(0);
        if (first.rank() == 0) {
            return Nd4j.create(items.stream().mapToDouble(INDArray::getDouble).toArray()).castTo(first.dataType());
        }
        long longest = items.stream().mapToLong(a -> a.size(0)).max().orElse(0);
        long[] shape = new long[first.rank() + 1];
        shape[0] = items.size();
        shape[1] = longest;
        System.arraycopy(first.shape(), 1, shape, 2, first.rank() - 1);
        INDArray out = Nd4j.valueArrayOf(shape, padValue, first.dataType());
        for (int b = 0; b < items.size(); b++) {
            INDArray item = items.get(b);
            INDArrayIndex[] index = new INDArrayIndex[shape.length];
            index[0] = NDArrayIndex.point(b);
            index[1] = NDArrayIndex.interval(0, item.size(0));
            Arrays.fill(index, 2, index.length, NDArrayIndex.all());
            out.get(index).assign(item);
        }
        return out;
    }
}
