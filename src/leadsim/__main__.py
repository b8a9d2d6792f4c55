"""``python -m leadsim`` is the ``leadsim`` command.

``python -m`` puts the current folder first on ``sys.path``, so a file there named
like a module (``evil.py``, ``tomllib.py``) would be imported in place of the real one.
The ``leadsim`` command does not look there; neither does this. A folder given on
``PYTHONPATH`` stays on the path: Python lists it again after the current folder.
"""

import os
import sys

if not sys.flags.safe_path and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from leadsim.cli import main

raise SystemExit(main())
