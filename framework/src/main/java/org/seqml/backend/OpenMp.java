package org.seqml.backend;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread count of the OpenMP runtime that ND4J and oneDNN share (one {@code libgomp}, loaded
 * with ND4J's natives). seqml runs ND4J's many small ops on one thread ({@link CpuTuning}), but
 * oneDNN's whole-sequence primitives are large enough to gain from every core (W1's LSTM forward
 * and backward: 110 ms on one thread, 64 ms on two). OpenMP keeps the count per calling thread, so
 * {@link #setThreads} around a oneDNN call changes nothing for the ND4J ops of other threads.
 */
final class OpenMp {
    private static final Logger LOG = LoggerFactory.getLogger(OpenMp.class);
    private static Function setNumThreads;
    private static Function getMaxThreads;
    private static boolean looked;

    private OpenMp() {
    }

    /** Sets the calling thread's OpenMP thread count; false when no OpenMP runtime was found. */
    static boolean setThreads(int n) {
        if (!find()) {
            return false;
        }
        setNumThreads.invokeVoid(new Object[] {n});
        return true;
    }

    /** The calling thread's OpenMP thread count, or 1 when no OpenMP runtime was found. */
    static int threads() {
        return find() ? getMaxThreads.invokeInt(new Object[0]) : 1;
    }

    private static synchronized boolean find() {
        if (!looked) {
            looked = true;
            // the copy already mapped into this process, by its path: loading "gomp" by name could
            // map a second runtime with its own threads and settings
            loadedLibgomp().ifPresentOrElse(path -> {
                NativeLibrary lib = NativeLibrary.getInstance(path);
                setNumThreads = lib.getFunction("omp_set_num_threads");
                getMaxThreads = lib.getFunction("omp_get_max_threads");
            }, () -> LOG.debug("no libgomp mapped; oneDNN keeps OpenMP's default thread count"));
        }
        return setNumThreads != null;
    }

    private static Optional<String> loadedLibgomp() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .map(line -> line.substring(line.indexOf('/') < 0 ? line.length() : line.indexOf('/')))
                .filter(p -> p.contains("libgomp"))
                .findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
