"""`python -m apex_tui` is the same as the `apex-tui` command."""

from apex_tui.cli import main

raise SystemExit(main())
