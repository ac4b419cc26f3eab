"""Which font file a report embeds: a lean copy of the configured font, or the font itself.

fpdf2 reads the whole font file for every document: the default CJK font (WenQuanYi Micro
Hei) has about 49,000 glyphs, and reading it was most of a report's rendering time (about
0.2 s a report; a sixth of the test suite's CPU). Nearly every report needs far fewer, so
reports embed the smallest of two copies of the font that holds every character of the report:
- "latin": Latin text (with accents), general punctuation and currency signs, about 700 glyphs:
  a report in English reads it in ~3 ms rather than ~60 ms;
- "common": that, and the characters of everyday Chinese (GB 2312), CJK symbols and
  punctuation and full-width forms, about 8,000 glyphs.
A copy is built by fontTools' subsetter the first time a report needs it (about 0.5 s and 2 s)
and kept in the user's cache folder, named after the font file, its size and time, and the
copy's character set. A report holding any character outside both (a rare character in a name
or an address) embeds the full font, as before; so does every report while the copy cannot be
built or stored (a warning says why, once per process).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset, ttLib

logger = logging.getLogger(__name__)

# Bumped whenever a character set or the subsetting options change: older copies are then not
# used.
CHARSET_VERSION = 2
# Where the copies go: $XDG_CACHE_HOME/aftersales, else ~/.cache/aftersales.
CACHE_ENV = "XDG_CACHE_HOME"


def _gb2312() -> set[str]:
    """Every character of GB 2312 (the 6,763 hanzi of everyday Chinese and its symbols)."""
    found: set[str] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def _ranges(*spans: tuple[int, int]) -> set[str]:
    """The characters of the inclusive code point ranges."""
    return {chr(code) for first, last in spans for code in range(first, last + 1)}


# Latin (with accents), general punctuation and currency signs; whitespace passes through.
LATIN: frozenset[str] = frozenset(
    _ranges((0x20, 0x24F), (0x2000, 0x206F), (0x20A0, 0x20CF)) | set("\n\t\r")
)
# That, GB 2312, CJK symbols and punctuation, and full-width forms.
COMMON: frozenset[str] = LATIN | _gb2312() | _ranges((0x3000, 0x303F), (0xFF00, 0xFFEF))
# The copies, smallest first: a report embeds the first that holds all of its characters.
COPIES: tuple[tuple[str, frozenset[str]], ...] = (("latin", LATIN), ("common", COMMON))


@dataclass(frozen=True)
class FontFile:
    """A font file for fpdf2's add_font (the face number counts in a font collection only)."""

    path: Path
    collection_font_number: int = 0


def choose(font: Path, text: Iterable[str]) -> FontFile:
    """The file to embed for a document holding the given strings."""
    full = FontFile(font)
    used: set[str] = set()
    for piece in text:
        used.update(piece)
    for name, charset in COPIES:
        if used <= charset:
            lean = _lean_copy(font.resolve(), name, charset)
            return FontFile(lean) if lean is not None else full
    return full


def cache_folder() -> Path:
    """The folder holding the lean copies."""
    base = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache")
    return Path(base) / "aftersales"


def _lean_copy(font: Path, name: str, charset: frozenset[str]) -> Path | None:
    """The named lean copy of the font, built on first use; None if it cannot be had."""
    try:
        stat = font.stat()
    except OSError:
        return None
    identity = f"{font}|{stat.st_size}|{stat.st_mtime_ns}|{name}|{CHARSET_VERSION}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return _built(font, charset, cache_folder() / f"report-font-{name}-{digest}.ttf")


# Copies that could not be built in this process: not tried again for every report.
_failed: set[Path] = set()


def _built(font: Path, charset: frozenset[str], target: Path) -> Path | None:
    """Builds the copy at target unless it is there; None (and a warning) if that fails.

    Looked for on every report, so a copy removed while the bot runs (a cleaned cache
    folder) is built again rather than missed.
    """
    if target.is_file():
        return target
    if target in _failed:
        return None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        source = ttLib.TTFont(str(font), fontNumber=0, recalcTimestamp=False)
        options = subset.Options()
        options.name_IDs = ["*"]  # the font's names and licence stay in the copy
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.layout_features = ["*"]
        options.drop_tables += ["FFTM"]  # a font-editor timestamp the subsetter does not know
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(char) for char in charset])
        subsetter.subset(source)
        # Written aside and renamed: another process building it at the same time, or a
        # crash halfway, never leaves a half-written file under the name.
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(handle)
        try:
            source.save(temporary)
            os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)
    except Exception as exc:  # any failure: reports embed the full font instead
        _failed.add(target)
        logger.warning("report font: no lean copy of %s (%s); the full font is used", font, exc)
        return None
    return target
