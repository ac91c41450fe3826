package org.seqml.backend;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the CPU backend needs to run fast, set by seqml itself so a user sets no environment
 * variable (each was worth 2-7x on the machines we measured; see docs/performance.md):
 * <ul>
 * <li><b>OpenBLAS kernel</b>: ND4J's OpenBLAS 0.3.19 misdetects newer CPUs (an AVX-512 EPYC as
 * "Prescott") and runs sgemm at a fraction of the peak. Before ND4J loads, seqml sets
 * {@code OPENBLAS_CORETYPE} from the CPU's flags (SkylakeX with AVX-512, Haswell with AVX2 and FMA)
 * unless it is already set. Off: {@code -Dseqml.openblasCoretype=none}, or name a core.</li>
 * <li><b>Threads</b>: ND4J's per-op thread hand-off costs more than it gains on these small
 * recurrent ops; seqml sets {@code OMP_NUM_THREADS} (unless set) to {@code -Dseqml.threads}
 * (default 1). Off: {@code -Dseqml.threads=none}.</li>
 * <li><b>Spinning</b>: OpenMP's idle threads (libgomp's, shared by ND4J and oneDNN) spin for
 * 300,000 pause loops (milliseconds) after each parallel region before they sleep, while
 * OpenBLAS's own threads need the same cores for the next matrix product (W4, which alternates
 * the two, ran 301 -> 343 samples/s with 100,000). seqml sets {@code GOMP_SPINCOUNT} (unless it or
 * {@code OMP_WAIT_POLICY} is set) to {@code -Dseqml.ompSpinCount} (default
 * {@value #DEFAULT_SPIN_COUNT}). Off: {@code -Dseqml.ompSpinCount=none}.</li>
 * <li><b>Denormals</b>: backpropagation through long sequences drives gradients into float32
 * denormals, which the CPU handles in slow microcode. While seqml trains or predicts, the calling
 * thread flushes them to zero (FTZ and DAZ in MXCSR, as TensorFlow does by default); the previous
 * mode is restored afterwards, so Java code outside keeps IEEE semantics. Off:
 * {@code -Dseqml.flushDenormals=false}.</li>
 * </ul>
 * Environment variables only reach OpenBLAS and OpenMP if set before ND4J loads its natives; seqml
 * does this when its first class loads, so touch seqml (e.g. {@code RandomSeed.set}) before the
 * first {@code Nd4j} call. Only Linux x86_64 is tuned; elsewhere this does nothing.
 */
public final class CpuTuning {
    private static final Logger LOG = LoggerFactory.getLogger(CpuTuning.class);
    private static final int FTZ_DAZ = 0x8040;   // MXCSR bits: flush-to-zero (15) and denormals-are-zero (6)
    private static final int MXCSR_OFFSET = 28;  // glibc x86_64 fenv_t: 28 bytes of x87 state, then mxcsr
    private static final boolean SUPPORTED = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
        && Set.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));
    static final String DEFAULT_SPIN_COUNT = "100000";
    private static boolean applied;
    private static boolean tooLate;
    private static final Map<String, String> SET = new LinkedHashMap<>();
    private static LibC libc;
    private static LibM libm;

    /** The C functions used. */
    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);
    }

    interface LibM extends Library {
        int fegetenv(Memory env);

        int fesetenv(Memory env);
    }

    private CpuTuning() {
    }

    /** Sets the environment for OpenBLAS and OpenMP, once; a no-op after the first call. */
    public static synchronized void apply() {
        if (applied) {
            return;
        }
        applied = true;
        if (!SUPPORTED || Switches.PORTABLE) {
            return;
        }
        try {
            libc = Native.load("c", LibC.class);
            libm = Native.load("m", LibM.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.warn("CPU tuning unavailable ({}); set OPENBLAS_CORETYPE and OMP_NUM_THREADS by hand for speed", e.toString());
            return;
        }
        if (nativesLoaded()) {
            tooLate = true;
            LOG.warn("ND4J's natives were loaded before seqml: OPENBLAS_CORETYPE, OMP_NUM_THREADS and GOMP_SPINCOUNT can"
                + " no longer be set. Call any seqml class (e.g. RandomSeed.set) before the first Nd4j call for full speed.");
            return;
        }
        String core = Switches.OPENBLAS_CORETYPE;
        if (System.getenv("OPENBLAS_CORETYPE") == null && !core.equals("none")) {
            String chosen = core.equals("auto") ? coreFor(cpuFlags()) : core;
            if (chosen != null) {
                set("OPENBLAS_CORETYPE", chosen);
            }
        }
        String threads = Switches.THREADS;
        if (System.getenv("OMP_NUM_THREADS") == null && !threads.equals("none")) {
            set("OMP_NUM_THREADS", threads);
        }
        String spin = Switches.OMP_SPIN_COUNT;
        if (System.getenv("GOMP_SPINCOUNT") == null && System.getenv("OMP_WAIT_POLICY") == null
            && !spin.equals("none")) {
            set("GOMP_SPINCOUNT", spin);
        }
    }

    private static void set(String name, String value) {
        libc.setenv(name, value, 0);
        SET.put(name, value);
        LOG.debug("{}={}", name, value);
    }

    /** True when ND4J's natives were loaded before seqml could set their environment. */
    static boolean tooLate() {
        return tooLate;
    }

    /** The variables seqml set, with their values (for tests and diagnostics). */
    static Map<String, String> setVariables() {
        return Collections.unmodifiableMap(SET);
    }

    /** The process environment's value as the C library sees it, or null. */
    static String environment(String name) {
        return libc == null ? null : libc.getenv(name);
    }

    /** The OpenBLAS core for these /proc/cpuinfo flags, or null to leave OpenBLAS's own choice. */
    static String coreFor(Set<String> flags) {
        if (flags.containsAll(Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"))) {
            return "SkylakeX";
        }
        if (flags.containsAll(Set.of("avx2", "fma"))) {
            return "Haswell";
        }
        return null;
    }

    private static Set<String> cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            LOG.debug("no /proc/cpuinfo: {}", e.toString());
        }
        return Set.of();
    }

    private static boolean nativesLoaded() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("libnd4jcpu");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Turns on flush-to-zero and denormals-are-zero for the calling thread; returns the previous
     * MXCSR to give to {@link #restore}, or -1 when nothing was changed.
     */
    public static int flushDenormals() {
        if (libm == null || !Switches.FLUSH_DENORMALS) {
            return -1;
        }
        try (Memory env = new Memory(64)) {
            libm.fegetenv(env);
            int previous = env.getInt(MXCSR_OFFSET);
            if ((previous & FTZ_DAZ) == FTZ_DAZ) {
                return -1;
            }
            env.setInt(MXCSR_OFFSET, previous | FTZ_DAZ);
            libm.fesetenv(env);
            return previous;
        }
    }

    /** Restores the MXCSR that {@link #flushDenormals} replaced. */
    public static void restore(int previous) {
        if (previous < 0 || libm == null) {
            return;
        }
        try (Memory env = new Memory(64)) {
            libm.fegetenv(env);
            env.setInt(MXCSR_OFFSET, previous);
            libm.fesetenv(env);
        }
    }

    /** The calling thread's MXCSR (for tests and diagnostics), or -1 where not available. */
    public static int mxcsr() {
        if (libm == null) {
            return -1;
        }
        try (Memory env = new Memory(64)) {
            libm.fegetenv(env);
            return env.getInt(MXCSR_OFFSET);
        }
    }
}
