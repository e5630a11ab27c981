"""Gates: a checklist (criteria) that something must pass, with the evidence of every decision.

The gates app is generic: it knows nothing of releases or environments. The app that attaches a
gate sets its `owner` (the person accountable for what is gated) and its `context` (what rules
read, e.g. {"release_version": "2.4.0", "previous_gate_id": 3}).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from vsm.tenancy.roles import ROLE_PERMISSIONS, Perm, Role
from vsm.tenancy.scoping import TenantScopedModel

# A criterion with an active waiver shows as waived; the stored state never says so, because a
# waiver stops applying on its own when it expires.
WAIVED = "waived"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    MET = "met", "Met"
    FAILED = "failed", "Failed"


class GateKind(models.TextChoices):
    ENTRY = "entry", "Entry"
    EXIT = "exit", "Exit"
    CUSTOM = "custom", "Custom"


class Gate(TenantScopedModel):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=GateKind.choices, default=GateKind.CUSTOM)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="accountable for the gated subject; may not sign off its criteria unless the policy allows",
    )
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder,
                               help_text="what the attaching app passes to rules")
    # Cached from the criteria's states: met when every criterion is met (a waived one is not).
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Cached with the status: the criteria not met ({id, title, state, summary, waived_until}), so
    # a reader answering "why not?" on every request (the deployment check) reads one row. Empty
    # (null) on gates not settled since the field was added: readers then ask the criteria.
    unmet = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder, editable=False)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.name


class Criterion(TenantScopedModel):
    """A checklist item. Manual: met by `required_sign_offs` approvals of holders of
    `signer_role` and no rejection. Automated: met when its rule says so; never ticked by hand."""

    class Type(models.TextChoices):
        MANUAL = "manual", "Manual"
        AUTOMATED = "automated", "Automated"

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=16, choices=Type.choices)
    signer_role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    required_sign_offs = models.PositiveSmallIntegerField(default=1)
    rule = models.CharField(max_length=100, blank=True, help_text="a key of gates.rules.registry")
    params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Cached by every decision (evaluation, sign-off, waiver); Evaluation rows hold the history.
    state = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    summary = models.CharField(max_length=500, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    latest_evaluation = models.ForeignKey(
        "gates.Evaluation", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )

    class Meta:
        ordering = ["gate", "order", "id"]
        constraints = [
            models.CheckConstraint(
                name="criterion_manual_or_automated",
                condition=(
                    models.Q(type="manual", rule="", required_sign_offs__gte=1) & ~models.Q(signer_role="")
                ) | (models.Q(type="automated", signer_role="") & ~models.Q(rule="")),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_manual(self) -> bool:
        return self.type == self.Type.MANUAL

    @property
    def rule_title(self) -> str:
        """The automated rule as people read it (its registered title), not its key."""
        from gates.rules import registry

        rule = registry.get(self.rule)
        return rule.title if rule is not None else self.rule.replace("_", " ")

    def display_state(self, active_waiver: Waiver | None) -> str:
        if self.state == Status.MET:
            return Status.MET
        return WAIVED if active_waiver is not None else self.state


class SignOff(TenantScopedModel):
    """One person's decision on one manual criterion; a person decides once."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="sign_offs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Evidence that outlives the account and any later role change.
    user_label = models.CharField(max_length=254)
    role = models.CharField(max_length=32, choices=Role.choices)
    decision = models.CharField(max_length=16, choices=Decision.choices)
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["criterion", "user"], name="signoff_once_per_person")]

    def __str__(self) -> str:
        return f"{self.user_label} {self.decision} {self.criterion_id}"


class Waiver(TenantScopedModel):
    """An acknowledged exception with a reason and an expiry. Waived is not met: the gate stays
    unmet, and every view shows the criterion as waived while the waiver applies."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="waivers")
    reason = models.TextField()
    expires_at = models.DateTimeField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_by_label = models.CharField(max_length=254)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_label = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"waiver {self.pk} of criterion {self.criterion_id}"

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class CIResult(TenantScopedModel):
    """A named pass/fail result reported by CI about a subject ("2.4.0", "release:42"). Gate
    agnostic: rules look results up by name and subject."""

    name = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    passed = models.BooleanField()
    summary = models.TextField(blank=True)
    evidence_url = models.URLField(max_length=1000, blank=True)
    external_id = models.CharField(max_length=200, blank=True, help_text="the reporter's id; replays update one row")
    reported_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reported_by_token = models.ForeignKey(
        "tenancy.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reporter_label = models.CharField(max_length=254)
    reported_at = models.DateTimeField(default=timezone.now)
    # When the gates reading this report were evaluated for it; None while that is owed (its task
    # could not be sent, or a worker was lost), and then gates.services.ci_results_sweep pays it.
    gates_evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["organization", "name", "subject", "-reported_at"]),
                   models.Index(fields=["reported_at"], condition=models.Q(gates_evaluated_at__isnull=True),
                                name="ciresult_gates_owed")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], condition=~models.Q(external_id=""),
                                    name="ciresult_unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} for {self.subject}: {'passed' if self.passed else 'failed'}"


class Evaluation(TenantScopedModel):
    """The evidence of one decision about one criterion, as it stood at that moment: what was
    evaluated, the values seen, the rule and its parameters, who or what decided. PostgreSQL
    refuses UPDATE and DELETE on this table (vsm.tenancy.rls), like the audit trail."""

    append_only = True

    class Outcome(models.TextChoices):
        MET = "met", "Met"
        NOT_MET = "not_met", "Not met"
        WAIVED = "waived", "Waived"
        ERROR = "error", "Error"

    class Trigger(models.TextChoices):
        CREATED = "created", "Gate or criterion created"
        EVALUATED = "evaluated", "Evaluation requested"
        SIGNED_OFF = "signed_off", "Sign-off"
        WAIVED = "waived", "Waiver granted"
        WAIVER_REVOKED = "waiver_revoked", "Waiver revoked"
        CRITERION_CHANGED = "criterion_changed", "Criterion changed"
        CI_RESULT = "ci_result", "CI result reported"
        DEPENDENCY = "dependency", "A gate it depends on changed"
        DUTIES_CHANGED = "duties_changed", "Who may sign changed"

    # No database constraints: evidence stays when the gate or the criterion is removed.
    gate = models.ForeignKey(Gate, on_delete=models.DO_NOTHING, db_constraint=False, related_name="evaluations")
    criterion = models.ForeignKey(Criterion, on_delete=models.DO_NOTHING, db_constraint=False,
                                  related_name="evaluations")
    criterion_title = models.CharField(max_length=200)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    summary = models.CharField(max_length=500, blank=True)
    values = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    rule = models.CharField(max_length=100, blank=True)
    params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    trigger = models.CharField(max_length=32, choices=Trigger.choices)
    evaluated_at = models.DateTimeField(default=timezone.now)
    evaluated_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+")
    evaluated_by_label = models.CharField(max_length=254)

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        indexes = [models.Index(fields=["organization", "gate", "-evaluated_at"])]

    def __str__(self) -> str:
        return f"{self.criterion_title}: {self.get_outcome_display().lower()} (evaluation {self.pk})"


def default_waiver_roles() -> list[str]:
    return [role for role in Role.values if Perm.WAIVE in ROLE_PERMISSIONS.get(role, frozenset())]


class GatePolicy(TenantScopedModel):
    """How an organization runs its gates. Without a stored row the defaults apply."""

    allow_owner_sign_off = models.BooleanField(
        default=False, help_text="may a gate's owner sign off its criteria (segregation of duties when off)")
    waiver_roles = ArrayField(models.CharField(max_length=32, choices=Role.choices), default=default_waiver_roles,
                              blank=True, help_text="the roles that may waive a criterion")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="gatepolicy_one_per_org")]
        verbose_name_plural = "gate policies"

    def __str__(self) -> str:
        return "gate policy"
