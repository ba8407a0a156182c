"""The markup kit: small functions that return :class:`Html`, escaping in one place.

Every function here takes plain ``str`` (or any value) as text and escapes it, and passes :class:`Html`
through unchanged, so a caller never escapes anything itself: build a part with a kit function and hand
it to the next one. :func:`esc` is the one escaping function of the package.

The style of every page (reports, overview, explorer, review site) is ``templates/report.css``,
read by :func:`stylesheet`.
"""

from __future__ import annotations

import functools
import html as _html
import re
from collections.abc import Iterable, Sequence

from .fmt import missing
from .paths import TEMPLATES_DIR

#: The one stylesheet of every page, then its print sheet (A4, the administrative document frame).
STYLESHEET = TEMPLATES_DIR / "report.css"
PRINT_SHEET = TEMPLATES_DIR / "print.css"


class Html(str):
    """Markup that is already safe (built by this kit, with text escaped); shown as HTML in notebooks."""

    def _repr_html_(self) -> str:
        return str(self)


def esc(value: object) -> Html:
    """Return ``value`` as safe markup: :class:`Html` unchanged, anything else as escaped text."""
    if isinstance(value, Html):
        return value
    return Html(_html.escape(str(value), quote=True))


_FIRST_LETTER = re.compile(r"^((?:\s|<[^>]*>|[\"'“‘(«\[])*)(\w)")


def sentence_case(text: object) -> Html:
    """``text`` (escaped unless :class:`Html`) with its first letter, past any leading tags, in upper case.

    Paragraphs and list items are sentences: :func:`para` and :func:`items` apply it, so that wording which
    starts with a value ("{unit} xếp thứ…" with "xã Vĩnh Hòa") still starts a sentence with a capital.
    """
    markup = esc(text)
    return Html(_FIRST_LETTER.sub(lambda m: m.group(1) + m.group(2).upper(), markup, count=1))


def join(*parts: object, sep: str = "") -> Html:
    """Join parts (each escaped unless :class:`Html`); ``sep`` is escaped too."""
    return Html(esc(sep).join(esc(p) for p in parts if p is not None and p != ""))


def fill(template: str, **values: object) -> Html:
    """Fill a trusted ``template`` (wording that may hold markup such as ``<b>``) with escaped ``values``."""
    return Html(template.format(**{k: esc(v) for k, v in values.items()}))


def tag(name: str, *content: object, cls: str = "", **attrs: object) -> Html:
    """``<name class=cls attrs>content</name>``; attribute values and text content are escaped."""
    attributes = f' class="{esc(cls)}"' if cls else ""
    attributes += "".join(f' {k.rstrip("_")}="{esc(v)}"' for k, v in attrs.items() if v is not None)
    return Html(f"<{name}{attributes}>{join(*content)}</{name}>")


def meta(name: str, content: object) -> Html:
    """A ``<meta name content>`` element for a page's head."""
    return Html(f'<meta name="{esc(name)}" content="{esc(content)}">')


def block(cls: str, *parts: object) -> Html:
    """A ``<div class=cls>`` around parts."""
    return tag("div", *parts, cls=cls)


def para(*parts: object, cls: str = "") -> Html:
    """A paragraph, in sentence case (:func:`sentence_case`)."""
    return tag("p", sentence_case(join(*parts)), cls=cls)


def note(*parts: object) -> Html:
    """A side note (a paragraph with a rule on its left)."""
    return para(*parts, cls="dx-note")


def small(*parts: object) -> Html:
    """A paragraph in small print."""
    return para(*parts, cls="dx-small")


def bold(text: object) -> Html:
    """Text in bold."""
    return tag("b", text)


def code(text: object) -> Html:
    """Text in a fixed-width font (file names, digests)."""
    return tag("code", text)


def link(href: str, text: object) -> Html:
    """A link."""
    return tag("a", text, href=href)


def heading(text: object, level: int = 3) -> Html:
    """A heading inside a section (``<h3>`` by default)."""
    return tag(f"h{level}", text)


def items(entries: Iterable[object], *, ordered: bool = False) -> Html:
    """A bulleted (or numbered) list; each item in sentence case (:func:`sentence_case`)."""
    return tag("ol" if ordered else "ul", *(tag("li", sentence_case(e)) for e in entries))


def table(
    headers: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Sequence[int] = (),
    row_classes: Sequence[str] | None = None,
    sort_keys: Iterable[Sequence[object]] | None = None,
    cls: str = "dx-table",
) -> Html:
    """A table in its own scroll box; ``numeric`` columns align right; ``sort_keys`` (one per row) fill ``data-v``.

    Cells are escaped unless they are :class:`Html`. A sort key of None is the cell's text, a missing
    value an empty key (sorted last by the review site's script). A table wider than the window scrolls
    inside its box (``div.dx-scroll``), never the page; on paper the print sheet lets it wrap instead.
    """
    numeric = set(numeric)
    keys = iter(sort_keys) if sort_keys is not None else None
    body = []
    for r, row in enumerate(rows):
        row_cls = f' class="{esc(row_classes[r])}"' if row_classes and row_classes[r] else ""
        sort = next(keys) if keys is not None else None
        body.append(f"<tr{row_cls}>{table_cells(row, numeric=numeric, sort=sort)}</tr>")
    return table_of_rows(headers, body, numeric=numeric, cls=cls)


def table_cells(
    row: Sequence[object], *, numeric: set[int], sort: Sequence[object] | None = None, start: int = 0
) -> str:
    """The ``<td>`` cells of a table row, or of its part from column ``start`` on (see :func:`table`)."""
    cells = []
    for i, cell in enumerate(row, start):
        attrs = ' class="num"' if i in numeric else ""
        if sort is not None:
            key = cell if sort[i - start] is None else sort[i - start]
            key = "" if missing(key) else key
            attrs += f' data-v="{esc(str(key))}"'
        cells.append(f"<td{attrs}>{esc(cell)}</td>")
    return "".join(cells)


def table_of_rows(
    headers: Sequence[object], rows: Iterable[str], *, numeric: Sequence[int] = (), cls: str = "dx-table"
) -> Html:
    """:func:`table` of rows that are markup already (``<tr>`` elements, their cells from :func:`table_cells`)."""
    numeric = set(numeric)

    def _th(i: int, text: object) -> str:
        return f'<th class="num">{esc(text)}</th>' if i in numeric else f"<th>{esc(text)}</th>"

    head = "".join(_th(i, h) for i, h in enumerate(headers))
    return Html(
        f'<div class="dx-scroll"><table class="{esc(cls)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def figure(uri: str, alt: str, caption: object = None) -> Html:
    """An embedded chart (a ``data:`` URI) with its alternative text and a caption (by default the alt text)."""
    caption = alt if caption is None else caption
    return Html(f'<figure><img src="{esc(uri)}" alt="{esc(alt)}"><figcaption>{esc(caption)}</figcaption></figure>')


def section(key: str, title: object, *parts: object) -> Html:
    """A page section: an anchor, a heading and its parts."""
    return Html(f'<section class="dx-report" id="{esc(key)}"><h2>{esc(title)}</h2>{join(*parts)}</section>')


#: Badge classes by status: a target met, not met, or without data.
BADGES = {True: "dx-met", False: "dx-notmet", None: "dx-nodata"}


def badge(meets: object, label: object) -> Html:
    """A status word coloured by ``meets`` (True, False, or anything else for "no data")."""
    return tag("span", label, cls=BADGES.get(meets if isinstance(meets, bool) else None))


def key_figures(figures: Iterable[tuple[object, object]]) -> Html:
    """The key-figures strip: a label over a large value, for each ``(label, value)``."""
    return block("dx-key", *(tag("div", label, bold(value)) for label, value in figures))


def banner(text: object) -> Html:
    """A warning banner (synthetic data)."""
    return block("dx-banner", text)


@functools.lru_cache(maxsize=1)
def _css() -> str:
    return STYLESHEET.read_text(encoding="utf-8") + "\n" + PRINT_SHEET.read_text(encoding="utf-8")


def stylesheet() -> str:
    """The text of ``templates/report.css`` followed by ``templates/print.css``."""
    return _css()


def style() -> Html:
    """The stylesheet as a ``<style>`` element (a notebook's first output carries it)."""
    return Html(f"<style>{stylesheet()}</style>")


def page_header(kicker: object, title: object, meta: object, *parts: object, frame: object = "") -> Html:
    """The page's title block: the stylesheet, ``frame``, a kicker line, the title, a meta line, then ``parts``.

    ``frame`` is an administrative document's heading (:func:`dxnb.docframe.heading_html`), or empty.
    """
    return Html(
        style()
        + esc(frame)
        + tag(
            "header",
            block("dx-kicker", kicker),
            tag("h1", title),
            block("dx-meta", meta),
            *parts,
            cls="dx-report",
        )
    )


def page(
    title: str, body: object, lang: str, *, generator: str, head: object = "", script: str = "", wide: bool = False
) -> Html:
    """A whole offline page: doctype, the stylesheet, ``body`` inside ``<main>``, and an optional script."""
    main_cls = "dx-page dx-wide dx-report" if wide else "dx-page dx-report"
    script_html = f"<script>{script}</script>\n" if script else ""
    return Html(
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n{esc(head)}<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{esc(generator)}">\n<title>{esc(title)}</title>\n'
        f"<style>{stylesheet()}</style>\n</head>\n<body>\n"
        f'<main class="{main_cls}">\n{esc(body)}\n</main>\n{script_html}</body>\n</html>\n'
    )
