// Package pricing holds the Kie.ai model registry shipped inside the binary,
// price quotes in integer kopecks, the free tier and the registry audit.
package pricing
