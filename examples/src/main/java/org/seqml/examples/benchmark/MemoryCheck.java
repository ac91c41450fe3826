package org.seqml.examples.benchmark;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
import org.seqml.backend.NativeMemory;
import org.seqml.callbacks.LambdaCallback;
import org.seqml.layers.Dense;
import org.seqml.layers.Embedding;
import org.seqml.layers.recurrent.LSTM;
import org.seqml.models.Input;
import org.seqml.models.Model;
import org.seqml.models.SymbolicTensor;
import org.seqml.training.FitOptions;

/**
 * Does memory grow across epochs? Trains W1's model (on a 1000-token vocabulary) for many epochs
 * and prints after each the process's resident memory and the Java heap in use, then the same after
 * a collection and a trim of the allocator's free pages: what is still held then (ND4J's and
 * oneDNN's live buffers, the JVM's code and the live heap) must stay flat, while the first figure
 * also counts garbage that waits for the collector (bounded by {@code NativeMemory}'s allowance).
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.benchmark.MemoryCheck -Dexec.args=50
 * </pre>
 * A measurement, not a test: it takes about a minute and a half.
 */
public final class MemoryCheck {

    /** Memory after an epoch, in MB: as training left it, and after a collection and trim. */
    public record Reading(int epoch, double residentMb, double heapUsedMb, double liveResidentMb,
                          double liveHeapMb, double jvmNonHeapMb) {
        /**
         * Resident memory outside the live heap and the JVM's own non-heap (compiled code,
         * class metadata), after the collection: ND4J's and oneDNN's native buffers.
         */
        public double nativeMb() {
            return liveResidentMb - liveHeapMb - jvmNonHeapMb;
        }
    }

    private MemoryCheck() {
    }

    public static void main(String[] args) {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 50);
    }

    private static void collectAndTrim() {
        System.gc();
        try {
            Thread.sleep(200);   // ND4J frees the collected buffers on its own threads
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        NativeMemory.trim();
    }

    public static List<Reading> run(int epochs) {
        RandomSeed.set(1);
        SymbolicTensor tokens = Input.of(200);
        SymbolicTensor h = new LSTM(128).apply(new Embedding(1000, 128).apply(tokens));
        Model model = new Model(tokens, new Dense(1).activation("sigmoid").apply(h));
        model.compile("adam", "binary_crossentropy");
        INDArray x = org.nd4j.linalg.ops.transforms.Transforms.floor(Nd4j.rand(DataType.FLOAT, 256, 200).muli(999), false);
        INDArray y = Nd4j.rand(DataType.FLOAT, 256, 1).gt(0.5).castTo(DataType.FLOAT);
        List<Reading> readings = new ArrayList<>();
        model.fit(x, y, new FitOptions().epochs(epochs).batchSize(64).verbose(0).callbacks(
            new LambdaCallback().onEpochEnd((epoch, logs) -> {
                Runtime rt = Runtime.getRuntime();
                double resident = NativeMemory.residentBytes() / 1e6;
                double heap = (rt.totalMemory() - rt.freeMemory()) / 1e6;
                collectAndTrim();
                Reading r = new Reading(epoch + 1, resident, heap, NativeMemory.residentBytes() / 1e6,
                    (rt.totalMemory() - rt.freeMemory()) / 1e6,
                    ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted() / 1e6);
                readings.add(r);
                System.out.printf("epoch %d: resident %.0f MB (heap in use %.0f MB); after a collection: resident %.0f"
                        + " MB = live heap %.0f + JVM non-heap %.0f + native %.0f MB%n", r.epoch(), r.residentMb(),
                    r.heapUsedMb(), r.liveResidentMb(), r.liveHeapMb(), r.jvmNonHeapMb(), r.nativeMb());
            })));
        return readings;
    }
}
