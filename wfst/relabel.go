package wfst

import "fmt"

// Relabel replaces labels in place (OpenFST's Relabel with label pairs): an input label equal to the first
// element of a pair in ipairs becomes its second element, and likewise for output labels with opairs;
// other labels are unchanged. It fails, leaving f unchanged, if a pair maps a label to NoLabel. Symbol
// tables are kept as they are.
func Relabel(f *Vector, ipairs, opairs [][2]Label) error {
	imap := make(map[Label]Label, len(ipairs))
	for _, p := range ipairs {
		imap[p[0]] = p[1]
	}
	omap := make(map[Label]Label, len(opairs))
	for _, p := range opairs {
		omap[p[0]] = p[1]
	}
	for _, m := range []map[Label]Label{imap, omap} {
		for k, v := range m {
			if v == NoLabel {
				return fmt.Errorf("wfst: relabel: label %d maps to no label", k)
			}
		}
	}
	props := f.props
	for s := range f.states {
		st := &f.states[s]
		if len(st.arcs) == 0 {
			continue
		}
		for i := range st.arcs {
			a := &st.arcs[i]
			if len(imap) > 0 {
				if l, ok := imap[a.ILabel]; ok {
					a.ILabel = l
				}
			}
			if len(omap) > 0 {
				if l, ok := omap[a.OLabel]; ok {
					a.OLabel = l
				}
			}
		}
		f.SetArcs(StateID(s), st.arcs)
	}
	f.props = props & propRelabel
	return nil
}

// propRelabel are the properties Relabel preserves (OpenFST's RelabelProperties).
const propRelabel = PropExpanded | PropMutable | PropError | PropWeighted | PropUnweighted | PropCyclic |
	PropAcyclic | PropInitialCyclic | PropInitialAcyclic | PropTopSorted | PropNotTopSorted | PropAccessible |
	PropNotAccessible | PropCoAccessible | PropNotCoAccessible | PropString | PropNotString |
	PropWeightedCycles | PropUnweightedCycles
