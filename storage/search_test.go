package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// searchLines are the texts of the search tests' entries: source and translation, in
// several scripts, widths and cases.
var searchLines = [][2]string{
	{"The Quick Brown Fox jumps", "빠른 갈색 여우가 뛰어오른다"},
	{"A needle in the haystack", "건초 더미 속의 바늘"},
	{"すばやい茶色のキツネ", "날쌘 여우"},
	{"学生们在图书馆学习", "Students study in the library"},
	{"ＦＵＬＬ ｗｉｄｔｈ Ｌｅｔｔｅｒｓ", "전각 글자"},
	{"ｶﾀｶﾅ half width kana", "반각 가나"},
	{"ΣΊΣΥΦΟΣ and İstanbul at 5\u212A", "시시포스"},
	{`a "quoted" word \ and tab	here`, "따옴표"},
}

// searchQueries cover hits and misses in every script, case and width differences,
// substrings inside words, and one-character queries (which scan).
var searchQueries = []string{
	"quick", "QUICK BROWN", "uick br", "fox jumps", "갈색", "여우", "바늘", "속의 바", "キツネ", "茶色の",
	"图书馆", "书", "狐", "ｷﾂﾈ", "ｶﾀｶﾅ", "カタカナ", "ｆｕｌｌ", "full", "ＦＵＬＬ ｗ", "σίσυφος", "i̇stanbul", "istanbul at 5k",
	"line 3", "line 3 of", "ine 12", "needle", "NEEDLE IN", "absent words", "zzq", "a", "z", "여", "\"quoted\"",
	"\\ and", "tab\there", "haystack 바늘", "",
}

// logLines logs n finished entries of owner in one transaction, cycling through searchLines
// with a line number, over the given sessions; every third session's entries are in a
// script.
func logLines(t *testing.T, s *Store, owner model.Owner, sessions []uint64, n int) []model.Entry {
	t.Helper()
	var out []model.Entry
	err := s.update(func(tx *bolt.Tx) error {
		for i := range n {
			l := searchLines[i%len(searchLines)]
			sid := sessions[i%len(sessions)]
			req := model.Request{Owner: owner, SessionID: sid, Source: fmt.Sprintf("Line %d of %s", i, l[0]), To: korean}
			if sid%3 == 0 {
				req.ScriptID = fmt.Sprintf("script-%d", sid)
			}
			e, err := beginTx(tx, req, s.now(), selfMark())
			if err != nil {
				return err
			}
			e.Apply(model.Result{Status: model.StatusDone, Text: l[1], Finish: "stop"}, s.now())
			if i%5 == 0 {
				e.Clean = strings.ToUpper(l[1])
			}
			if e, err = finishTx(tx, e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// newSessions makes n sessions of owner.
func newSessions(t *testing.T, s *Store, owner model.Owner, n int) []uint64 {
	t.Helper()
	var ids []uint64
	for range n {
		sess, err := s.NewSession(context.Background(), owner, model.Session{Origin: "test"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sess.ID)
	}
	return ids
}

// scanSearch is the meaning of a search, computed without the store's search: every entry q
// selects without its Search, kept when a text contains the query ignoring case.
func scanSearch(t *testing.T, s *Store, owner model.Owner, q model.EntryQuery) []uint64 {
	t.Helper()
	all := q
	all.Search, all.Limit = "", 0
	list, err := s.Entries(context.Background(), owner, all)
	if err != nil {
		t.Fatal(err)
	}
	lq := strings.ToLower(q.Search)
	var ids []uint64
	for _, e := range list {
		if q.Limit > 0 && len(ids) == q.Limit {
			break
		}
		for _, text := range []string{e.Source, e.Text, e.Clean, e.Approved} {
			if text != "" && strings.Contains(strings.ToLower(text), lq) {
				ids = append(ids, e.ID)
				break
			}
		}
	}
	return ids
}

func searchIDs(t *testing.T, s *Store, owner model.Owner, q model.EntryQuery) []uint64 {
	t.Helper()
	list, err := s.Entries(context.Background(), owner, q)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]uint64, len(list))
	for i, e := range list {
		ids[i] = e.ID
	}
	return ids
}

// assertSameAsScan runs every query in every shape of EntryQuery and compares the store's
// answer with scanSearch's; it returns how many queries found something.
func assertSameAsScan(t *testing.T, s *Store, owner model.Owner, sessions []uint64) int {
	t.Helper()
	shapes := []model.EntryQuery{
		{}, {Oldest: true}, {Limit: 3}, {Oldest: true, Limit: 5}, {Before: 600}, {Before: 300, Oldest: true},
		{SessionID: sessions[1]}, {SessionID: sessions[2], Oldest: true, Limit: 4}, {ScriptID: "script-3"},
		{Approved: true},
	}
	hits := 0
	for _, query := range searchQueries {
		for _, shape := range shapes {
			q := shape
			q.Search = query
			want, got := scanSearch(t, s, owner, q), searchIDs(t, s, owner, q)
			if !slices.Equal(got, want) {
				t.Errorf("search %q in %+v: got %d entries %v, want %d %v", query, shape, len(got), head(got), len(want), head(want))
			}
			if len(want) > 0 {
				hits++
			}
		}
	}
	return hits
}

func head(ids []uint64) []uint64 { return ids[:min(len(ids), 8)] }

// smallChunks makes chunks as small as blocks (256 ids) for the rest of the test, so a few
// hundred entries seal some.
func smallChunks(t *testing.T) {
	old := chunkShift
	chunkShift = searchShift
	t.Cleanup(func() { chunkShift = old })
}

// searchShape returns how many chunks of owner's index are sealed and how many blocks have a
// filter.
func searchShape(t *testing.T, s *Store, owner model.Owner) (sealed uint64, filters int) {
	t.Helper()
	_ = s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, owner)
		sealed = sealedChunks(postingsOf(ob))
		return ob.search.ForEach(func(_, v []byte) error {
			if v != nil {
				filters++
			}
			return nil
		})
	})
	return sealed, filters
}

// TestSearchIndexSameAsScan: with the index, every query finds exactly the entries a scan
// finds, in every script and shape of query, and rules out blocks for a miss.
func TestSearchIndexSameAsScan(t *testing.T) {
	smallChunks(t)
	s := openTest(t)
	sessions := newSessions(t, s, ownerA, 4)
	entries := logLines(t, s, ownerA, sessions, 1100)
	if _, err := s.Approve(context.Background(), ownerA, entries[700].ID, "얼룩말 횡단보도 Zebra crossing"); err != nil {
		t.Fatal(err)
	}
	if hits := assertSameAsScan(t, s, ownerA, sessions); hits == 0 {
		t.Fatal("no query found anything")
	}
	for _, q := range []string{"zebra", "얼룩말", "보도 ze"} {
		if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: q}); !slices.Equal(got, []uint64{entries[700].ID}) {
			t.Errorf("approved text %q: found %v", q, got)
		}
	}
	// Ids 1 to 1,100: chunks 0 to 2 are in posting lists, blocks 3 and 4 have filters.
	if sealed, filters := searchShape(t, s, ownerA); sealed != 3 || filters != 2 {
		t.Errorf("%d chunks sealed and %d filters for 1,100 entries, want 3 and 2", sealed, filters)
	}
	_ = s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, ownerA)
		for _, q := range []string{"absent words", "zzqxy", "얼룩소가 없다", "犬が走る", "犬"} {
			bf := newBlockFilter(ob, strings.ToLower(q))
			if len(q) > 3 && bf == nil {
				t.Errorf("query %q does not use the index", q)
			}
			for id := uint64(1); id < 1100; id += 1 << segmentShift {
				if bf.may(id) && len([]rune(q)) > 1 {
					t.Errorf("query %q reads the segment of entry %d", q, id)
				}
			}
		}
		return nil
	})
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSearchAfterDelete: deleting a session or a script takes its entries' text out of the
// filters of their blocks, while the entries left are still found.
func TestSearchAfterDelete(t *testing.T) {
	smallChunks(t)
	ctx := context.Background()
	s := openTest(t)
	sessions := newSessions(t, s, ownerA, 4)
	logLines(t, s, ownerA, sessions, 600)
	lone := translate(t, s, model.Request{Owner: ownerA, SessionID: sessions[3], Source: "a platypus walks in"}, model.StatusDone, "오리너구리")
	kept := translate(t, s, model.Request{Owner: ownerA, SessionID: sessions[0], Source: "a platypus stays"}, model.StatusDone, "남는 오리너구리")
	translate(t, s, model.Request{Owner: ownerA, SessionID: sessions[3], Source: "a wombat walks in"}, model.StatusDone, "웜뱃")
	// Ids 1 to 603: the platypus and wombat lines' chunk is sealed after 600 more.
	logLines(t, s, ownerA, sessions, 600)
	unsealed := translate(t, s, model.Request{Owner: ownerA, SessionID: sessions[3], Source: "a wombat walks in"}, model.StatusDone, "웜뱃")
	if sealed, _ := searchShape(t, s, ownerA); lone.ID>>chunkShift >= sealed || unsealed.ID>>chunkShift < sealed {
		t.Fatalf("%d chunks sealed: entry %d should be in one, %d not", sealed, lone.ID, unsealed.ID)
	}
	if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: "platypus walks"}); !slices.Equal(got, []uint64{lone.ID}) {
		t.Fatalf("before delete: %v", got)
	}
	if err := s.DeleteSession(ctx, ownerA, sessions[3]); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteScript(ctx, ownerA, "script-3"); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: "오리너구리"}); !slices.Equal(got, []uint64{kept.ID}) {
		t.Fatalf("after delete: %v, want only %d", got, kept.ID)
	}
	if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: "wombat"}); len(got) != 0 {
		t.Fatalf("after delete: %v", got)
	}
	_ = s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, ownerA)
		if bf := newBlockFilter(ob, "platypus walks"); bf.may(lone.ID) {
			t.Error("the deleted entry's text is still in its chunk's posting lists")
		}
		if bf := newBlockFilter(ob, "wombat walks"); bf.may(unsealed.ID) {
			t.Error("the deleted entry's text is still in its block's filter")
		}
		return nil
	})
	assertSameAsScan(t, s, ownerA, sessions)
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSearchWithoutIndex: a file made before the index (no search bucket) is searched by
// scanning, keeps its old entries findable when new ones share their block, and after
// RebuildSearch has filters and finds the same.
func TestSearchWithoutIndex(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	sessions := newSessions(t, s, ownerA, 4)
	logLines(t, s, ownerA, sessions, 400)
	dropSearch := func() {
		t.Helper()
		if err := s.update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketOwners).Bucket([]byte(ownerA)).DeleteBucket(bucketSearch)
		}); err != nil {
			t.Fatal(err)
		}
	}
	dropSearch()
	want := map[string][]uint64{}
	for _, q := range searchQueries {
		want[q] = searchIDs(t, s, ownerA, model.EntryQuery{Search: q})
	}
	assertSameAsScan(t, s, ownerA, sessions)

	// A new entry lands in the last old block, whose filter then covers the old entries too.
	translate(t, s, model.Request{Owner: ownerA, SessionID: sessions[0], Source: "a new line"}, model.StatusDone, "새 줄")
	for _, q := range searchQueries {
		got := searchIDs(t, s, ownerA, model.EntryQuery{Search: q, Before: 401})
		if !slices.Equal(got, want[q]) {
			t.Errorf("search %q after a new entry: %v, want %v", q, head(got), head(want[q]))
		}
	}
	assertSameAsScan(t, s, ownerA, sessions)

	dropSearch()
	n, err := s.RebuildSearch(ctx)
	if err != nil || n != 401 {
		t.Fatalf("RebuildSearch: %d, %v; want 401", n, err)
	}
	if _, filters := searchShape(t, s, ownerA); filters != 2 {
		t.Errorf("%d filters after rebuilding, want 2", filters)
	}
	for _, q := range searchQueries {
		if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: q, Before: 401}); !slices.Equal(got, want[q]) {
			t.Errorf("search %q after rebuilding: %v, want %v", q, head(got), head(want[q]))
		}
	}
	assertSameAsScan(t, s, ownerA, sessions)
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSearchPendingAndOwners: a pending entry is found by its source, and one owner's text is
// never found in, nor counted in the filters of, another's.
func TestSearchPendingAndOwners(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	sessions := newSessions(t, s, ownerA, 4)
	logLines(t, s, ownerA, sessions, 300)
	p, err := s.Begin(ctx, model.Request{Owner: ownerA, Source: "still streaming kangaroo", To: korean})
	if err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: "kangaroo"}); !slices.Equal(got, []uint64{p.ID}) {
		t.Fatalf("pending entry: %v", got)
	}
	translate(t, s, model.Request{Owner: ownerB, Source: "wombat of owner b"}, model.StatusDone, "웜뱃")
	if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: "wombat"}); len(got) != 0 {
		t.Fatalf("owner A found owner B's entries %v", got)
	}
	if got := searchIDs(t, s, ownerB, model.EntryQuery{Search: "웜뱃"}); len(got) != 1 {
		t.Fatalf("owner B found %v", got)
	}
	if got := searchIDs(t, s, ownerB, model.EntryQuery{Search: "quick"}); len(got) != 0 {
		t.Fatalf("owner B found owner A's entries %v", got)
	}
	_ = s.view(func(tx *bolt.Tx) error {
		if bf := newBlockFilter(readOwner(tx, ownerA), "wombat"); bf.may(1) {
			t.Error("owner A's filter holds owner B's text")
		}
		return nil
	})
	assertSameAsScan(t, s, ownerA, sessions)
}

// TestCheckSearchIndex: Check reports a filter that lost an entry's text.
func TestCheckSearchIndex(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	sessions := newSessions(t, s, ownerA, 2)
	logLines(t, s, ownerA, sessions, 10)
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.update(func(tx *bolt.Tx) error {
		ob := readOwner(tx, ownerA)
		return ob.search.Put(u64(0), make([]byte, searchSizes[0]))
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "missing from the search index") {
		t.Fatalf("Check: %v", err)
	}
	if _, err := s.RebuildSearch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestQueryTerms: a query's terms are its trigrams, or its bigram, folded as entries' are,
// and a segment rules out only the terms it lacks.
func TestQueryTerms(t *testing.T) {
	tests := []struct {
		query string
		terms int
	}{
		{"", 0}, {"a", 1}, {"ab", 1}, {"abc", 1}, {"여우가 뛴다", 4}, {"ｶﾀｶﾅ", 2},
	}
	for _, tt := range tests {
		if got := queryTerms(tt.query); len(got) != tt.terms {
			t.Errorf("queryTerms(%q): %d terms, want %d", tt.query, len(got), tt.terms)
		}
	}
	if !slices.Equal(queryTerms("ｶﾀｶﾅ"), queryTerms("カタカナ")) || !slices.Equal(queryTerms("ＦＵＬＬ"), queryTerms("full")) {
		t.Error("widths fold apart")
	}
	f := make(bloom, searchSizes[0])
	seg := f.segment(40)
	for _, h := range entryTerms(nil, model.Entry{Source: "The Quick Brown Fox"}) {
		seg.add(h)
	}
	for q, want := range map[string]bool{"quick": true, "ｑｕｉｃｋ ｂ": true, "k b": true, "qu": true, "quack": false, "fix": false} {
		if got := seg.hasAll(queryTerms(q)); got != want {
			t.Errorf("segment holds %q: %v, want %v", q, got, want)
		}
	}
	if f.segment(20).hasAll(queryTerms("quick")) {
		t.Error("another segment holds the entry's terms")
	}
}

// TestMatcherPrefilter: the raw-value prefilters never miss what the scan finds. Only İ and
// the Kelvin sign lower from outside ASCII into it, and no character lowers into one with no
// case, so the ASCII and caseless shortcuts hold.
func TestMatcherPrefilter(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		l := unicode.ToLower(r)
		if l < 0x80 && r != 0x130 && r != 0x212a {
			t.Errorf("%U lowers to ASCII %q", r, l)
		}
		if l != r && unicode.SimpleFold(l) == l {
			t.Errorf("%U lowers to %U, which has no case", r, l)
		}
	}
	values := []string{"The Quick Brown Fox", "İSTANBUL", "5\u212a", "빠른 여우", "quiCK", "qu", "eeeeeeE"}
	queries := []string{"quick", "istanbul", "5k", "여우", "ck", "q", "ee", "eeee", "xyz"}
	for _, v := range values {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			m := newMatcher(q)
			if want := strings.Contains(strings.ToLower(v), q); want && !m.maybe(raw) {
				t.Errorf("prefilter for %q misses %q", q, v)
			}
		}
	}
	if !containsFoldASCII([]byte("xxQuIcK"), []byte("quick")) || containsFoldASCII([]byte("quic"), []byte("quick")) {
		t.Error("containsFoldASCII")
	}
}

// searchedStore is a file store of 1,100 lines in chunks of the test's small size, with
// what searchQueries find in it, for the tests that take its index to an older format.
func searchedStore(t *testing.T) (*Store, string, map[string][]uint64) {
	t.Helper()
	smallChunks(t)
	path := filepath.Join(t.TempDir(), "yeok.db")
	s := openAt(t, path)
	s.now = newClock().now
	sessions := newSessions(t, s, ownerA, 4)
	logLines(t, s, ownerA, sessions, 1100)
	want := map[string][]uint64{}
	for _, q := range searchQueries {
		want[q] = searchIDs(t, s, ownerA, model.EntryQuery{Search: q})
	}
	return s, path, want
}

// TestSearchMigratesOldIndex: a file whose index has only filters (the format before posting
// lists) is searched through them, and the first open for writing rebuilds its index with
// posting lists, which find the same.
func TestSearchMigratesOldIndex(t *testing.T) {
	ctx := context.Background()
	s, path, want := searchedStore(t)
	// The old format: a filter for every block, no posting lists, no format mark.
	if err := s.update(func(tx *bolt.Tx) error {
		ob := readOwner(tx, ownerA)
		if err := ob.search.DeleteBucket(bucketPostings); err != nil {
			return err
		}
		if err := ob.search.SetSequence(0); err != nil {
			return err
		}
		for block := uint64(0); block <= 1100>>searchShift; block++ {
			if err := rebuildBlock(ob, block); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if sealed, filters := searchShape(t, s, ownerA); sealed != 0 || filters != 5 {
		t.Fatalf("old format: %d sealed, %d filters", sealed, filters)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	searchesFind(t, ro, want, "old format")
	if sealed, filters := searchShape(t, ro, ownerA); sealed != 0 || filters != 5 {
		t.Errorf("a read-only open changed the index: %d sealed, %d filters", sealed, filters)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	reopenMigrated(t, path, want)
}

// searchesFind checks that each of searchQueries finds in s what want holds for it.
func searchesFind(t *testing.T, s *Store, want map[string][]uint64, what string) {
	t.Helper()
	for _, q := range searchQueries {
		if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: q}); !slices.Equal(got, want[q]) {
			t.Errorf("%s, search %q: %v, want %v", what, q, head(got), head(want[q]))
		}
	}
}

// reopenMigrated opens the searchedStore file at path for writing, which rebuilds an index
// of an older format, and checks the rebuilt index: three chunks sealed and two blocks with
// filters, the searches finding what want holds, Check passing.
func reopenMigrated(t *testing.T, path string, want map[string][]uint64) *Store {
	t.Helper()
	s := openAt(t, path)
	if sealed, filters := searchShape(t, s, ownerA); sealed != 3 || filters != 2 {
		t.Errorf("after the open: %d sealed, %d filters; want 3 and 2", sealed, filters)
	}
	searchesFind(t, s, want, "migrated")
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCheckPostings: Check reports an entry of a sealed chunk that its posting lists lost,
// and RebuildSearch restores them.
func TestCheckPostings(t *testing.T) {
	smallChunks(t)
	ctx := context.Background()
	s := openTest(t)
	sessions := newSessions(t, s, ownerA, 2)
	logLines(t, s, ownerA, sessions, 800)
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.update(func(tx *bolt.Tx) error {
		p := postingsOf(readOwner(tx, ownerA))
		var keys [][]byte
		_ = p.ForEach(func(k, _ []byte) error {
			if postingChunk(k) == 1 {
				keys = append(keys, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range keys {
			if err := p.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "entry 256 is missing from the search index") {
		t.Fatalf("Check: %v", err)
	}
	if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: "line 300 of"}); len(got) != 0 {
		t.Fatalf("entry 301 found without its posting lists: %v", got)
	}
	if _, err := s.RebuildSearch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, ownerA, model.EntryQuery{Search: "line 300 of"}); !slices.Equal(got, []uint64{301}) {
		t.Fatalf("after the rebuild: %v", got)
	}
}

// TestPostingForms: a posting list round-trips in both forms, takes the smaller, and a set
// finds its neighbours both ways.
func TestPostingForms(t *testing.T) {
	for _, offs := range [][]uint16{{0}, {5, 6, 4095}, {1, 200, 300}} {
		v := encodeOffsets(offs)
		if v[0] != postingList || len(v) > 1+3*len(offs) {
			t.Errorf("%v: form %d, %d bytes", offs, v[0], len(v))
		}
		set := newChunkSet()
		if err := decodePosting(v, set); err != nil {
			t.Fatal(err)
		}
		var got []uint16
		for o, ok := set.next(0); ok; o, ok = set.next(o + 1) {
			got = append(got, uint16(o))
		}
		if !slices.Equal(got, offs) || !slices.Equal(encodeSet(set), v) {
			t.Errorf("%v: decoded %v", offs, got)
		}
	}
	var dense []uint16
	for o := uint16(0); o < 4096; o += 3 {
		dense = append(dense, o)
	}
	v := encodeOffsets(dense)
	if v[0] != postingBitmap || len(v) != 1+512 {
		t.Fatalf("dense list: form %d, %d bytes", v[0], len(v))
	}
	set := newChunkSet()
	if err := decodePosting(v, set); err != nil {
		t.Fatal(err)
	}
	set.unset(4095) // left: 0, 3, ..., 4092
	for _, c := range []struct {
		at, next, prev uint64
		hasNext        bool
	}{{0, 0, 0, true}, {1, 3, 0, true}, {64, 66, 63, true}, {4093, 0, 4092, false}} {
		n, nok := set.next(c.at)
		p, pok := set.prev(c.at)
		if nok != c.hasNext || nok && n != c.next || !pok || p != c.prev {
			t.Errorf("at %d: next %d %v, prev %d %v", c.at, n, nok, p, pok)
		}
	}
	for _, bad := range [][]byte{nil, {2}, {postingBitmap, 1}, {postingList, 0x80}, {postingList, 0xff, 0x7f}} {
		if decodePosting(bad, set) == nil {
			t.Errorf("%x decodes", bad)
		}
	}
}

// TestMatchValueIsMatch: matching a binary value's texts where they lie says what matching
// the entry it decodes to says, for every shape of entry the codec knows and texts whose
// case, width and special letters the matcher treats apart; entryTexts finds the texts
// decodeEntry finds, and gives up on the values decodeEntry refuses for their texts.
func TestMatchValueIsMatch(t *testing.T) {
	texts := []string{"The Quick Brown Fox", "İSTANBUL", "5\u212a", "빠른 여우", "ΣΊΣΥΦΟΣ", "ｶﾀｶﾅ", "é", "\u00e9\u0301", "Ⱥ and ⱥ", "\"quoted\" \\ and\ttab"}
	queries := []string{"quick", "QUICK", "istanbul", "i̇stanbul", "5k", "여우", "σίσυφος", "ｶﾀ", "é", "f", "ox", "른", "ⱥ and", "\"quoted\"", "\\ and\tt", "fox.", "zzz"}
	entries := codecEntries()
	for name, base := range entries {
		for i, text := range texts {
			e := base
			switch i % 4 {
			case 0:
				e.Source = text
			case 1:
				e.Text = text
			case 2:
				e.Clean = text
			case 3:
				e.Approved = text
			}
			v := encodeEntry(nil, e)
			var d model.Entry
			decodeErr := decodeEntry(v, &d)
			got, ok := entryTexts(v)
			if decodeErr != nil {
				if ok {
					t.Errorf("%s: entryTexts reads a value decodeEntry refuses (%v)", name, decodeErr)
				}
				continue
			}
			if !ok {
				t.Errorf("%s with %q: entryTexts does not read it", name, text)
				continue
			}
			if want := [4]string{d.Source, d.Text, d.Clean, d.Approved}; [4]string{string(got[0]), string(got[1]), string(got[2]), string(got[3])} != want {
				t.Errorf("%s with %q: texts %q, want %q", name, text, got, want)
			}
			for _, q := range queries {
				m := newMatcher(q)
				found, matched := m.matchValue(v)
				if !matched || found != m.match(d) {
					t.Errorf("%s with %q, query %q: matchValue %v (read %v), match %v", name, text, q, found, matched, m.match(d))
				}
			}
		}
	}
	if _, ok := entryTexts(saveJSON(t, entries["full"])); ok {
		t.Error("entryTexts reads a JSON value")
	}
}
