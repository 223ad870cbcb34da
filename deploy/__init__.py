"""Tools for a deployed stack (run from the repository root: ``python -m deploy.<tool>``).

They use the same domain code as the functions, which lives in the shared layer's folder."""

import sys
from pathlib import Path

_SHARED = str(Path(__file__).resolve().parent.parent / "shared")
if _SHARED not in sys.path:
    sys.path.insert(0, _SHARED)
