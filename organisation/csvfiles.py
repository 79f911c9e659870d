"""Reading uploaded CSV files the way municipalities write them, shared by every importer.

Files come from Excel and from other systems: UTF-8 with or without a byte-order mark, comma or
semicolon separated, headers in any case. Every problem is a `RowError` with the file, the line
(1 is the header) and a reason, so that a person can find and correct it in the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

Row = tuple[int, dict[str, str]]


@dataclass(frozen=True)
class RowError:
    """One reason a file cannot be imported. `line` is 1 for the header, None for the file."""

    file: str
    line: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file. Raises UnicodeDecodeError when it is not UTF-8."""
    return data.decode("utf-8-sig")


def detect_delimiter(header_line: str) -> str:
    """Danish Excel writes semicolons, everything else commas; the header line tells which."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_rows(
    text: str, *, file_name: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> tuple[list[Row], list[RowError]]:
    """The data rows of one CSV text as (line number, column → stripped value).

    Headers are matched case-insensitively. A missing required column, a repeated column or an
    unknown one is an error: a misspelt optional header would otherwise silently blank that
    field for every row.
    """
    errors: list[RowError] = []
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [RowError(file_name, None, _("The file is empty."))]
    delimiter = detect_delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower().removeprefix("\ufeff") for name in next(reader)]
    except csv.Error as exc:
        return [], [
            RowError(file_name, 1, _("The header cannot be read: %(error)s") % {"error": exc})
        ]
    known = set(required) | set(optional)
    for column in required:
        if column not in header:
            errors.append(
                RowError(
                    file_name, 1, _("The column “%(column)s” is missing.") % {"column": column}
                )
            )
    seen: set[str] = set()
    for column in header:
        if column in seen:
            errors.append(
                RowError(
                    file_name, 1, _("The column “%(column)s” appears twice.") % {"column": column}
                )
            )
        elif column and column not in known:
            errors.append(
                RowError(
                    file_name,
                    1,
                    _(
                        "The column “%(column)s” is not part of this file; the columns are: "
                        "%(columns)s."
                    )
                    % {"column": column, "columns": ", ".join((*required, *optional))},
                )
            )
        seen.add(column)
    if errors:
        return [], errors

    rows: list[Row] = []
    next_line = 2
    try:
        for record in reader:
            # A quoted field may span lines; the row is reported at the line where it starts.
            line, next_line = next_line, reader.line_num + 1
            values = [value.strip() for value in record]
            if not any(values):
                continue
            if len(values) > len(header) and any(values[len(header) :]):
                errors.append(
                    RowError(
                        file_name,
                        line,
                        _("The row has %(found)s fields but the header has %(expected)s.")
                        % {"found": len(values), "expected": len(header)},
                    )
                )
                continue
            values = (values + [""] * len(header))[: len(header)]
            rows.append(
                (line, {name: value for name, value in zip(header, values, strict=True) if name})
            )
    except csv.Error as exc:
        errors.append(
            RowError(file_name, next_line, _("The row cannot be read: %(error)s") % {"error": exc})
        )
    return rows, errors
