package org.seqml.examples.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's Python with PyTorch, run as ../shared/bench's README tunes it (OpenBLAS with this
 * CPU's kernels, denormals flushed), for the peers that programs run beside seqml in one run.
 */
public final class TunedPython {
    private TunedPython() {
    }

    /** Whether {@code /usr/bin/python3} imports torch (Debian's python3-torch). */
    public static boolean torchInstalled() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The first of these paths (relative to the working directory) that exists, or null. */
    public static Path locate(String... candidates) {
        for (String p : candidates) {
            if (Files.exists(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    /** Runs the script with the tuned environment; returns its output lines (stdout and stderr). */
    public static List<String> run(Path script, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", script.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LD_LIBRARY_PATH", "/usr/lib/x86_64-linux-gnu/openblas-openmp");
        pb.environment().put("OPENBLAS_CORETYPE", "SkylakeX");
        pb.environment().put("TORCH_FTZ", "1");
        pb.environment().put("TORCH_SANITY", "0");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        }
        if (p.waitFor() != 0) {
            throw new IOException(script + " exited with " + p.exitValue() + ": "
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())));
        }
        return lines;
    }
}
