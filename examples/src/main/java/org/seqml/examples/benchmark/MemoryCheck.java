package org.seqml.examples.benchmark;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.seqml.RandomSeed;
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
 * and prints after each the process's resident memory, the Java heap (committed and used) and the
 * off-heap remainder (resident minus committed heap: ND4J's and oneDNN's native buffers, the
 * JVM's own code and metadata).
 *
 * <pre>
 * mvn -q -pl examples -am compile exec:java -Dexec.mainClass=org.seqml.examples.benchmark.MemoryCheck -Dexec.args=50
 * </pre>
 * A measurement, not a test: it takes about a minute and a half.
 */
public final class MemoryCheck {

    /** Memory after an epoch, in MB. */
    public record Reading(int epoch, double residentMb, double heapCommittedMb, double heapUsedMb) {
        /** Resident memory outside the Java heap. */
        public double offHeapMb() {
            return residentMb - heapCommittedMb;
        }
    }

    private MemoryCheck() {
    }

    public static void main(String[] args) {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 50);
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
                Reading r = new Reading(epoch + 1, Pointer.physicalBytes() / 1e6, rt.totalMemory() / 1e6,
                    (rt.totalMemory() - rt.freeMemory()) / 1e6);
                readings.add(r);
                System.out.printf("epoch %d: resident %.0f MB, off-heap %.0f MB, heap %.0f MB committed, %.0f MB used%n",
                    r.epoch(), r.residentMb(), r.offHeapMb(), r.heapCommittedMb(), r.heapUsedMb());
            })));
        return readings;
    }
}
