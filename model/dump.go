package model

// OwnerInfo is what a store keeps of an owner besides its sessions, scripts and entries:
// its settings and its id sequences (the last entry and session ids handed out, which a
// deleted entry's id keeps from being handed out again).
type OwnerInfo struct {
	Owner       Owner
	Languages   []Language
	PickedModel string
	LastEntry   uint64
	LastSession uint64
}

// Record is one item of a store's whole content as a dump streams it, from one store to
// another or into a checksum. Exactly one field is set; sessions, scripts and entries carry
// their owner.
type Record struct {
	Owner   *OwnerInfo
	Session *Session
	Script  *Script
	Entry   *Entry
}
