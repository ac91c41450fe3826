package org.seqml.backend;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the native memory that waits for the garbage collector bounded. ND4J frees an array's
 * native buffer only when the collector reclaims its small Java wrapper, and a training loop makes
 * little Java garbage, so collections are rare while native garbage piles up: a grapheme-to-phoneme
 * model (1.4M weights) grew past 24 GB and was killed within its first epoch. Most of those arrays
 * are made inside ND4J's native ops, where JavaCPP's own limit does not see them. So the trainer
 * calls {@link #collectIfGrown} after each batch: when the process's resident memory has grown by
 * more than the allowance since the last collection, it asks for one.
 * <p>
 * Freed memory is not given back either: glibc's allocator keeps freed buffers in its arenas,
 * and buffers of ever-changing sizes (a batch per pair of sequence lengths) fragment them, so
 * freed memory is not reused and the process still grew ~1 GB an epoch on grapheme-to-phoneme. So once the arenas have
 * kept four allowances since the last trim, the call after a collection (a batch later, when ND4J's
 * threads have freed what was collected) runs glibc's {@code malloc_trim(0)}, which hands their
 * free pages back to the system (10-130 ms). Not after every collection: the next steps fault their
 * buffers in anew, and the growth that brings asks for more collections. On a grapheme-to-phoneme
 * slice (10k words, 4 epochs, 2 GB heap) peak resident memory went from 3.2 GB to 2.1 GB (29
 * collections and 6 trims instead of 12 collections; 89 s instead of 82 s); the full run (12
 * epochs) stayed at 1.4-2.4 GB, where it had risen to 12 GB by epoch 10.
 * <pre>
 * allowance = -Dseqml.nativeGcAllowanceMb (default 256; 0 turns this off)
 * trim      = -Dseqml.mallocTrim (default true; glibc Linux only)
 * </pre>
 */
public final class NativeMemory {
    private static final Logger LOG = LoggerFactory.getLogger(NativeMemory.class);
    private static final long ALLOWANCE = Switches.NATIVE_GC_ALLOWANCE_BYTES;
    private static long afterLastCollection = -1;
    private static long collections;
    private static boolean trimPending;
    private static long afterLastTrim = -1;
    private static final int TRIM_FACTOR = 4;
    private static final GlibC GLIBC = loadGlibc();

    /** glibc's call that returns the allocator's free pages to the system. */
    interface GlibC extends Library {
        int malloc_trim(long pad);
    }

    private static GlibC loadGlibc() {
        if (!Switches.MALLOC_TRIM
            || !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            GlibC c = Native.load("c", GlibC.class);
            c.malloc_trim(0);   // musl and others lack it: fail here, once
            return c;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("malloc_trim unavailable: {}", e.toString());
            return null;
        }
    }

    private NativeMemory() {
    }

    /** Asks for a collection when resident memory grew by more than the allowance since the last one. */
    public static void collectIfGrown() {
        collectIfGrown(ALLOWANCE);
    }

    static synchronized boolean collectIfGrown(long allowance) {
        if (allowance <= 0) {
            return false;
        }
        if (trimPending) {
            // ND4J frees the collected buffers on its own threads; a batch later they are free
            trimPending = false;
            long t0 = System.nanoTime();
            trim();
            afterLastCollection = Pointer.physicalBytes();
            afterLastTrim = afterLastCollection;
            LOG.debug("trimmed to {} MB in {} ms", afterLastTrim >> 20, (System.nanoTime() - t0) / 1_000_000);
            return false;
        }
        long resident = Pointer.physicalBytes();
        if (afterLastCollection < 0 || resident < afterLastCollection) {
            afterLastCollection = resident;   // the first call, or memory went back to the system
            afterLastTrim = afterLastTrim < 0 ? resident : afterLastTrim;
            return false;
        }
        if (resident - afterLastCollection <= allowance) {
            return false;
        }
        System.gc();
        collections++;
        // freed memory mostly stays with the allocator for reuse, so the resident size rarely
        // falls: the next collection comes after another allowance of growth
        afterLastCollection = Pointer.physicalBytes();
        // a trim makes the next steps fault their buffers in anew (and the growth that brings
        // asks for more collections), so trim only once the arenas kept TRIM_FACTOR allowances
        trimPending = GLIBC != null && afterLastCollection - afterLastTrim > TRIM_FACTOR * allowance;
        LOG.debug("collection {} at {} MB resident, {} MB after", collections, resident >> 20,
            afterLastCollection >> 20);
        return true;
    }

    /** Gives the allocator's free pages back to the system, where glibc allows it. */
    public static void trim() {
        if (GLIBC != null) {
            GLIBC.malloc_trim(0);
        }
    }

    /** Whether collections are followed by a trim (glibc Linux, not switched off). */
    static boolean trims() {
        return GLIBC != null;
    }

    /** Measures growth from now on (tests). */
    static synchronized void resetBaseline() {
        trimPending = false;
        trim();   // earlier frees would otherwise be reused without growing the process
        afterLastCollection = Pointer.physicalBytes();
        afterLastTrim = afterLastCollection;
    }

    /** Collections asked for so far. */
    /** The process's resident memory in bytes, as this class measures it (for reports). */
    public static long residentBytes() {
        return Pointer.physicalBytes();
    }

    public static synchronized long collections() {
        return collections;
    }
}
