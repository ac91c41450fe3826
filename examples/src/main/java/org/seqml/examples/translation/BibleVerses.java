package org.seqml.examples.translation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Spanish-English verse pairs of two public-domain Bibles (the Reina-Valera 1909 and the World
 * English Bible, aligned by book, chapter and verse: data/bible/README.md), and the fixed split
 * the translation example uses: whole books held out, so no test verse shares a chapter with a
 * training one.
 * <ul>
 * <li>test: Ruth, Jonah, Mark, Philippians (a short story, a prophet's narrative, a gospel, a
 * letter: 914 verses)</li>
 * <li>dev (choosing beam settings and epochs): Esther, Habakkuk, Titus (269 verses)</li>
 * <li>train: the other 59 books (29,726 verses)</li>
 * </ul>
 *
 * <pre>{@code
 * BibleVerses.Split split = BibleVerses.split(BibleVerses.read());
 * }</pre>
 */
final class BibleVerses {
    static final Set<String> TEST_BOOKS = Set.of("Ruth", "Jonah", "Mark", "Philippians");
    static final Set<String> DEV_BOOKS = Set.of("Esther", "Habakkuk", "Titus");
    private static final String RESOURCE = "/data/bible/bible-es-en.tsv.gz";

    /** One verse: its key and its two texts. */
    record Verse(String book, int chapter, int verse, String spanish, String english) {
    }

    /** The three parts, each in canonical order. */
    record Split(List<Verse> train, List<Verse> dev, List<Verse> test) {
    }

    private BibleVerses() {
    }

    /** Every pair, in canonical order. */
    static List<Verse> read() {
        List<Verse> out = new ArrayList<>();
        try (InputStream raw = BibleVerses.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw),
                StandardCharsets.UTF_8));
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                String[] f = line.split("\t", -1);
                if (f.length != 5) {
                    throw new IllegalStateException(RESOURCE + " line " + number + ": expected 5 tab-separated fields,"
                        + " got " + f.length);
                }
                out.add(new Verse(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), f[3], f[4]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The fixed split by book (see the class comment). */
    static Split split(List<Verse> verses) {
        List<Verse> train = new ArrayList<>();
        List<Verse> dev = new ArrayList<>();
        List<Verse> test = new ArrayList<>();
        for (Verse v : verses) {
            (TEST_BOOKS.contains(v.book()) ? test : DEV_BOOKS.contains(v.book()) ? dev : train).add(v);
        }
        return new Split(train, dev, test);
    }
}
