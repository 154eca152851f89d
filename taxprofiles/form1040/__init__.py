"""Reading a client's Form 1040 (and Schedule D): validate the PDF, find its words, then its figures.

Pure Python with no Django: ``document`` checks the PDF and takes its words with their positions (text layer
and form fields), ``scans`` reads a scan by OCR, ``reader`` matches each line's label to its amount,
``reading`` runs them together (in ``sandbox``'s limited child process), ``mapping`` turns reviewed figures
into tax-profile updates, ``names`` matches the taxpayers to a household's clients, and ``openai_extract``
asks OpenAI for the same fields (the caller passes the settings).
"""
