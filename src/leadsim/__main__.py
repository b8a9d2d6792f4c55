"""``python -m leadsim`` is the ``leadsim`` command."""

from leadsim.cli import main

raise SystemExit(main())
