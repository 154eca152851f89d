"""One module per state with an income tax: its law for 2022-2026 and the source of every figure.

Each module defines ``STATE`` (postal code), ``NAME``, ``YEARS`` (the tax years it has the law of),
``SIMPLIFICATIONS`` (what the model leaves out, in words a client can read: the page and the report
print them) and ``tax(year, income) -> Decimal``, the state's income tax for the year (never negative,
to the cent), computed from a ``StateIncome`` (``taxprofiles.rules.law.states.common``).
"""
