"""The outputs an office owes: the register, daily/monthly/annual reports, charts and letters.

Writers import XlsxWriter, matplotlib, docxtpl and fpdf2 inside their functions, so that the
bot's start-up does not pay for them (docs/reports.md).
"""
