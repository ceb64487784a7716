"""Fixtures of the attack plan (docs/security.md): real `chinwag run` servers, raw sockets."""

from __future__ import annotations

import sys
from pathlib import Path

# the real-time helpers (python-socketio clients that speak the protocol) are shared
sys.path.insert(0, str(Path(__file__).parent.parent / "realtime"))
