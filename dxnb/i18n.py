"""Report wording in Vietnamese (first) and English, read from gettext catalogues through Babel.

Every message lives in ``dxnb/locale/<lang>/LC_MESSAGES/dxnb.po`` (compiled to ``dxnb.mo``, which ships in the
package); its msgid is a short key such as ``"summary_score"`` and its msgstr the text, with ``{placeholders}``
filled by :func:`t`. Indicator labels come from the catalogue of indicators, not from here.

- :func:`t` (``t(key, lang=None, **values)``) returns one message; :func:`tn` (``tn(key, n, lang=None,
  **values)``) a message whose wording depends on a count (Vietnamese has one form, English two).
- :func:`set_language` / :func:`get_language` hold the current language (a context variable) used when ``lang``
  is None; it defaults to ``DXNB_LANG``, then the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), then Vietnamese.
- A key built at run time must be marked where its possible values are written, with the no-op :func:`N_`, so
  that ``make i18n`` (``pybabel extract``) sees it. A new message: ``python -m dxnb.i18n_tools add KEY --vi ...
  --en ...``, then ``make i18n``.
"""

from __future__ import annotations

import contextvars
import os
from functools import cache
from pathlib import Path

from babel.support import Translations

from . import fmt
from .errors import READERS, ParameterError
from .fmt import LANGS

#: gettext domain and folder of the catalogues (``<LOCALE_DIR>/<lang>/LC_MESSAGES/<DOMAIN>.po`` and ``.mo``).
DOMAIN = "dxnb"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: Used when neither ``DXNB_LANG`` nor the locale names a report language.
DEFAULT_LANG = "vi"


def N_(key: str) -> str:
    """Return ``key`` unchanged: marks a message key that is used at run time for ``pybabel extract``."""
    return key


#: Unit kinds (units.csv column ``kind``) and the key of their name pattern ("xã {name}" / "{name} commune").
KIND_KEYS = {
    "xã": N_("kind_commune"),
    "phường": N_("kind_ward"),
    "thị trấn": N_("kind_township"),
    "đặc khu": N_("kind_special_zone"),
}

#: Keys built at run time from a prefix and a value (``t(f"flag_{flag}")``); the values are written elsewhere,
#: named on each line. Listed here so that extraction finds them and the catalogue test knows they are used.
RUNTIME_KEYS = (
    # f"field_{name}": units.csv base figures (dxnb.dataset, column estimated_fields; Indicator.denominator)
    N_("field_population"), N_("field_adult_population"), N_("field_households"), N_("field_hamlets"),
    # f"flag_{flag}": data-quality flags (dxnb.evaluate: IMPLAUSIBLE_FLAGS, quality flags; dxnb.overview_data)
    N_("flag_no_data"), N_("flag_estimate"), N_("flag_lower_bound"), N_("flag_share_above_100"),
    N_("flag_rate_drop"), N_("flag_count_outlier"), N_("flag_denominator_unknown"),
    # f"filter_{name}": export filters (dxnb.explore.FILTERS)
    N_("filter_all"), N_("filter_below_target"), N_("filter_below_median"), N_("filter_no_data"),
    # f"col_{level}", f"level_{level}": overview grouping levels (dxnb.overview: "district", "province")
    N_("col_district"), N_("col_province"), N_("level_district"), N_("level_province"),
)  # fmt: skip


class MissingTextError(LookupError):
    """A message key is not in the catalogues, or is used with the wrong function: a bug in dxnb, not in the data."""


def check_lang(lang: object) -> str:
    """Return ``lang`` if it is a report language, else raise :class:`ParameterError`."""
    if lang not in LANGS:
        raise ParameterError(t("i18n_bad_lang", _safe_language(), langs=", ".join(LANGS), value=repr(lang)))
    return str(lang)


# --- the current language


def _locale_language() -> str:
    """The report language named by the environment: ``DXNB_LANG``, else the POSIX locale, else Vietnamese."""
    chosen = os.environ.get("DXNB_LANG", "").strip()
    if chosen:
        if chosen not in LANGS:  # said in the locale's language
            raise ParameterError(t("i18n_bad_env", _posix_language(), langs=", ".join(LANGS), value=repr(chosen)))
        return chosen
    return _posix_language()


def _posix_language() -> str:
    """The report language of the POSIX locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else Vietnamese."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:  # the first one set wins, as in POSIX
            return next((lang for lang in LANGS if value.lower().startswith(lang)), DEFAULT_LANG)
    return DEFAULT_LANG


_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("dxnb_lang", default=None)


def set_language(lang: str | None) -> contextvars.Token:
    """Make ``lang`` the current language (None: back to the environment's); returns a token for ``reset_language``."""
    return _current.set(None if lang is None else check_lang(lang))


def reset_language(token: contextvars.Token) -> None:
    """Undo the :func:`set_language` call that returned ``token``."""
    _current.reset(token)


def _safe_language() -> str:
    """The current language, or Vietnamese when ``DXNB_LANG`` names none (for the message that says so)."""
    try:
        return get_language()
    except ParameterError:
        return DEFAULT_LANG


def get_language() -> str:
    """Return the current language: the one set by :func:`set_language`, else ``DXNB_LANG``, the locale or "vi"."""
    return _current.get() or _locale_language()


# --- catalogues


@cache
def translations(lang: str) -> Translations:
    """The compiled catalogue of ``lang`` (cached)."""
    found = Translations.load(str(LOCALE_DIR), [check_lang(lang)], DOMAIN)
    if not isinstance(found, Translations):  # Babel returns NullTranslations when the .mo is missing
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        raise MissingTextError(f"{path} is missing: run `make i18n` to compile the catalogues.")
    return found


@cache
def _keys(lang: str) -> dict[str, bool]:
    """Every key of the catalogue of ``lang``, mapped to whether the message has plural forms."""
    catalog: dict[object, str] = translations(check_lang(lang))._catalog  # gettext's parsed .mo
    keys: dict[str, bool] = {}
    for entry in catalog:
        key, plural = (entry[0], True) if isinstance(entry, tuple) else (entry, False)
        if key:  # "" is the header
            keys[str(key)] = plural
    return keys


def has_text(key: str, lang: str | None = None) -> bool:
    """Whether ``key`` is a message of the catalogues (for keys built from data, e.g. ``f"flag_{flag}"``).

    Both catalogues have the same keys (``tests/test_i18n.py``), so ``lang`` only picks which one to ask.
    """
    return key in _keys(lang or DEFAULT_LANG)


def _wrong_key(key: str, lang: str) -> MissingTextError:
    keys = _keys(lang)
    if key not in keys:
        return MissingTextError(
            f"no message {key!r} in {LOCALE_DIR / lang / 'LC_MESSAGES' / (DOMAIN + '.po')}: add it with "
            f"`python -m dxnb.i18n_tools add {key} --vi ... --en ...` and run `make i18n`."
        )
    kind, right, wrong = ("has", "tn", "t") if keys[key] else ("has no", "t", "tn")
    return MissingTextError(f"message {key!r} {kind} plural forms: read it with {right}(), not {wrong}().")


def t(key: str, lang: str | None = None, **values: object) -> str:
    """Return the message ``key`` in ``lang`` (default: :func:`get_language`), with ``values`` filled in."""
    lang = lang or get_language()
    if _keys(lang).get(key) is not False:  # _keys checks lang
        raise _wrong_key(key, lang)
    text = translations(lang).gettext(key)
    return text.format(**values) if values else text


def tn(key: str, n: int, lang: str | None = None, /, **values: object) -> str:
    """Return the form of the plural message ``key`` for the count ``n``, with ``values`` filled in.

    ``{n}`` is filled with ``n`` in the language's number style ("1.083" / "1,083") unless ``values`` gives it.
    """
    lang = lang or get_language()
    if _keys(lang).get(key) is not True:
        raise _wrong_key(key, lang)
    text = translations(lang).ngettext(key, key, int(n))
    return text.format(**{"n": fmt.number(n, 0, lang), **values})


def template(key: str, lang: str | None = None, n: int | None = None) -> str:
    """Return the message ``key`` unfilled (for markup helpers that escape the values first).

    A plural message needs the count ``n`` that picks its form.
    """
    lang = lang or get_language()
    plural = _keys(lang).get(key)
    if plural is None or (plural and n is None):
        raise _wrong_key(key, lang)
    if plural:
        return translations(lang).ngettext(key, key, int(n))
    return translations(lang).gettext(key)


def unit_name(name: str, kind: str, lang: str | None = None, *, capital: bool = False) -> str:
    """Return "xã Vĩnh Hòa" / "Vĩnh Hòa commune" for a unit (the bare name for an unknown kind)."""
    text = t(KIND_KEYS[kind], lang, name=name) if kind in KIND_KEYS else name
    return text[:1].upper() + text[1:] if capital else text


READERS.update(t=t, tn=tn)  # dxnb.errors words a problem's "warning:" and a DataError's first line with these
