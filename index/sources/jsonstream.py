"""A streaming JSON reader: the values of a top-level array (or of concatenated values)
one at a time, so a huge array is never held whole; an oversized value is skipped by
scanning, not parsing.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from marsad.index.sources.encodings import CHUNK
from marsad.index.sources.unit import FileUnit

_WS = re.compile(r"[ \t\n\r]*")
_STRUCT = re.compile(r'["{}\[\]]')
_STR_END = re.compile(r'["\\]')


class _Buf:
    """A sliding window over decoded chunks, for the streaming JSON parser."""

    def __init__(self, chunks: Iterator[str]):
        self.it = chunks
        self.s = ""
        self.pos = 0
        self.eof = False
        self.lines = 0  # newlines before self.s[self._cur]
        self._cur = 0  # a cursor, so line numbers cost O(text) overall, not per call

    def more(self, at_least: int = 1) -> bool:
        if self.eof:
            return False
        if self.pos:
            self.line_at(self.pos)  # move the cursor to the cut
            self.s = self.s[self.pos:]
            self._cur -= self.pos
            self.pos = 0
        got = 0
        add = []
        while got < at_least:
            c = next(self.it, None)
            if c is None:
                self.eof = True
                break
            add.append(c)
            got += len(c)
        if add:
            self.s += "".join(add)
        return got > 0

    def skip_ws(self) -> bool:
        """Skip white space; False at the end of the input."""
        while True:
            self.pos = _WS.match(self.s, self.pos).end()  # type: ignore[union-attr]  # [ \t\n\r]* always matches
            if self.pos < len(self.s):
                return True
            if not self.more():
                return False

    def line_at(self, i: int) -> int:
        """1-based line number of ``self.s[i]`` (``i`` at or after the last cut)."""
        if i >= self._cur:
            self.lines += self.s.count("\n", self._cur, i)
        else:
            self.lines -= self.s.count("\n", i, self._cur)
        self._cur = i
        return self.lines + 1


def json_values(unit: FileUnit, chunks: Iterator[str]) -> Iterator[tuple[int, int, Any]]:
    """``(record_number, line, value)`` for each top-level value: the elements of
    a top-level array, or each of a sequence of concatenated values. An
    oversized value is skipped by scanning and reported; invalid JSON is
    reported and ends the file (there is no safe place to resume)."""
    buf = _Buf(chunks)
    dec = json.JSONDecoder()
    limit = unit.ctx.raw_limit
    if not buf.skip_ws():
        return
    in_array = buf.s[buf.pos] == "["
    if in_array:
        buf.pos += 1
    n = 0
    while True:
        if not buf.skip_ws():
            if in_array:
                unit.skip_record("invalid-json", "unexpected end of file inside the array (truncated?)",
                                 buf.line_at(buf.pos), n + 1)
            return
        if in_array and buf.s[buf.pos] == "]":
            buf.pos += 1
            if buf.skip_ws():
                unit.skip_record("invalid-json", "data after the closing ']' ignored", buf.line_at(buf.pos), n + 1)
            return
        n += 1
        start_line = buf.line_at(buf.pos)
        while True:
            try:
                val, end = dec.raw_decode(buf.s, buf.pos)
                if end == len(buf.s) and not buf.eof:  # a number may go on in the next chunk
                    raise json.JSONDecodeError("cut", buf.s, end)
            except json.JSONDecodeError as e:
                if buf.eof:
                    unit.skip_record("invalid-json", f"{e.msg} (line {buf.line_at(e.pos)}); rest of file not read",
                                     start_line, n)
                    return
                if len(buf.s) - buf.pos > limit:
                    _skip_json_value(buf)
                    unit.skip_record("oversized", f"JSON value over {limit} characters", start_line, n)
                    val = _SKIPPED
                    break
                buf.more(max(CHUNK, len(buf.s) - buf.pos))  # grow geometrically: no quadratic re-parsing
                continue
            buf.pos = end
            break
        if val is not _SKIPPED:
            yield n, start_line, val
        if in_array:
            if not buf.skip_ws():
                unit.skip_record("invalid-json", "unexpected end of file inside the array (truncated?)",
                                 buf.line_at(buf.pos), n + 1)
                return
            c = buf.s[buf.pos]
            if c == ",":
                buf.pos += 1
            elif c != "]":
                unit.skip_record("invalid-json", f"expected ',' or ']' but found {c!r}; rest of file not read",
                                 buf.line_at(buf.pos), n + 1)
                return


_SKIPPED = object()


def _next_chunk(buf: _Buf) -> bool:
    """Consume what the buffer holds and read on; False at the end of the input."""
    buf.pos = len(buf.s)
    if not buf.more():
        buf.pos = len(buf.s)
        return False
    return True


def _skip_json_value(buf: _Buf) -> None:
    """Advance past one JSON value without building it (for oversized values)."""
    depth = 0
    in_str = False
    escape = False
    i = buf.pos
    while True:
        s = buf.s
        if escape:
            if i >= len(s):
                if not _next_chunk(buf):
                    return
                i = 0
                continue
            i += 1
            escape = False
        m = (_STR_END if in_str else _STRUCT).search(s, i)
        if m is None:
            if not _next_chunk(buf):
                return
            i = 0
            continue
        c = m.group()
        i = m.end()
        if in_str:
            if c == "\\":
                escape = True
                continue
            in_str = False
            if depth == 0:
                break
        elif c == '"':
            in_str = True
        elif c in "{[":
            depth += 1
        else:
            depth -= 1
            if depth <= 0:
                break
    buf.pos = i
