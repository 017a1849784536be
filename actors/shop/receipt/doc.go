// Package receipt pre-checks a bank-transfer receipt before an admin
// decides on a manual top-up.
package receipt
