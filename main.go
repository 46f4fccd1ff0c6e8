// Command lifeboat is a disaster-recovery console for restic.
package main

import (
	"os"

	"github.com/lifeboat-dr/lifeboat/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
