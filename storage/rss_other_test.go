//go:build !linux

package storage

// maxRSS is not measured here.
func maxRSS() float64 { return 0 }
