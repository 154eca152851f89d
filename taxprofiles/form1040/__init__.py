"""Reading a client's Form 1040 (and Schedule D): validate the PDF, extract its text, then its figures.

Pure Python with no Django: ``document`` checks and reads the PDF, ``offline`` parses the line labels, and
``openai_extract`` asks OpenAI for the same fields (the caller passes the settings).
"""
