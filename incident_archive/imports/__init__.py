"""Import stage: rows of a spreadsheet or an export (ACLED, Uwazi, any CSV) → incident records.

core.py reads the rows and turns each into a record's text, checked by the archive's own rules;
acled.py and table.py (Uwazi and plain CSV) say what each column means; ledger.py decides what
may be written, so that a re-import never overwrites a maintainer's edit. The command itself is
importer.py.
"""
