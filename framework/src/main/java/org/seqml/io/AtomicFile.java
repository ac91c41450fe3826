package org.seqml.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.ZipOutputStream;

/**
 * How seqml's files are written: whole or not at all. A zip goes to a locked temporary file beside
 * the target, is forced to disk and moved over the target in one step, so a crash mid-save leaves
 * the previous file as it was; the next save removes what a killed process left behind.
 */
final class AtomicFile {
    private AtomicFile() {
    }

    /** What a save writes into the zip. */
    interface Writer {
        void write(ZipOutputStream zip) throws IOException;
    }

    /**
     * Writes beside the target, forces it to disk, then moves it over the target in one step. The
     * temporary file is locked while it is written, so that a later save can tell the leftovers of
     * a killed process (unlocked: removed) from another save in progress (locked: left alone).
     */
    static void write(Path path, long failAfter, Writer writer) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String prefix = "." + path.getFileName() + ".";
        removeAbandoned(dir, prefix);
        Path tmp = Files.createTempFile(dir, prefix, ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream raw = java.nio.channels.Channels.newOutputStream(channel);
                 ZipOutputStream zip = new ZipOutputStream(new Limited(raw, failAfter))) {
                channel.lock();   // released when the channel closes
                writer.write(zip);
                zip.finish();
                zip.flush();
                channel.force(true);
            }
            keepPermissions(tmp, path);
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes the temporary files of saves of this name whose writer is gone (a JVM killed mid-save). */
    private static void removeAbandoned(Path dir, String prefix) {
        try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(dir,
            p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".tmp"))) {
            for (Path p : files) {
                try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    java.nio.channels.FileLock lock = channel.tryLock();
                    if (lock != null) {
                        Files.deleteIfExists(p);
                        lock.release();
                    }
                } catch (java.nio.channels.OverlappingFileLockException | IOException e) {
                    // written by a save in progress in this JVM, or gone already
                }
            }
        } catch (IOException e) {
            // the directory cannot be listed: the save itself will say so
        }
    }

    /** A temporary file is private (rw-------); the saved model gets the old file's permissions, or rw-r--r--. */
    private static void keepPermissions(Path tmp, Path target) throws IOException {
        if (!tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        var perms = Files.exists(target) ? Files.getPosixFilePermissions(target)
            : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, perms);
    }

    /** An output stream that fails after a number of bytes: a crash in the middle of a save. */
    private static final class Limited extends FilterOutputStream {
        private long left;

        Limited(OutputStream out, long limit) {
            super(out);
            this.left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (--left < 0) {
                throw new IOException("simulated crash while saving");
            }
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > left) {
                out.write(b, off, (int) Math.max(0, left));
                left = -1;
                throw new IOException("simulated crash while saving");
            }
            left -= len;
            out.write(b, off, len);
        }
    }
}
