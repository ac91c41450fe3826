package org.seqml.examples.translation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The committed verse pairs read whole, cleanly, and split by book the same way every run. */
class BibleVersesTest {
    private static final List<BibleVerses.Verse> VERSES = BibleVerses.read();

    @Test
    void everyPairIsReadInCanonicalOrder() {
        assertEquals(30_909, VERSES.size());
        BibleVerses.Verse first = VERSES.get(0);
        assertEquals("Genesis", first.book());
        assertEquals("EN el principio crió Dios los cielos y la tierra.", first.spanish());
        assertEquals("In the beginning, God created the heavens and the earth.", first.english());
        assertEquals("Revelation of John", VERSES.get(VERSES.size() - 1).book());
    }

    /** No markup left, no words glued where markup was (the plain format's "Godcreated"), no empty side. */
    @Test
    void theTextsAreClean() {
        Pattern glued = Pattern.compile("\\p{Ll}\\p{Lu}|[!?.,;:][\u2019\u201d]\\p{L}");
        for (BibleVerses.Verse v : VERSES) {
            for (String s : new String[] {v.spanish(), v.english()}) {
                assertFalse(s.isBlank(), v.toString());
                assertFalse(s.contains("<") || s.contains(">"), v.toString());
                assertFalse(glued.matcher(s).find(), v.toString());
                assertEquals(s.strip(), s);
            }
        }
        BibleVerses.Verse psalm = VERSES.stream().filter(v -> v.book().equals("Psalms") && v.chapter() == 23
            && v.verse() == 1).findFirst().orElseThrow();
        assertEquals("A Psalm by David. Yahweh is my shepherd; I shall lack nothing.", psalm.english());
    }

    @Test
    void theSplitHoldsOutWholeBooks() {
        BibleVerses.Split split = BibleVerses.split(VERSES);
        assertEquals(914, split.test().size());
        assertEquals(269, split.dev().size());
        assertEquals(VERSES.size() - 914 - 269, split.train().size());
        Set<String> trainBooks = new HashSet<>();
        split.train().forEach(v -> trainBooks.add(v.book()));
        assertTrue(split.test().stream().noneMatch(v -> trainBooks.contains(v.book())));
        assertTrue(split.dev().stream().noneMatch(v -> trainBooks.contains(v.book())));
        assertEquals(BibleVerses.TEST_BOOKS, new HashSet<>(split.test().stream().map(BibleVerses.Verse::book).toList()));
    }
}
