"""Tax law as pure Python (no Django): federal tables by year, capital-loss netting, state estimates."""
