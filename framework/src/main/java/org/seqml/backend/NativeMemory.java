package org.seqml.backend;

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
 * <pre>
 * allowance = -Dseqml.nativeGcAllowanceMb (default 256; 0 turns this off)
 * </pre>
 */
public final class NativeMemory {
    private static final Logger LOG = LoggerFactory.getLogger(NativeMemory.class);
    private static final long ALLOWANCE = Long.getLong("seqml.nativeGcAllowanceMb", 256) << 20;
    private static long afterLastCollection = -1;
    private static long collections;

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
        long resident = Pointer.physicalBytes();
        if (afterLastCollection < 0 || resident < afterLastCollection) {
            afterLastCollection = resident;   // the first call, or memory went back to the system
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
        LOG.debug("collection {} at {} MB resident, {} MB after", collections, resident >> 20,
            afterLastCollection >> 20);
        return true;
    }

    /** Measures growth from now on (tests). */
    static synchronized void resetBaseline() {
        afterLastCollection = Pointer.physicalBytes();
    }

    /** Collections asked for so far. */
    public static synchronized long collections() {
        return collections;
    }
}
