package org.seqml.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.seqml.models.Model;

/**
 * The models an executor JVM computes shares with: built once per training run from its
 * broadcast bytes, one per task running at a time (a model's gradients are its own state), and
 * reused by later steps, which only set their weights.
 */
final class Workers {
    /** Runs whose models an executor keeps; older ones are dropped (their fit has ended). */
    private static final int RUNS = 4;
    private static final Map<String, Queue<Model>> MODELS = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Queue<Model>> eldest) {
            return size() > RUNS;
        }
    };

    private static volatile boolean coresFollowed;

    private Workers() {
    }

    /**
     * In an executor JVM, oneDNN's threads become the executor's cores ({@code spark.executor.cores})
     * rather than the machine's: executors sharing a machine would otherwise each run as many
     * threads as it has cores. The driver (and local mode, whose tasks share the driver's JVM and
     * its cores) keeps its own.
     */
    private static void followExecutorCores() {
        if (coresFollowed) {
            return;
        }
        coresFollowed = true;
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        if (env == null || "driver".equals(env.executorId())) {
            return;
        }
        scala.Option<String> cores = env.conf().getOption("spark.executor.cores");
        if (cores.isDefined()) {
            org.seqml.backend.Backend.setThreads(Math.max(1, Integer.parseInt(cores.get().trim())));
        }
    }

    /** A model of run {@code id} free for this task, built from {@code bytes} if none is. */
    static Model borrow(String id, byte[] bytes) {
        followExecutorCores();
        Model model;
        synchronized (MODELS) {
            model = MODELS.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()).poll();
        }
        if (model != null) {
            return model;
        }
        try {
            return Model.fromBytes(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("a worker could not rebuild the model from its bytes", e);
        }
    }

    /** Returns a model the task is done with. */
    static void giveBack(String id, Model model) {
        synchronized (MODELS) {
            MODELS.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()).add(model);
        }
    }

    /** Drops run {@code id}'s models (in this JVM). */
    static void forget(String id) {
        synchronized (MODELS) {
            MODELS.remove(id);
        }
    }
}
