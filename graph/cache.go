package graph

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"hark/lm"
	"hark/wfst"
	"hark/wfst/fstio"
)

// CacheVersion is the version of the graph-building recipe and cache layout; it is part of every key, so
// changing how graphs are built invalidates old entries.
const CacheVersion = 1

// File names inside a cache entry.
const (
	HCLGFile     = "HCLG.fst"       // OpenFST const FST, standard arcs (aligned layout)
	WordsFile    = "words.txt"      // OpenFST text symbol table
	InfoFile     = "info.json"      // Info
	PrunedLMFile = "lm-pruned.flat" // Graph.PrunedLM in lm's flat form (lm.WriteFlat), when the LM was pruned
)

// Info describes a built graph: how it was built and its sizes.
type Info struct {
	Key     string
	Version int
	Created time.Time
	Sources map[string]string // description of the inputs (paths, sizes), for people
	Config  Config
	Stats   Stats
}

// Key accumulates the identity of a graph's inputs and options (SHA-256). Feed it every input file's bytes
// and every option that changes the graph; equal keys mean equal graphs.
type Key struct {
	h hash.Hash
}

// NewKey returns a key seeded with CacheVersion.
func NewKey() *Key {
	k := &Key{h: sha256.New()}
	k.AddString("hark-graph", fmt.Sprint(CacheVersion))
	return k
}

func (k *Key) field(name string, n int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(len(name)))
	k.h.Write(b[:])
	k.h.Write([]byte(name))
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	k.h.Write(b[:])
}

// AddString adds a named value.
func (k *Key) AddString(name, value string) {
	k.field(name, int64(len(value)))
	k.h.Write([]byte(value))
}

// AddJSON adds a named value by its JSON encoding (options structs).
func (k *Key) AddJSON(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("graph: key %s: %w", name, err)
	}
	k.AddString(name, string(b))
	return nil
}

// AddFile adds the contents of a file.
func (k *Key) AddFile(name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("graph: key %s: %w", name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("graph: key %s: %w", name, err)
	}
	k.field(name, fi.Size())
	if _, err := io.Copy(k.h, f); err != nil {
		return fmt.Errorf("graph: key %s: %w", name, err)
	}
	return nil
}

// Sum returns the key as 32 hex digits.
func (k *Key) Sum() string { return hex.EncodeToString(k.h.Sum(nil)[:16]) }

// DefaultCacheDir returns $XDG_CACHE_HOME/hark, or ~/.cache/hark.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "hark"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("graph: no cache directory: %w", err)
	}
	return filepath.Join(home, ".cache", "hark"), nil
}

// EntryDir returns the directory of the cache entry key under cache dir root: root/graphs/key.
func EntryDir(root, key string) string { return filepath.Join(root, "graphs", key) }

// ErrNotCached reports a cache entry that does not exist.
var ErrNotCached = errors.New("graph: not in the cache")

// Save writes g into dir (created; an existing entry is replaced atomically): HCLG.fst as an OpenFST const
// FST (aligned layout, so that Load can map it), words.txt, info.json, and lm-pruned.flat when g has its
// pruned LM. The files are written to a temporary directory beside dir and renamed, so a
// reader never sees half an entry.
func Save(dir string, g *Graph) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("graph: save: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("graph: save: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("graph: save: %w", err)
	}
	if err := fstio.WriteFile(filepath.Join(tmp, HCLGFile), g.HCLG, fstio.WriteOptions{FSTType: "const", Align: true}); err != nil {
		return fmt.Errorf("graph: save: %w", err)
	}
	if err := fstio.WriteSymbolsTextFile(filepath.Join(tmp, WordsFile), g.Words); err != nil {
		return fmt.Errorf("graph: save: %w", err)
	}
	if g.PrunedLM != nil {
		if err := writeFile(filepath.Join(tmp, PrunedLMFile), func(w io.Writer) error { return lm.WriteFlat(w, g.PrunedLM) }); err != nil {
			return fmt.Errorf("graph: save: %w", err)
		}
	}
	info, err := json.MarshalIndent(g.Info, "", "  ")
	if err != nil {
		return fmt.Errorf("graph: save: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, InfoFile), append(info, '\n'), 0o644); err != nil {
		return fmt.Errorf("graph: save: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("graph: save: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("graph: save: %w", err)
	}
	return nil
}

// Load reads a graph saved by Save. HCLG (a *wfst.Const: flat arrays, no pointers) is memory-mapped
// read-only from the entry's HCLG.fst where fstio.OpenConst can (Linux), with every page faulted in at load
// (MAP_POPULATE): it is off the Go heap (the garbage collector neither scans it nor counts it toward its
// goal), its resident size is fixed from load on (20 bytes per state + 16 per arc, the file's size) however
// much of it a search visits, and processes loading the same entry share its pages. Elsewhere it is read
// onto the heap (same size). An entry written by an older Save in OpenFST's unaligned const layout, whose
// arrays cannot be mapped in place, is rewritten in the aligned layout first (atomically; if that fails,
// the graph is read onto the heap). The HCLG's embedded symbol tables are skipped: Words comes from
// words.txt (about 100 bytes of heap per word). The graph is read-only and lives as long as it is
// reachable.
func Load(dir string) (*Graph, error) {
	if _, err := os.Stat(filepath.Join(dir, InfoFile)); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotCached, dir)
	}
	var info Info
	b, err := os.ReadFile(filepath.Join(dir, InfoFile))
	if err != nil {
		return nil, fmt.Errorf("graph: load: %w", err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("graph: load %s: %w", InfoFile, err)
	}
	if info.Version != CacheVersion {
		return nil, fmt.Errorf("%w: %s has version %d, want %d", ErrNotCached, dir, info.Version, CacheVersion)
	}
	path := filepath.Join(dir, HCLGFile)
	opts := fstio.MapOptions{SkipSymbols: true, Populate: true}
	c, mapped, err := fstio.OpenConst(path, opts)
	if err != nil {
		return nil, fmt.Errorf("graph: load: %w", err)
	}
	if !mapped && fstio.MapSupported && rewriteAligned(path, c) == nil {
		if mc, ok, err := fstio.OpenConst(path, opts); err == nil && ok {
			c, mapped = mc, true
		}
	}
	words, err := fstio.ReadSymbolsTextFile(filepath.Join(dir, WordsFile), false)
	if err != nil {
		return nil, fmt.Errorf("graph: load: %w", err)
	}
	return &Graph{HCLG: c, Words: words, Info: info, Mapped: mapped}, nil
}

// writeFile creates path and writes it with write through a buffer.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// rewriteAligned replaces the const FST file at path by c in OpenFST's aligned const layout, through a
// temporary file renamed into place (readers that have the old file open or mapped keep it).
func rewriteAligned(path string, c *wfst.Const) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".hclg-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fstio.Write(tmp, c, fstio.WriteOptions{FSTType: "const", Align: true}); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadOrBuild returns the graph of key from the cache under root, or builds it with build, saves it and
// returns it. cached reports whether it came from the cache. An entry that cannot be read (missing,
// another version, corrupt) is rebuilt and replaced.
func LoadOrBuild(root, key string, build func() (*Graph, error)) (g *Graph, cached bool, err error) {
	dir := EntryDir(root, key)
	g, err = Load(dir)
	if err == nil {
		return g, true, nil
	}
	g, err = build()
	if err != nil {
		return nil, false, err
	}
	g.Info.Key, g.Info.Version = key, CacheVersion
	if g.Info.Created.IsZero() {
		g.Info.Created = time.Now().UTC()
	}
	if err := Save(dir, g); err != nil {
		return nil, false, err
	}
	return g, false, nil
}
