"""`python -m launcher.cli`: how local mode starts each process."""

from launcher.cli import main

main()
