"""Reading response files: whole (:func:`read_responses`) or in chunks (:func:`read_chunks`)."""

from __future__ import annotations

from satscore._io.chunk_files import (
    FileChunks,
    read_chunks,
)
from satscore._io.responses import (
    read_responses,
)

__all__ = [
    "FileChunks",
    "read_chunks",
    "read_responses",
]
