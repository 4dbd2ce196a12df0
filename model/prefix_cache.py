"""Prefix reuse across the turns of a conversation: turn N prefills only what turn N-1 did not.

Turn N's prompt is turn N-1's prompt, the reply the user was shown and the new user turn. After a turn,
the runtime keeps the token ids it fed the model and the KV cache they produced under the conversation's
key; the next turn takes them back, keeps the cache up to the longest common prefix of the old and the
new token ids, and runs only the rest through the model. The common prefix is found on token ids, not
assumed from the text, so whatever the chat template does at a turn boundary (or the output check did to
the reply) only costs the tokens that differ. Results equal a full prefill's up to float rounding
(tests/model/test_prefix_reuse.py).

A taken entry leaves the store, so two requests never decode into one cache; a second turn of the same
conversation that arrives meanwhile simply prefills in full. Entries are least-recently-used, bounded in
number and in tokens; a replica that never saw the conversation prefills in full (correct, just slower).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PrefixConfig:
    conversations: int = 8  # how many conversations' caches one process keeps (0: no reuse)
    max_tokens: int = 4096  # an entry longer than this is not kept


@dataclass
class PrefixEntry:
    ids: list[int]  # the token ids the cache holds, in order
    cache: Any  # the backend's KV state for exactly those ids


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token id sequences."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


class PrefixStore:
    """Conversation key -> the last turn's token ids and KV cache. Thread-safe."""

    def __init__(self, config: PrefixConfig) -> None:
        self.config = config
        self._entries: OrderedDict[str, PrefixEntry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0  # takes that found an entry (for tests, benchmarks and metrics)
        self.misses = 0

    def take(self, key: str) -> PrefixEntry | None:
        """Remove and return ``key``'s entry: the caller owns its cache now."""
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None:
                self.misses += 1
            else:
                self.hits += 1
            return entry

    def put(self, key: str, entry: PrefixEntry) -> None:
        if self.config.conversations <= 0 or len(entry.ids) > self.config.max_tokens:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.config.conversations:
                self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
