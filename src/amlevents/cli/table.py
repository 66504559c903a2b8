"""Laying out a table's cells so that it reads well at any width.

Rich folds a cell anywhere once its column is narrower than a word, which splits names and event types across
lines (``churn-model`` / ``s``). Here the columns are sized from what may not be broken: a word (a name, an event
type, a state) is never broken; a path or URL is folded only after a ``/``, ``?`` or ``&``; free text wraps at
spaces. Only when even that does not fit is a value shortened, on one line, with ``…`` (``-o json`` shows it
whole). Rich then draws the table with the widths chosen here.
"""

from __future__ import annotations

import re

_PATH_PIECES = re.compile(r"[^/?&]*(?:/+|[?&])|[^/?&]+")  # a URL or ARM id, cut after each / (or //) ? &
FLOOR = 10  # the narrowest a column of free text or paths is made before a name gives way
ELLIPSIS = "…"


def _pieces(word: str) -> list[str]:
    """The parts of ``word`` a line may end between: after each ``/``, ``?``, ``&`` of a path, else the word."""
    return _PATH_PIECES.findall(word) if "/" in word else [word]


def unbreakable(text: str) -> int:
    """The width of the longest part of ``text`` that must stay on one line."""
    return max((len(piece) for word in text.split() for piece in _pieces(word)), default=0)


def longest_line(text: str) -> int:
    """The width ``text`` needs to be shown without folding."""
    return max((len(line) for line in text.split("\n")), default=0)


def fold(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width``: wrapped at spaces, paths folded after ``/``, ``?``, ``&``, and a
    part longer than a whole line shortened with ``…``."""
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        indent = paragraph[: len(paragraph) - len(paragraph.lstrip(" "))]
        line = indent
        for word in paragraph.split():
            pieces = [word] if len(word) <= width - len(indent) else _pieces(word)
            for index, piece in enumerate(pieces):
                sep = " " if index == 0 and line.strip() else ""
                if len(line) + len(sep) + len(piece) <= width:
                    line += sep + piece
                    continue
                if line.strip():
                    lines.append(line)
                line = piece if len(piece) <= width else piece[: width - 1] + ELLIPSIS
        lines.append(line)
    return lines


def _names(cells: list[str]) -> bool:
    """Whether a column holds names (each line of each cell one word, not a path): they give way last."""
    return all(len(line.split()) <= 1 and "/" not in line for cell in cells[1:] for line in cell.split("\n"))


def column_widths(columns: list[list[str]], available: int, whole: list[bool] | None = None) -> list[int]:
    """A width per column (each a list of cell texts, header first) that fits ``available`` when the unbreakable
    parts fit: every column gets its longest unbreakable part (the longest line of a ``whole`` column, whose values
    are never wrapped: ``NOT DELIVERED``), and the widest columns give way first, so narrow ones stay on one line.
    When even the unbreakable parts do not fit, free text and paths give way before names (their values are then
    shortened with ``…``)."""
    whole = whole or [False] * len(columns)
    maxs = [max((longest_line(cell) for cell in cells), default=1) or 1 for cells in columns]
    mins = [high if keep else min(high, max((unbreakable(cell) for cell in cells), default=1) or 1)
            for high, keep, cells in zip(maxs, whole, columns)]
    if sum(maxs) <= available:
        return maxs
    widths = list(mins)
    if sum(mins) >= available:
        # free text and paths give way first (down to FLOOR), then names, and the first column (what each row is)
        # and verdicts last: the widest first, one character at a time
        names = [keep or _names(cells) for keep, cells in zip(whole, columns)]
        phases = ((FLOOR, [not n for n in names]), (1, [i > 0 and not whole[i] for i in range(len(widths))]),
                  (1, [True] * len(widths)))
        for floor, candidates in phases:
            while sum(widths) > available:
                shrinkable = [w for w, ok in zip(widths, candidates) if ok and w > floor]
                if not shrinkable:
                    break
                index = next(i for i, (w, ok) in enumerate(zip(widths, candidates)) if ok and w == max(shrinkable))
                widths[index] -= 1
        return widths
    # Room left: the widest columns give way first (as Rich collapses a table), so short columns stay whole:
    # the highest level at which every column capped at it (but not below its minimum) still fits.
    low, high = 0, max(maxs)
    while low < high:
        level = (low + high + 1) // 2
        if sum(max(lo, min(hi, level)) for lo, hi in zip(mins, maxs)) <= available:
            low = level
        else:
            high = level - 1
    widths = [max(lo, min(hi, low)) for lo, hi in zip(mins, maxs)]
    for index in range(len(widths)):  # what the level leaves over, one column at a time, left to right
        if sum(widths) < available and widths[index] < maxs[index]:
            widths[index] += 1
    return widths
