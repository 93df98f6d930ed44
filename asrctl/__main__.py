"""`python -m asrctl`: the same as the `asrctl` command."""

from .cli import main

main()
