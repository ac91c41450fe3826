package org.seqml.backend;

import java.util.Iterator;
import java.util.LinkedList;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An inference kernel's weights in oneDNN's packed layout, kept from call to call. Packing
 * is a reorder with a fixed cost of a few tenths of a millisecond, as much as a short padded
 * chunk's whole sequence, paid by every call and every chunk of a packed batch, while a served
 * model's weights do not change. An entry keeps a copy of the float32 weights it was packed
 * from and serves only weights that are byte for byte those (one memcmp), so a trained,
 * loaded or edited model is packed again on its next call. A kernel serves every layer of its
 * cell and units (both directions of a Bidirectional, stacked layers), so it keeps several;
 * the least recently used goes past {@value #KEPT}. The packed buffers are only read by the
 * primitives, so calls on many threads share them.
 */
final class PackedWeights {
    private static final int KEPT = 16;
    private record Entry(memory.desc user, memory.desc inner, INDArray source, INDArray packed) {
    }

    private final LinkedList<Entry> entries = new LinkedList<>();

    /**
     * The packed buffer of weights equal to {@code w} in {@code user}'s layout, for
     * {@code inner}; or null. The comparison runs outside the lock (entries never change), so
     * threads serving one model do not queue behind each other's memcmp.
     */
    INDArray find(memory.desc user, memory.desc inner, INDArray w) {
        Entry[] now;
        synchronized (this) {
            now = entries.toArray(new Entry[0]);
        }
        long bytes = w.length() * Float.BYTES;
        for (Entry e : now) {
            if (e.source().length() == w.length() && e.user().equals(user) && e.inner().equals(inner)
                && Pointer.memcmp(e.source().data().addressPointer(), w.data().addressPointer(), bytes) == 0) {
                synchronized (this) {   // the most recently used first (by identity: a record's
                    // equals would compare the weights element by element)
                    for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
                        if (it.next() == e) {
                            it.remove();
                            entries.addFirst(e);
                            break;
                        }
                    }
                }
                return e.packed();
            }
        }
        return null;
    }

    synchronized void add(memory.desc user, memory.desc inner, INDArray w, INDArray packed) {
        entries.addFirst(new Entry(user, inner, w.dup('c'), packed));
        while (entries.size() > KEPT) {
            entries.removeLast();
        }
    }
}
