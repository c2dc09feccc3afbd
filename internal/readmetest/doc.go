// Package readmetest holds the test of the repository's README: every Go
// block in README.md is a complete program that compiles against this
// module and, where a text block follows it, prints exactly that text
// when run from the repository root.
package readmetest
