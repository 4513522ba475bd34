// Package archtest holds the test that enforces the package dependency rules of docs/architecture.md
// (section 2): which hark packages each package may import, and where third-party code may enter.
package archtest
