# The two set-up commands of the README: `make demo` starts the product with demo data,
# `make test` runs the whole test suite (and the linters). Both install what they need first.
.PHONY: demo test lint install install-test format

install:
	bash scripts/bootstrap.sh

install-test:
	bash scripts/bootstrap.sh --test

demo: install
	bash scripts/demo.sh

test: install-test lint
	.venv/bin/pytest

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy --strict harvesting/engine harvesting/explain.py brokers/market_data.py brokers/replay.py taxprofiles/form1040
	DEBUG=1 .venv/bin/python manage.py makemigrations --check --dry-run

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
