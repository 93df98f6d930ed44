"""`python -m asrctl`: the same as the `asrctl` command."""

from asrctl.cli import main

main()
