"""CSV files as records that remember their original text, so that a rewrite keeps untouched rows' bytes.

:class:`CsvFile` parses a file (a BOM, its line ending, CR-only files, a last line without its newline) into
records; records an import adds or changes are written anew with the file's own line ending, the others keep
their exact text (quoting, number spelling, extra columns). :mod:`dxnb.intake` merges forms through it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .text import nfc


@dataclass
class Record:
    """One CSV record: its fields, and its original text while it is unchanged."""

    fields: list[str]
    raw: str | None  # the record's original text; None once it must be written anew
    cell: str = ""  # the form cell a new or replaced record came from


@dataclass
class CsvFile:
    """A CSV file as records that remember their original text."""

    name: str
    bom: bool
    eol: str
    header_raw: str
    header: list[str]
    records: list[Record]

    @classmethod
    def parse(cls, name: str, data: bytes) -> CsvFile:
        """Parse a file's bytes (a UTF-8 BOM kept, CR-only line endings understood) into records."""
        bom = data.startswith(codecs.BOM_UTF8)
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8") if bom else data.decode("utf-8")
        first_break = re.search(r"\r\n|\n|\r", text)
        if first_break is not None and first_break.group() == "\r":  # old Mac line endings: a lone CR
            lines = re.findall(r"[^\r]*\r|[^\r]+$", text)
        else:  # only \n ends a line (not \u2028, \x85 or a lone \r inside a field)
            lines = re.findall(r"[^\n]*\n|[^\n]+$", text)
        consumed: list[str] = []

        def tap() -> Iterator[str]:
            for line in lines:
                consumed.append(line)
                yield line

        records: list[Record] = []
        header_raw, header = "", []
        for fields in csv.reader(tap()):
            raw = "".join(consumed)
            consumed.clear()
            if not header_raw:
                header_raw, header = raw, [nfc(f).strip() for f in fields]
            else:
                records.append(Record(fields, raw))
        eol = next((e for e in ("\r\n", "\n", "\r") if header_raw.endswith(e)), "\n")
        return cls(name, bom, eol, header_raw, header, records)

    def column(self, name: str) -> int | None:
        """The index of column ``name``, or None when the header has no such column."""
        return self.header.index(name) if name in self.header else None

    def get(self, record: Record, name: str) -> str:
        """The field ``name`` of ``record``; "" when the file or the record has no such field."""
        index = self.column(name)
        if index is None or index >= len(record.fields):
            return ""
        return record.fields[index]

    def set(self, record: Record, name: str, value: str) -> None:
        """Set the field ``name`` of ``record`` (a record that changes loses its original text)."""
        index = self.column(name)
        if index is None:
            return
        record.fields.extend([""] * (index + 1 - len(record.fields)))
        if record.fields[index] != value:
            record.fields[index] = value
            record.raw = None

    def new_record(self, values: dict[str, str], cell: str) -> Record:
        """A new record with ``values`` by column name, from the form cell ``cell``."""
        record = Record([""] * len(self.header), None, cell)
        for name, value in values.items():
            self.set(record, name, value)
        return record

    def to_bytes(self) -> bytes:
        """The file's bytes: original text for untouched records, the file's own line ending for the rest."""
        chunks = [self.header_raw]
        for record in self.records:
            if record.raw is None:
                line = io.StringIO(newline="")
                csv.writer(line, lineterminator=self.eol).writerow(record.fields)
                chunks.append(line.getvalue())
            else:
                chunks.append(record.raw)
        for index, chunk in enumerate(chunks[:-1]):  # a last line without its newline gets one when followed
            if not chunk.endswith(("\n", "\r")):
                chunks[index] = chunk + self.eol
        data = "".join(chunks).encode("utf-8")
        return codecs.BOM_UTF8 + data if self.bom else data

    def row_cells(self) -> dict[int, str]:
        """File row number (header = 1) of each new or replaced record → its form cell."""
        return {index + 2: r.cell for index, r in enumerate(self.records) if r.cell}
