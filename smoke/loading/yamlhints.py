"""Plain-language hints for YAML syntax errors (PyYAML speaks in parser jargon).

``syntax_hint(problem, context, text, line, context_line)`` says what a user most
likely did wrong and what to write instead; ``culprit_line`` picks the line that
needs fixing when PyYAML reports the line after it.
"""

from __future__ import annotations

_INDENT = (
    "Check the indentation: keys of one mapping must start in the same column, and a "
    "nested key or list item (`- `) goes further right than its parent key. "
    "Indent with spaces only."
)
_COLON = (
    "Each key needs `: ` (colon and space) after it, e.g. `get: /health`. A value that "
    'itself contains `: ` must be quoted, e.g. `body: "a: b"`.'
)


def culprit_line(problem: str, context: str, line: int, context_line: int) -> int:
    """The line to report: where the unclosed quote or the key without ':' began."""
    if context_line and (
        "could not find expected ':'" in problem or "while scanning a quoted scalar" in context
    ):
        return context_line
    return line


def syntax_hint(problem: str, context: str, text: str, line: int, context_line: int) -> str:
    """A plain-language hint for one PyYAML error, or ``""``."""
    tab = _tab_line(text, line)
    if "'\\t'" in problem or tab:
        at = tab or line
        return f"YAML indents with spaces, not tabs: replace the tab on line {at} with spaces."
    opened = f" on line {context_line}" if context_line else ""
    if "quoted scalar" in context:
        return (
            f"A quote opened{opened} is never closed: add the closing quote (\" or ') at the "
            "end of the value."
        )
    if "flow sequence" in context:
        return (
            f"The `[` opened{opened} is not closed: end the list with `]` on that line, or "
            "write it as a block list with one `- item` per line."
        )
    if "flow mapping" in context:
        return (
            f"The `{{` opened{opened} is not closed: end the mapping with `}}` on that line, "
            "or write it as one `key: value` per line."
        )
    if "mapping values are not allowed here" in problem:
        return (
            "There is a `: ` where YAML does not expect a new key. If the value contains "
            '`: `, quote it (e.g. `name: "a: b"`); otherwise this line is indented too '
            "far (or its key is missing a `- ` list marker)."
        )
    if "could not find expected ':'" in problem:
        return f"Line {line} has no `: ` after its key. {_COLON}"
    if "expected <block end>" in problem or "did not find expected" in problem:
        return f"Line {line} does not line up with the lines above it. {_INDENT}"
    if "cannot start any token" in problem:
        return 'A value starting with @, ` or % must be quoted, e.g. `name: "@admin"`.'
    if "end of stream" in problem:
        return (
            "The file ends in the middle of a value: check the last lines for a missing "
            "closing quote or bracket."
        )
    return ""


def _tab_line(text: str, line: int) -> int:
    """A line near ``line`` whose indentation has a tab (1-based), or 0."""
    lines = text.splitlines()
    for number in (line, line - 1, line + 1):
        if 1 <= number <= len(lines):
            indent = lines[number - 1][: len(lines[number - 1]) - len(lines[number - 1].lstrip())]
            if "\t" in indent:
                return number
    return 0
