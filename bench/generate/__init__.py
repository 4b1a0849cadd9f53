"""A generator of invoices and receipts with their true field values, for measuring extraction.

    python -m bench.generate OUT_DIR --seed 7 [--invoices 60] [--receipts 30] [--no-degraded] [--no-screens]

Writes PDFs (text layer), scanned PDFs, photos and screen captures (degraded raster copies) and
receipts into OUT_DIR (outside the repository), each beside a truth JSON in the corpus's schema, and a
MANIFEST.tsv listing them, so `bench.accuracy --generated OUT_DIR` scores them like the corpus.
Everything follows from the seed: layouts (labels left of, above or right of their values, on
the title's line; tables with and without rules; totals blocks; bank details in footers),
languages (en/de/fr/da), number and date formats, sellers from inside and outside the EU with
valid VAT IDs and IBANs (check digits computed with python-stdnum), currencies printed or not,
and the variants real invoices show (`variants`, `totals`): the seller only in a logo or footer,
sender lines, delivery addresses, customer and order numbers, service periods, due dates in a
sentence, discounts, shipping, several tax rates, gross prices, payments received, credit notes
and direct-debit notices naming the buyer's account.
"""
