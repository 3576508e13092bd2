"""Encodings: detect a file's encoding from its first bytes and decode it as a stream.

UTF-8 (with or without BOM), UTF-16/32 with BOM, BOM-less UTF-16, Windows-1256,
then charset-normalizer as a last resort; invalid sequences are counted, not fatal.
"""
from __future__ import annotations

import codecs
import re

CHUNK = 1 << 20  # bytes read at a time
SAMPLE = 64 * 1024  # bytes looked at to detect the encoding
ASCII_SAMPLE_MAX = 1 << 20  # read on while the sample is pure ASCII, up to this


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _is_arabic(c: str) -> bool:
    o = ord(c)
    return (0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0x08A0 <= o <= 0x08FF
            or 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF or o in (0x200C, 0x200D, 0x200E, 0x200F))


def _arabic_share(text: str) -> float:
    """Share of the non-ASCII characters that are Arabic-script (ASCII is neutral)."""
    non_ascii = [c for c in text if ord(c) > 0x7F and c != "\ufffd"]
    if not non_ascii:
        return 0.0
    return sum(1 for c in non_ascii if _is_arabic(c)) / len(non_ascii)


def detect_encoding(sample: bytes, at_eof: bool = True) -> str | None:
    """The encoding of a file from its first bytes, or ``None`` for binary data.

    Order: BOMs; NUL patterns (BOM-less UTF-16, else binary); strict UTF-8;
    UTF-8 with a few invalid bytes (still ``"utf-8"``: decoded with
    replacement and reported); Windows-1256 when its high bytes decode to
    Arabic; charset-normalizer; then ``None``. ``at_eof`` says the sample is the
    whole file (a multi-byte character cut at the end of a sample is fine).

    >>> detect_encoding("سوريا".encode("cp1256"))
    'cp1256'
    >>> detect_encoding("سوريا".encode("utf-8"))
    'utf-8'
    >>> detect_encoding(b"\\x00\\x01\\x02binary\\x00\\x00\\xff")
    """
    if not sample:
        return "utf-8"
    for bom, enc in _BOMS:
        if sample.startswith(bom):
            return enc
    nul = sample.count(0)
    if nul:
        odd = sample[1::2].count(0)
        even = nul - odd
        if nul >= len(sample) // 50 and max(odd, even) >= 0.9 * nul:
            enc = "utf-16-le" if odd > even else "utf-16-be"
            try:
                t = sample[: len(sample) // 2 * 2].decode(enc)
            except UnicodeDecodeError:
                t = None
            if t is not None and len(_CONTROL.findall(t)) <= 0.02 * len(t):
                return enc
        if nul * 1000 >= len(sample) or nul > 16:  # text has no NULs; one stray one is let through
            return None
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=at_eof)
    except UnicodeDecodeError:
        text = None
    if text is not None:
        # Guard for very short Windows-1256 text whose bytes happen to form
        # valid UTF-8 (a letter followed by "،" is a valid 2-byte sequence):
        # such text decodes to stray Latin letters, never to Arabic.
        if (not any(_is_arabic(c) for c in text) and any(ord(c) > 0x7F for c in text)
                and _arabic_share(sample.decode("cp1256")) >= 0.8):
            return "cp1256"
        return "utf-8" if _plausible(text) else None
    loose = sample.decode("utf-8", errors="replace")
    if not at_eof and len(sample) > 4:  # a cut character at the end is not an error
        loose = sample[:-4].decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    good = sum(1 for c in loose if ord(c) > 0x7F) - bad
    if good >= 3 * bad:
        return "utf-8"  # UTF-8 with a few invalid bytes: decoded with replacement, reported
    cp = sample.decode("cp1256")
    if _plausible(cp):
        high = [c for c in cp if ord(c) > 0x7F]
        letters = [c for c in high if c.isalpha()]
        if letters and sum(map(_is_arabic, letters)) >= 0.6 * len(letters):
            return "cp1256"
        # No letters, only punctuation: Arabic marks (؟ ، RLM), or «» which are
        # the same bytes in Windows-1256 and -1252; guessers misfire on so little.
        if not letters and (cp == sample.decode("cp1252", errors="replace")
                            or sum(map(_is_arabic, high)) >= 0.5 * len(high)):
            return "cp1256"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    best = from_bytes(sample).best()
    if best is not None and best.encoding:
        try:
            if _plausible(sample.decode(best.encoding, errors="replace")):
                return best.encoding
        except LookupError:
            pass
    return None


def _plausible(text: str) -> bool:
    """Text rather than binary: few control characters."""
    return len(_CONTROL.findall(text)) <= 0.05 * max(len(text), 1)


def decode_bytes(data: bytes) -> tuple[str, str | None, int]:
    """Decode a whole byte string: ``(text, encoding, invalid_sequences)``.

    ``encoding`` is ``None`` (and the text empty) when the data looks binary.

    >>> decode_bytes("\\ufeffحلب".encode("utf-8"))
    ('حلب', 'utf-8-sig', 0)
    """
    enc = detect_encoding(data[:SAMPLE], at_eof=len(data) <= SAMPLE)
    if enc is None:
        return "", None, 0
    try:
        return data.decode(enc), enc, 0
    except UnicodeDecodeError:
        text = data.decode(enc, errors="replace")
        return text, enc, text.count("\ufffd")


class Decoder:
    """Decodes a byte stream chunk by chunk, reporting invalid sequences once.

    Switches from ASCII-looking UTF-8 to the right encoding when the first
    non-ASCII bytes show up past the detection sample.
    """

    def __init__(self, enc: str, ascii_only: bool):
        self.enc = enc
        self.ascii_only = ascii_only
        self.dec = codecs.getincrementaldecoder(enc)("strict")
        self.errors = 0
        self.first_error: int | None = None  # byte offset
        self.offset = 0

    def decode(self, data: bytes, final: bool = False) -> str:
        try:
            out = self.dec.decode(data, final)
        except UnicodeDecodeError as e:
            if self.ascii_only and self.enc == "utf-8" and self.errors == 0:
                enc = detect_encoding(data, at_eof=final)
                if enc not in (None, "utf-8"):
                    self.enc = enc  # ASCII so far is the same in the new encoding
                    self.dec = codecs.getincrementaldecoder(enc)("strict")
                    self.ascii_only = False
                    return self.decode(data, final)
            if self.first_error is None:
                self.first_error = self.offset + max(e.start - len(getattr(self.dec, "buffer", b"")), 0)
            self.dec.errors = "replace"  # the decoder's buffer is unchanged after the error
            out = self.dec.decode(data, final)
            self.dec.errors = "strict"
            self.errors += out.count("\ufffd") or 1
        self.offset += len(data)
        if self.ascii_only and not out.isascii():
            self.ascii_only = False
        return out
