"""Tax profiles: what the engine needs to know about a household's tax year.

The figures are the household's whole return, not a bracket: the same loss is worth 40.8% to one
client and nothing to another, and only the whole profile tells which.
"""

from __future__ import annotations

import os
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from portfolios.models import MONEY, Household
from taxprofiles.rules.federal import KNOWN_YEARS, FilingStatus
from taxprofiles.rules.state_tax import CITIES, STATES

FILING_STATUS_CHOICES = [
    (FilingStatus.SINGLE.value, "Single"),
    (FilingStatus.MARRIED_JOINT.value, "Married filing jointly"),
    (FilingStatus.MARRIED_SEPARATE.value, "Married filing separately"),
    (FilingStatus.HEAD_OF_HOUSEHOLD.value, "Head of household"),
]
STATE_CHOICES = [("", "None (federal only)")] + [(code, code) for code in sorted(STATES)]
CITY_CHOICES = [("", "None")] + [(code, name) for code, (_, name) in CITIES.items()]


class ProfileSource(models.TextChoices):
    ADVISOR = "advisor", "Entered by the advisor"
    BRIEF = "brief", "Simple record (bracket, income, gains, losses)"
    FORM_1040 = "form_1040", "Read from an uploaded Form 1040"


class TaxProfile(models.Model):
    """One household's tax year. Gains realized on the platform come from the ledger, not from here."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="tax_profiles")
    tax_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(min(KNOWN_YEARS)), MaxValueValidator(max(KNOWN_YEARS))]
    )
    filing_status = models.CharField(max_length=20, choices=FILING_STATUS_CHOICES)
    state = models.CharField("state of residence", max_length=2, choices=STATE_CHOICES, blank=True)
    city = models.CharField(
        "city income tax",
        max_length=8,
        choices=CITY_CHOICES,
        blank=True,
        default="",
        help_text="A resident city's income tax (New York City, with New York State).",
    )
    wages = models.DecimalField(**MONEY, default=Decimal("0"))
    other_ordinary_income = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        help_text="Interest, non-qualified dividends and other income taxed at ordinary rates.",
    )
    qualified_dividends = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        help_text="Form 1040 line 3a: taxed at the long-term capital-gain rates; not part of other ordinary income.",
    )
    itemized_deductions = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Leave empty to take the standard deduction."
    )
    st_gains_realized = models.DecimalField(
        "short-term gains realized elsewhere", **MONEY, default=Decimal("0"), help_text="Net; negative for a loss."
    )
    lt_gains_realized = models.DecimalField(
        "long-term gains realized elsewhere", **MONEY, default=Decimal("0"), help_text="Net; negative for a loss."
    )
    st_carryforward = models.DecimalField("short-term loss carryforward", **MONEY, default=Decimal("0"))
    lt_carryforward = models.DecimalField("long-term loss carryforward", **MONEY, default=Decimal("0"))
    expected_st_gains = models.DecimalField("further short-term gains expected", **MONEY, default=Decimal("0"))
    expected_lt_gains = models.DecimalField("further long-term gains expected", **MONEY, default=Decimal("0"))
    stated_bracket = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The bracket a simple record stated (e.g. 0.32); kept for reference, never used for values.",
    )
    source = models.CharField(max_length=12, choices=ProfileSource.choices, default=ProfileSource.ADVISOR)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household", "-tax_year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "tax_year"], name="one_tax_profile_per_household_year"),
            models.CheckConstraint(
                condition=Q(st_carryforward__gte=0) & Q(lt_carryforward__gte=0),
                name="carryforwards_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(wages__gte=0) & (Q(itemized_deductions__gte=0) | Q(itemized_deductions__isnull=True)),
                name="wages_and_itemized_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.tax_year} ({self.filing_status})"

    def clean(self) -> None:
        if self.city and CITIES[self.city][0] != self.state:
            state, name = CITIES[self.city]
            raise ValidationError({"city": f"{name}'s income tax applies only to residents of {state}."})


class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT``, read when used (so tests and deployments can move it)."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def private_storage() -> FileSystemStorage:
    """Uploaded returns live outside static and media: no URL serves them; a view checks the household first."""
    return PrivateStorage()


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    READING = "reading", "Reading"
    EXTRACTED = "extracted", "Ready for review"
    FAILED = "failed", "Failed"
    APPLIED = "applied", "Applied"


class TaxDocument(models.Model):
    """An uploaded Form 1040: the file (private), its text, what was read from it, and what the advisor applied.

    Nothing read from a document reaches a tax profile until an advisor has reviewed and confirmed it;
    ``changes`` then records each profile field's old and new value.
    """

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="tax_documents")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(storage=private_storage, upload_to="tax-documents/")
    text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True, help_text="Why reading failed, or fell back offline.")
    source = models.CharField(max_length=10, blank=True, help_text="openai, offline (text layer) or ocr (a scan)")
    fields = models.JSONField(default=dict, blank=True)
    names = models.JSONField(default=list, blank=True, help_text="The taxpayers' names as printed on the return.")
    blank_lines = models.JSONField(
        default=list, blank=True, help_text="The fields whose lines the reader found empty on the return."
    )
    applied_profile = models.ForeignKey(
        TaxProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
