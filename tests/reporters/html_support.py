"""Read an HTML report back with the standard library's html.parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

CONSOLE = ".console.aws.amazon.com/cloudwatch/home?region="


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    page: Page | None = None
    start: int = 0  # its text: page.texts[start:end]
    end: int = -1

    @property
    def text(self) -> str:
        assert self.page is not None
        end = len(self.page.texts) if self.end < 0 else self.end
        return "".join(self.page.texts[self.start:end])


@dataclass
class Page(HTMLParser):
    elements: list[Element] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    _open: list[Element] = field(default_factory=list)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)

    _VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "area", "base", "col",
                       "embed", "source", "track", "wbr"})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self, len(self.texts))
        self.elements.append(element)
        if tag not in self._VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                for element in self._open[i:]:
                    element.end = len(self.texts)
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def all(self, tag: str, **attrs: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag
                and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def by_id(self, ident: str) -> Element:
        (found,) = [e for e in self.elements if e.attrs.get("id") == ident]
        return found


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def external_references(page: Page) -> list[str]:
    """Every src/href/… that points outside the page, except the CloudWatch console's links."""
    bad = []
    for e in page.elements:
        if e.tag == "link" or (e.tag == "script" and "src" in e.attrs):
            bad.append(f"<{e.tag} {e.attrs}>")
        for name in ("src", "href", "xlink:href", "action", "data", "poster", "srcset"):
            value = e.attrs.get(name, "")
            if not value or value.startswith("#"):
                continue
            if e.tag == "a" and name == "href" and value.startswith("https://") and CONSOLE in value:
                continue
            bad.append(f"{e.tag} {name}={value}")
    return bad
