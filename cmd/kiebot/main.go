// Command kiebot runs the Telegram bot service and its operator commands.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	fmt.Fprintln(os.Stderr, "kiebot", version)
}
