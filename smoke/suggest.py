"""Suggestions ("did you mean ...?") for configuration errors."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, if one is close enough to be a likely typo."""
    choices = [c for c in dict.fromkeys(candidates) if isinstance(c, str)]
    if not isinstance(word, str) or not word or not choices:
        return None
    import difflib  # here: a mistake's message, not every start, pays its import

    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not matches:
        by_lower = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        matches = [lowered[m] for m in by_lower]
    return matches[0] if matches and matches[0] != word else None


def valid_values(word: str | None, candidates: Iterable[str], label: str = "valid values") -> str:
    """``"valid values: a, b, c; did you mean 'x'?"`` (the suggestion only when close)."""
    choices = list(dict.fromkeys(candidates))
    text = f"{label}: {', '.join(choices)}" if choices else f"{label}: (none)"
    suggestion = did_you_mean(word, choices) if word is not None else None
    if suggestion is not None:
        text += f"; did you mean {suggestion!r}?"
    return text
