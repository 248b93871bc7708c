"""Documents attached to notices: found on the item's page, downloaded, read.

Union portals publish a notice (thông báo, kế hoạch, công văn, hướng dẫn) as a
short page that links the real document, where the deadlines are: a PDF, a
Word file, a spreadsheet, often a scan.  This stage sits between
``feeds.extract`` (the page's own text) and ``feeds.understand`` (which reads
the page text and the documents' text together):

* :mod:`.find`: links to documents on a page, including embedded viewers;
* :mod:`.read`: text out of PDF, .docx, .doc and .xlsx bytes, by content;
* :mod:`.ocr`: scanned PDF pages through Tesseract's Vietnamese model;
* :mod:`.collect`: download (through the page fetcher's limits) and read the
  documents of one item, never the same document twice.
"""
