package wfst

import "fmt"

// SymbolTable maps symbols to labels and back (OpenFST's SymbolTable). Keys need not be dense.
// Memory: one string and two map entries per symbol; the table never grows unless Add is called.
type SymbolTable struct {
	Name         string
	availableKey int64
	keys         []int64  // insertion order, as OpenFST writes them
	syms         []string // the symbol of each entry of keys
	sym          map[int64]string
	key          map[string]int64
}

// NewSymbolTable returns an empty table with the given name.
func NewSymbolTable(name string) *SymbolTable {
	return &SymbolTable{Name: name, sym: map[int64]string{}, key: map[string]int64{}}
}

// Add returns the key of symbol, adding it with the next available key if it is new.
func (t *SymbolTable) Add(symbol string) int64 {
	if k, ok := t.key[symbol]; ok {
		return k
	}
	k := t.availableKey
	t.AddWithKey(symbol, k)
	return k
}

// AddWithKey adds symbol with key k. A symbol already present keeps its first key (OpenFST's behaviour).
func (t *SymbolTable) AddWithKey(symbol string, k int64) {
	if _, ok := t.key[symbol]; ok {
		return
	}
	t.sym[k] = symbol
	t.key[symbol] = k
	t.keys = append(t.keys, k)
	t.syms = append(t.syms, symbol)
	if k >= t.availableKey {
		t.availableKey = k + 1
	}
}

// Find returns the key of symbol and whether it is present.
func (t *SymbolTable) Find(symbol string) (int64, bool) {
	k, ok := t.key[symbol]
	return k, ok
}

// Symbol returns the symbol of key k and whether it is present.
func (t *SymbolTable) Symbol(k int64) (string, bool) {
	s, ok := t.sym[k]
	return s, ok
}

// Len returns the number of symbols.
func (t *SymbolTable) Len() int { return len(t.keys) }

// AvailableKey returns the key the next Add would use.
func (t *SymbolTable) AvailableKey() int64 { return t.availableKey }

// SetAvailableKey sets the key the next Add uses (as read from an OpenFST file).
func (t *SymbolTable) SetAvailableKey(k int64) { t.availableKey = k }

// Keys returns the keys in insertion order. The slice aliases the table; do not modify it.
func (t *SymbolTable) Keys() []int64 { return t.keys }

// Copy returns a deep copy.
func (t *SymbolTable) Copy() *SymbolTable {
	if t == nil {
		return nil
	}
	c := NewSymbolTable(t.Name)
	for i, k := range t.keys {
		c.AddWithKey(t.syms[i], k)
	}
	c.availableKey = t.availableKey
	return c
}

// Entry returns the i-th (symbol, key) pair in insertion order, 0 ≤ i < Len(). Unlike Symbol, it also
// reaches a symbol whose key a later symbol took (OpenFST's tables keep both and write both).
func (t *SymbolTable) Entry(i int) (string, int64) { return t.syms[i], t.keys[i] }

// Equal reports whether two tables hold the same (key, symbol) pairs.
func (t *SymbolTable) Equal(u *SymbolTable) bool {
	if t == nil || u == nil {
		return t == u
	}
	if len(t.keys) != len(u.keys) {
		return false
	}
	for k, s := range t.sym {
		if u.sym[k] != s {
			return false
		}
	}
	return true
}

// String returns a short description for debugging.
func (t *SymbolTable) String() string {
	return fmt.Sprintf("SymbolTable(%q, %d symbols)", t.Name, len(t.keys))
}
