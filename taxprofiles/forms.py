"""The advisor's tax profile form: the whole year's figures, validated before anything is valued."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from taxprofiles.form1040.fields import MONEY_FIELDS
from taxprofiles.form1040.mapping import year_refusal
from taxprofiles.models import TaxProfile
from taxprofiles.rules.federal import KNOWN_YEARS

NOT_NEGATIVE = (
    "wages",
    "other_ordinary_income",
    "qualified_dividends",
    "itemized_deductions",
    "st_carryforward",
    "lt_carryforward",
)
FIELDS = [
    "tax_year",
    "filing_status",
    "state",
    "city",
    "wages",
    "other_ordinary_income",
    "qualified_dividends",
    "itemized_deductions",
    "st_gains_realized",
    "lt_gains_realized",
    "expected_st_gains",
    "expected_lt_gains",
    "st_carryforward",
    "lt_carryforward",
]


class TaxProfileForm(forms.ModelForm):
    class Meta:
        model = TaxProfile
        fields = FIELDS
        widgets = {"tax_year": forms.Select(choices=[(year, year) for year in sorted(KNOWN_YEARS)])}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FIELDS[4:]:
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})
        # Most clients have none; a form (or an older page) that leaves it out means zero.
        self.fields["qualified_dividends"].required = False

    def clean_qualified_dividends(self) -> Decimal:
        value = self.cleaned_data.get("qualified_dividends")
        return Decimal(0) if value is None else value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in NOT_NEGATIVE:
            value = data.get(name)
            if value is not None and value < Decimal(0):
                self.add_error(name, "Cannot be negative.")
        year = data.get("tax_year")
        household = self.instance.household
        if year and (
            TaxProfile.objects.filter(household=household, tax_year=year).exclude(pk=self.instance.pk).exists()
        ):
            self.add_error("tax_year", f"{household} already has a {year} profile: edit that one.")
        return data


class DocumentUploadForm(forms.Form):
    # Empty files reach the document checks, which say what to do.
    file = forms.FileField(label="Form 1040 (PDF, with Schedule D if filed)", allow_empty_file=True)


LINE_LABELS = {
    "wages": "Wages (line 1z)",
    "taxable_interest": "Taxable interest (2b)",
    "ordinary_dividends": "Ordinary dividends (3b)",
    "qualified_dividends": "Qualified dividends (3a)",
    "capital_gain": "Capital gain or loss (7; 7a from 2025)",
    "agi": "Adjusted gross income (11; 11a and 11b from 2025)",
    "deductions": "Deductions (12; 12e from 2025)",
    "taxable_income": "Taxable income (15)",
    "total_tax": "Total tax (24)",
    "st_net": "Net short-term, Schedule D (7)",
    "lt_net": "Net long-term, Schedule D (15)",
    "st_carryover": "Short-term carryover, Schedule D (6)",
    "lt_carryover": "Long-term carryover, Schedule D (14)",
    "sd_net": "Net gain or loss, Schedule D (16)",
    "sd_loss_allowed": "Loss deducted this year, Schedule D (21)",
}


class ReviewForm(forms.Form):
    """The figures read from a return, as the advisor confirms (or corrects) them before they are applied.

    The year offered first is the return's own; a year the tax tables do not cover is offered (so that the
    page says why) but refused.
    """

    tax_year = forms.TypedChoiceField(label="Apply to tax year", coerce=int)
    filing_status = forms.ChoiceField(
        required=False,
        choices=[("", "Leave as it is")]
        + [(value, label) for value, label in TaxProfile._meta.get_field("filing_status").choices or []]
        + [("qualifying_surviving_spouse", "Qualifying surviving spouse (taxed as married filing jointly)")],
    )

    def __init__(self, *args: Any, return_year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        years = set(KNOWN_YEARS) | ({return_year} if return_year else set())
        tax_year = self.fields["tax_year"]
        assert isinstance(tax_year, forms.TypedChoiceField)
        tax_year.choices = [(year, year) for year in sorted(years)]
        for name in MONEY_FIELDS:
            self.fields[name] = forms.DecimalField(
                label=LINE_LABELS[name], required=False, max_digits=18, decimal_places=2
            )

    def clean_tax_year(self) -> int:
        year = int(self.cleaned_data["tax_year"])
        if year not in KNOWN_YEARS:
            raise forms.ValidationError(year_refusal(year))
        return year
