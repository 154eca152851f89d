# The two set-up commands of the README: `make demo` starts the product with demo data,
# `make test` runs the whole test suite (and the linters). Both install what they need first.
.PHONY: demo test lint audit install install-test format

install:
	bash scripts/bootstrap.sh

install-test:
	bash scripts/bootstrap.sh --test

demo: install
	bash scripts/demo.sh

test: install-test lint audit
	.venv/bin/pytest

# Known vulnerabilities in the installed (pinned) set, and high-severity findings in our own code. pip-audit asks
# PyPI's vulnerability data: where PyPI's JSON API cannot be reached it lists the packages it could not audit.
audit: install-test
	.venv/bin/pip-audit --local --progress-spinner off
	.venv/bin/bandit --quiet --recursive --severity-level high --exclude '*/migrations/*' \
		taxharvest portfolios taxprofiles harvesting reporting brokers

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy --strict harvesting/engine harvesting/explain.py brokers/market_data.py brokers/replay.py taxprofiles/form1040 taxprofiles/rules
	DEBUG=1 .venv/bin/python manage.py makemigrations --check --dry-run

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
