"""Maintainer tools for the gettext catalogues of :mod:`dxnb.i18n` (not used at run time).

The wording lives in ``dxnb/locale/vi/LC_MESSAGES/dxnb.po`` and ``dxnb/locale/en/LC_MESSAGES/dxnb.po``
(msgid = the message key, msgstr = the text); ``make i18n`` extracts ``dxnb/locale/dxnb.pot`` from the code,
updates both ``.po`` files from it and compiles the ``.mo`` files that ship in the package.

Add a message to both catalogues, then use it in the code and run ``make i18n``::

    python -m dxnb.i18n_tools add summary_extra --vi "Văn bản {x}" --en "Text {x}"
    python -m dxnb.i18n_tools add rows_left --vi "Còn {n} dòng" --en "{n} row left" --en-plural "{n} rows left"

Fold in messages written the old way — a Python file with a dict ``TEXT = {key: {"vi": ..., "en": ...}}``, e.g.
a branch's ``dxnb/i18n.py`` with ``# --- added by <name> ---`` blocks at the end of ``TEXT`` — into both
catalogues. Only the entries after the first such comment are read (``--all``: every entry); keys already there
with the same wording are skipped, a key with other wording is an error unless ``--replace``. After a merge
that conflicts in ``dxnb/i18n.py``, keep this branch's ``i18n.py`` and fold the other side's additions in::

    git show wip/other:dxnb/i18n.py > /tmp/other_i18n.py
    python -m dxnb.i18n_tools import-text /tmp/other_i18n.py
    make i18n

From Python: :func:`add_message` and :func:`import_text_dict`. Both write the ``.po`` files only: run
``make i18n`` afterwards (it also drops entries the code no longer uses, and ``tests/test_i18n.py`` checks it).
"""

from __future__ import annotations

import argparse
import ast
import string
import sys
from collections.abc import Iterable, Iterator
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .i18n import DOMAIN, LOCALE_DIR

#: Keywords for extraction (the Makefile passes the same to ``pybabel extract``): ``tn`` reads a plural message
#: whose singular and plural msgid are both the key.
KEYWORDS = {"t": (1,), "tn": (1, 1), "N_": (1,), "text": (1,), "rich": (1,), "rich_n": (1, 1)}
#: Keywords that count only as methods (``self.text("key")`` on a :class:`dxnb.pages.Page`), never as plain names.
METHOD_KEYWORDS = frozenset({"text", "rich", "rich_n"})
#: Languages of the catalogues, Vietnamese first.
CATALOGUE_LANGS = ("vi", "en")


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    """The ``.po`` file of ``lang``."""
    return Path(locale_dir) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(path: Path) -> Catalog:
    """Read a ``.po`` file."""
    with Path(path).open("rb") as fh:
        return read_po(fh, domain=DOMAIN)


def write_catalogue(catalog: Catalog, path: Path) -> None:
    """Write a ``.po`` file sorted by key, without source locations (as ``make i18n`` writes it)."""
    with Path(path).open("wb") as fh:
        write_po(fh, catalog, sort_output=True, no_location=True, ignore_obsolete=True)


def compiled(path: Path) -> bytes:
    """The ``.mo`` bytes that compiling the ``.po`` file ``path`` gives (as ``pybabel compile`` does)."""
    out = BytesIO()
    write_mo(out, read_catalogue(path), use_fuzzy=False)
    return out.getvalue()


def extract_dxnb(fileobj: BinaryIO, keywords: Iterable[str], comment_tags: Iterable[str], options: dict) -> Iterator:
    """Babel extraction method for dxnb's Python code (``babel.cfg``: ``[dxnb.i18n_tools:extract_dxnb: ...]``).

    Finds every call of a keyword function through the syntax tree, so calls inside f-strings
    (``f"<h3>{esc(t('advice', lang))}</h3>"``) count too, whatever the Python version (Babel's own Python
    extractor reads them only from Python 3.12 on). Yields ``(lineno, funcname, messages, comments)``; a
    positional argument that is not a string literal is None, as in Babel's extractor.
    """
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    wanted = set(keywords)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in wanted - METHOD_KEYWORDS:
            name = node.func.id
        elif isinstance(node.func, ast.Attribute) and node.func.attr in wanted & METHOD_KEYWORDS:
            name = node.func.attr
        else:
            continue
        args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
        if args:
            yield node.lineno, name, args[0] if len(args) == 1 else tuple(args), []


#: The mapping of ``babel.cfg``, for :func:`extract_keys`.
METHOD_MAP = [("**.py", "dxnb.i18n_tools:extract_dxnb")]


def extract_keys(package_dir: Path) -> dict[str, bool]:
    """The message keys the code under ``package_dir`` uses, mapped to whether they are plural (``tn``)."""
    found: dict[str, bool] = {}
    for _, _, message, _, _ in extract_from_dir(package_dir, METHOD_MAP, keywords=KEYWORDS, comment_tags=()):
        key, plural = (message[0], True) if isinstance(message, tuple) else (message, False)
        found[key] = found.get(key, False) or plural
    return found


def fields(text: str) -> set[str]:
    """The ``{placeholders}`` of a message."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_pair(key: str, vi: str, en: Iterable[str]) -> None:
    if not vi or not all(en):
        raise ValueError(f"{key}: give the text in both languages (Vietnamese first).")
    for text in en:
        if fields(text) != fields(vi):
            raise ValueError(f"{key}: placeholders differ: vi {sorted(fields(vi))}, en {sorted(fields(text))}")


def add_message(
    key: str,
    vi: str,
    en: str,
    *,
    en_plural: str | None = None,
    replace: bool = False,
    locale_dir: Path = LOCALE_DIR,
) -> bool:
    """Add ``key`` to both catalogues; return False when it is already there with the same wording.

    ``en_plural`` makes a plural message (read with :func:`dxnb.i18n.tn`): ``en`` is the English singular, the
    Vietnamese text its only form. A key already there with other wording raises ``ValueError`` unless ``replace``.
    """
    english = (en,) if en_plural is None else (en, en_plural)
    _check_pair(key, vi, english)
    wanted = {"vi": vi if en_plural is None else (vi,), "en": en if en_plural is None else english}
    catalogs = {lang: read_catalogue(po_path(lang, locale_dir)) for lang in CATALOGUE_LANGS}
    present = {lang: catalogs[lang].get(key) for lang in CATALOGUE_LANGS}
    if all(m is not None and m.string == wanted[lang] for lang, m in present.items()):
        return False
    if any(m is not None for m in present.values()) and not replace:
        raise ValueError(f"{key} is already in the catalogues with other wording; use --replace to overwrite it.")
    for lang, catalog in catalogs.items():
        if key in catalog:
            del catalog[key]
        catalog[key] = Message((key, key) if en_plural is not None else key, wanted[lang])
        write_catalogue(catalog, po_path(lang, locale_dir))
    return True


#: The comment that opens a helper's block of new entries at the end of the old ``TEXT`` dict.
ADDED_MARK = "# --- added by"


def read_text_dict(path: Path, name: str = "TEXT", *, added_only: bool = False) -> dict[str, dict[str, str]]:
    """Read the dict literal ``name = {...}`` from a Python file without running it.

    With ``added_only``, only the entries after the first ``# --- added by <name> ---`` comment inside the dict
    (all of them when there is no such comment).
    """
    source = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        if not any(isinstance(target, ast.Name) and target.id == name for target in targets):
            continue
        if not isinstance(node.value, ast.Dict):
            raise ValueError(f"{path}:{node.lineno}: {name} is not a dict literal.")
        entries = ast.literal_eval(node.value)
        lines = source.splitlines()[node.value.lineno - 1 : node.value.end_lineno]
        marks = [node.value.lineno + i for i, line in enumerate(lines) if line.strip().startswith(ADDED_MARK)]
        if not added_only or not marks:
            return entries
        after = {ast.literal_eval(k) for k in node.value.keys if k is not None and k.lineno > marks[0]}
        return {key: value for key, value in entries.items() if key in after}
    raise ValueError(f"{path}: no {name} = {{...}} dict found.")


def _same(message: Message | None, text: str) -> bool:
    """Whether a catalogue entry says ``text`` (a plural entry: in one of its forms)."""
    if message is None:
        return False
    return text in (message.string if isinstance(message.string, (tuple, list)) else (message.string,))


def import_text_dict(
    path: Path, *, added_only: bool = True, replace: bool = False, locale_dir: Path = LOCALE_DIR
) -> list[str]:
    """Add the entries of the ``TEXT`` dict in the Python file ``path`` to both catalogues; return the added keys.

    By default (``added_only``) only the entries in ``# --- added by <name> ---`` blocks are read, when the file
    has such blocks: the rest of an old ``TEXT`` is already in the catalogues (some entries since turned into
    plurals, some dropped as unused). Entries already there with the same wording (a plural message: the same
    Vietnamese) are skipped; other wording raises ``ValueError`` naming every such key, unless ``replace``.
    """
    text = read_text_dict(path, added_only=added_only)
    catalogs = {lang: read_catalogue(po_path(lang, locale_dir)) for lang in CATALOGUE_LANGS}
    added, clashes = [], []
    for key, pair in text.items():
        if not isinstance(pair, dict) or set(pair) != set(CATALOGUE_LANGS):
            raise ValueError(f"{path}: {key} must have exactly the languages {', '.join(CATALOGUE_LANGS)}.")
        _check_pair(key, pair["vi"], [pair["en"]])
        present = {lang: catalogs[lang].get(key) for lang in CATALOGUE_LANGS}
        if all(_same(message, pair[lang]) for lang, message in present.items()):
            continue
        if present["vi"] is not None and present["vi"].pluralizable and _same(present["vi"], pair["vi"]):
            continue  # turned into a plural message since (its English forms were reworded)
        if any(message is not None for message in present.values()) and not replace:
            clashes.append(key)
            continue
        for lang, catalog in catalogs.items():
            if key in catalog:
                del catalog[key]
            catalog[key] = Message(key, pair[lang])
        added.append(key)
    if clashes:
        raise ValueError(f"{path}: already in the catalogues with other wording (use --replace): {', '.join(clashes)}")
    if added:
        for lang, catalog in catalogs.items():
            write_catalogue(catalog, po_path(lang, locale_dir))
    return added


def main(argv: list[str] | None = None) -> int:
    """Command line: ``add`` one message or ``import-text`` a ``TEXT`` dict."""
    parser = argparse.ArgumentParser(prog="python -m dxnb.i18n_tools", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add one message to both catalogues")
    add.add_argument("key")
    add.add_argument("--vi", required=True, help="Vietnamese text (with correct diacritics)")
    add.add_argument("--en", required=True, help="English text (the singular for a plural message)")
    add.add_argument("--en-plural", help="English plural: makes a plural message, read with tn()")
    add.add_argument("--replace", action="store_true", help="overwrite a key that has other wording")
    imp = commands.add_parser("import-text", help="add the entries of a TEXT = {...} dict in a Python file")
    imp.add_argument("path", type=Path)
    imp.add_argument("--replace", action="store_true", help="overwrite keys that have other wording")
    imp.add_argument("--all", action="store_true", help="every entry, not only those in '# --- added by' blocks")
    args = parser.parse_args(argv)
    try:
        if args.command == "add":
            done = add_message(args.key, args.vi, args.en, en_plural=args.en_plural, replace=args.replace)
            print(f"added {args.key}" if done else f"{args.key} is already there")
        else:
            keys = import_text_dict(args.path, added_only=not args.all, replace=args.replace)
            print(f"added {len(keys)} message(s): {', '.join(keys)}" if keys else "nothing new")
    except (OSError, SyntaxError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("now run `make i18n` to update dxnb.pot and compile the .mo files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
