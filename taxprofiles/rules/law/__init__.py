"""Federal tax figures, one module per tax year (``federal_2018`` ... ``federal_2026``), with their sources."""
