// Package kie is the Kie.ai HTTP client.
package kie
