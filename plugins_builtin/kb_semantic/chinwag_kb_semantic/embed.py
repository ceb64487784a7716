"""The embedding model: WordLlama's 256-d ``l2_supercat`` weights, shipped in its wheel.

WordLlama averages token embeddings taken from a large language model's embedding table
(no transformer runs): about a millisecond a query on one CPU core, no torch, no download. The
model is loaded once per process, on first use (about a second), and is read-only afterwards.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MODEL = "wordllama-0.4.0-l2_supercat-256"
DIM = 256
#: the start of an article that is embedded (title, tags and summary come first)
MAX_CHARS = 4000


@functools.cache
def _model() -> Any:
    # the weights and the tokenizer are files of the installed package; never fetch anything.
    # WordLlama looks for its tokenizer under ``<package>/tokenizer/`` but ships it in
    # ``<package>/tokenizers/``, and then tries a download: pointing its cache at the package
    # finds the shipped file (a test fails if any network access is tried).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import wordllama
    from wordllama import WordLlama

    package = Path(wordllama.__file__).parent
    return WordLlama.load(config="l2_supercat", dim=DIM, cache_dir=package)


def embed(texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit-length embeddings of ``texts``, one row each."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    out = _model().embed([t[:MAX_CHARS] for t in texts], norm=True)
    return np.asarray(out, dtype=np.float32).reshape(len(texts), DIM)


def article_text(title: str, tags: Sequence[str], summary: str, body: str) -> str:
    """What represents an article: its head (the words visitors' questions echo most), then
    its body."""
    return f"{title}. {' '.join(tags)}. {summary}\n{body}"
