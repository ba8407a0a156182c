"""The base of the presentation classes: wording, numbers, shared blocks and the list of sections.

:class:`Page` is what :class:`~dxnb.report.CommuneReport`, :class:`~dxnb.overview.Overview` and
:class:`~dxnb.explore.Explorer` share: text through :func:`~dxnb.i18n.t` and :mod:`dxnb.fmt` in the page's
language, the page header with the stylesheet and the synthetic-data banner, the status badge, the
key figures, the place line and the page shell. A subclass lists its sections once, in
:attr:`Page.SECTIONS`; :meth:`Page.sections` and :meth:`Page.html` follow that list, so adding a section
is one method and one entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import ClassVar

import pandas as pd

from . import __version__, html
from . import fmt as f
from .html import Html
from .i18n import has_text, t, template
from .params import period_label
from .paths import PROJECT_ROOT
from .synthetic import SYNTHETIC_SOURCE
from .text import nfc
from .units import unit_place


def is_synthetic(observation_sources: Iterable[object], unit_sources: Iterable[object]) -> bool:
    """True when any observation's source says "synthetic" or any unit comes from the generator."""
    obs = pd.Series(list(observation_sources), dtype=object).dropna().astype(str)
    units = pd.Series(list(unit_sources), dtype=object).dropna().astype(str)
    return bool(obs.str.contains("synthetic", regex=False).any()) or bool(
        units.str.contains(SYNTHETIC_SOURCE, regex=False).any()
    )


#: How the catalogue marks a national target that was not checked against its source document: these words in
#: ``target_source`` (``indicators.csv``), e.g. "Quyết định 942/QĐ-TTg (15/6/2021) (chỉ tiêu chưa được xác minh tại
#: văn bản gốc)". Such a target is shown as unverified and never cited as grounds for a recommendation.
UNVERIFIED_MARK = "chưa được xác minh"
_NOTE = re.compile(r"\s*\(([^()]*)\)")


def target_verified(source: object) -> bool:
    """Whether a target's ``target_source`` does not carry :data:`UNVERIFIED_MARK`."""
    return UNVERIFIED_MARK not in nfc(str(source or "")).lower()


def source_reference(source: object, lang: str) -> str:
    """A target's source as shown: the document reference, without the catalogue's notes about it.

    Notes are the parenthesised remarks that are more than a date (``(15/6/2021)`` stays) and what follows a colon
    (``…: mỗi ấp một tổ``); they are Vietnamese, so an English page drops them, and the unverified mark is shown
    by the page in its own words. A Vietnamese page keeps the colon's note.
    """
    text = nfc(str(source or "")).strip()
    text = _NOTE.sub(lambda m: m.group(0) if re.fullmatch(r"[\d/.\s-]+", m.group(1)) else "", text)
    if lang == "en":
        text = text.split(":", 1)[0].split(" của ", 1)[0]
    return text.strip().rstrip(";,")


def inline_name(name: str) -> str:
    """A name as it reads inside a sentence: its first letter in lower case.

    Kept as it is when it begins with an acronym ("DX plans") or is a name in title case ("Community Digital
    Technology Teams").
    """
    words = name.split()
    if not words:
        return name
    first = words[0]
    acronym = sum(c.isupper() for c in first) > 1
    title_case = len(words) > 1 and words[1][:1].isupper()
    return name if acronym or title_case else name[:1].lower() + name[1:]


def shown_path(path: Path) -> str:
    """``path`` relative to the project root when inside it, else as given."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


class Page:
    """A page of sections in one language (the subclasses are dataclasses with a ``lang`` field)."""

    #: Names of the section methods, in page order.
    SECTIONS: ClassVar[tuple[str, ...]] = ()
    lang: str = "vi"

    # ------------------------------------------------------------------ wording and numbers

    def text(self, key: str, **values: object) -> str:
        """Wording ``key`` in the page's language, as plain text (the kit escapes it)."""
        return t(key, self.lang, **values)

    def rich(self, key: str, **values: object) -> Html:
        """Wording ``key`` that holds markup (``<b>``), with ``values`` escaped unless :class:`Html`."""
        return html.fill(template(key, self.lang), **values)

    def rich_n(self, key: str, count: int, **values: object) -> Html:
        """A plural wording ``key`` with markup, in the form for ``count`` (``{n}`` defaults to the count)."""
        return html.fill(template(key, self.lang, count), **{"n": self.number(count, 0), **values})

    def has_text(self, key: str) -> bool:
        """Whether wording ``key`` exists (flag and field labels fall back to their id)."""
        return has_text(key)

    def label(self, prefix: str, name: str) -> str:
        """The wording ``<prefix>_<name>`` if there is one, else ``name`` itself."""
        key = f"{prefix}_{name}"
        return self.text(key) if has_text(key) else name

    def number(self, value: object, decimals: int = 0) -> str:
        """A number in the page's style ("1.083" / "1,083")."""
        return f.number(value, decimals, self.lang)

    def index(self, value: object) -> str:
        """An index on 0–1 ("0,63")."""
        return f.index(value, self.lang)

    def share(self, value: object) -> str:
        """A share as a percentage ("92,4%")."""
        return f.share(value, self.lang)

    def points(self, earned: float, maximum: float) -> str:
        """Points earned of a maximum ("7,5/10")."""
        return f"{self.number(earned, 1)}/{self.number(maximum, 0)}"

    def names(self, names: Iterable[str], limit: int) -> str:
        """Names joined by commas, the ones past ``limit`` counted ("…, and 3 more")."""
        names = list(names)
        if len(names) <= limit:
            return ", ".join(names)
        return self.text("and_more", names=", ".join(names[:limit]), n=self.number(len(names) - limit, 0))

    def place(self, unit: Mapping) -> str:
        """The unit's district and province: "huyện Phú Giáo, tỉnh Bình Dương" (the district when it has one)."""
        return unit_place(unit, self.lang)

    # ------------------------------------------------------------------ shared blocks

    def status(self, meets: object) -> Html:
        """The target status badge: met, not met, or no data."""
        word = "met" if meets is True else "not_met" if meets is False else "no_data"
        return html.badge(meets if isinstance(meets, bool) else None, self.text(word))

    def chart_subject(self) -> tuple[str, str]:
        """What the page's charts are about, as ``(subject, period)``: the unit or the area, and the year."""
        return str(getattr(self, "scope", "")), str(getattr(self, "period", ""))

    def figure(self, uri: str, title: str) -> Html:
        """A chart captioned ``title``, its alternative text naming the chart, the subject and the period."""
        subject, period = self.chart_subject()
        alt = self.text("chart_alt", chart=title, subject=subject, period=period_label(period, self.lang, inline=True))
        return html.figure(uri, alt, caption=title)

    def key_figures(self, figures: Iterable[tuple[str, str]]) -> Html:
        """The key-figures strip."""
        return html.key_figures(figures)

    def page_header(
        self,
        kicker: str,
        title: str,
        meta: str,
        *,
        key: Iterable[tuple[str, str]] = (),
        synthetic: str = "",
        frame: object = "",
    ) -> Html:
        """The title block with the stylesheet, the key figures (if any) and the synthetic-data banner ``synthetic``.

        ``frame`` (a document's heading, :func:`dxnb.docframe.heading_html`) goes above the title.
        """
        key = list(key)
        return html.page_header(
            kicker,
            title,
            meta,
            self.key_figures(key) if key else "",
            html.banner(synthetic) if synthetic else "",
            frame=frame,
        )

    # ------------------------------------------------------------------ sections and the page

    def sections(self) -> list[Html]:
        """Every section of :attr:`SECTIONS`, in order."""
        return [getattr(self, name)() for name in self.SECTIONS]

    def html(self) -> Html:
        """The sections joined (what a notebook shows cell by cell)."""
        return html.join(*self.sections())

    def page(self, title: str, *, before: object = "", head: object = "", script: str = "", wide: bool = False) -> Html:
        """The sections as a whole offline page titled ``title``; ``before`` goes above them (navigation)."""
        return html.page(
            title,
            html.join(before, self.html()),
            self.lang,
            generator=f"dxnb {__version__}",
            head=head,
            script=script,
            wide=wide,
        )
