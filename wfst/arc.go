package wfst

// Label is an arc label: a symbol id. Epsilon (0) consumes or emits nothing.
type Label int32

// StateID identifies a state: 0..NumStates()-1 in expanded FSTs.
type StateID int32

const (
	// Epsilon is the empty label.
	Epsilon Label = 0
	// NoLabel marks "no label" (OpenFST's kNoLabel), e.g. in a relabel map.
	NoLabel Label = -1
	// NoStateID marks "no state" (OpenFST's kNoStateId): an FST without a start state.
	NoStateID StateID = -1
)

// Arc is a transition: input label, output label, weight (a cost) and destination state. Its layout
// (int32, int32, float32, int32; 16 bytes) is that of OpenFST's StdArc and LogArc in files.
type Arc struct {
	ILabel    Label
	OLabel    Label
	Weight    Weight
	NextState StateID
}
