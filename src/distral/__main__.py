"""`python -m distral ...` runs the command-line interface."""

from distral.cli import main

raise SystemExit(main())
