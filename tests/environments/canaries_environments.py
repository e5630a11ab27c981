from tests.environments import factories as ef

CANARY = "CANARY-B"

BUILDERS = {
    "environments.environmentgroup": lambda org, rows: ef.EnvironmentGroupFactory(
        organization=org, name=f"{CANARY} stack", slug="canary-stack"),
    "environments.environment": lambda org, rows: ef.EnvironmentFactory(
        organization=org, name=f"{CANARY} env", slug="canary-env", group=rows["environments.environmentgroup"],
        owning_team=rows["catalog.team"], value_stream=rows["catalog.valuestream"], description=CANARY),
    "environments.bookingseries": lambda org, rows: ef.BookingSeriesFactory(organization=org),
    "environments.booking": lambda org, rows: ef.BookingFactory(
        organization=org, environment=rows["environments.environment"], requested_by=rows["tenancy.membership"].user,
        team=rows["catalog.team"], purpose=f"{CANARY} booking", series=rows["environments.bookingseries"],
        status="requested"),
    "environments.outage": lambda org, rows: ef.OutageFactory(
        organization=org, environment=rows["environments.environment"], reason=f"{CANARY} outage"),
    "environments.lease": lambda org, rows: ef.LeaseFactory(
        organization=org, environment=rows["environments.environment"], booking=rows["environments.booking"],
        holder_label=f"{CANARY} job"),
    "environments.deploymentapprovalrequest": lambda org, rows: ef.DeploymentApprovalRequestFactory(
        organization=org, environment=rows["environments.environment"], service=rows["catalog.service"],
        requested_by=rows["tenancy.membership"].user, note=f"{CANARY} deployment"),
    "environments.provisioningrequest": lambda org, rows: ef.ProvisioningRequestFactory(
        organization=org, team=rows["catalog.team"], purpose=f"{CANARY} provisioning"),
}
SAMPLES = {
    "env_slug": lambda rows: rows["environments.environment"].slug,
    "booking_id": lambda rows: rows["environments.booking"].pk,
    "outage_id": lambda rows: rows["environments.outage"].pk,
    "lease_id": lambda rows: rows["environments.lease"].pk,
    "approval_id": lambda rows: rows["environments.deploymentapprovalrequest"].pk,
    "provisioning_id": lambda rows: rows["environments.provisioningrequest"].pk,
    "group_slug": lambda rows: rows["environments.environmentgroup"].slug,
    # Never a valid feed secret: the walker must see 404 whatever the rest of the feed URL names.
    "feed_token": lambda rows: "not-the-feed-token",
}
