from tests import factories as f

CANARY = "CANARY-B"

BUILDERS = {
    "tenancy.membership": lambda org, rows: f.MembershipFactory(
        organization=org, user=f.UserFactory(email="canary-b@globex.test", full_name=f"{CANARY} Person")),
    "tenancy.apitoken": lambda org, rows: f.ApiTokenFactory(organization=org, name=f"{CANARY} token"),
    "tenancy.invitation": lambda org, rows: f.InvitationFactory(
        organization=org, email="canary-b-invited@globex.test", email_error=f"{CANARY} error",
        invited_by=rows["tenancy.membership"].user),
}
SAMPLES = {
    "membership_id": lambda rows: rows["tenancy.membership"].pk,
    "token_id": lambda rows: rows["tenancy.apitoken"].pk,
    "invitation_id": lambda rows: rows["tenancy.invitation"].pk,
}
