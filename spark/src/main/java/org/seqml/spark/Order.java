package org.seqml.spark;

import java.util.SplittableRandom;

/** An epoch's order of the examples: a permutation drawn from the epoch's seed alone. */
final class Order {
    private Order() {
    }

    /** {@code positions[i]}: where example i stands in the epoch (Fisher-Yates over 0..n-1). */
    static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] positions = new int[n];
        for (int p = 0; p < n; p++) {
            positions[order[p]] = p;
        }
        return positions;
    }
}
