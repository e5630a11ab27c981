from tests import factories as f

CANARY = "CANARY-B"

BUILDERS = {
    "catalog.valuestream": lambda org, rows: f.ValueStreamFactory(
        organization=org, name=f"{CANARY} stream", slug="canary-stream"),
    "catalog.team": lambda org, rows: f.TeamFactory(organization=org, name=f"{CANARY} team", slug="canary-team"),
    "catalog.teammember": lambda org, rows: f.TeamMemberFactory(
        organization=org, team=rows["catalog.team"], user=rows["tenancy.membership"].user),
    "catalog.service": lambda org, rows: f.ServiceFactory(
        organization=org, name=f"{CANARY} service", slug="canary-service",
        value_stream=rows["catalog.valuestream"], team=rows["catalog.team"]),
}
SAMPLES = {
    "value_stream_slug": lambda rows: rows["catalog.valuestream"].slug,
    "team_slug": lambda rows: rows["catalog.team"].slug,
    "service_slug": lambda rows: rows["catalog.service"].slug,
}
