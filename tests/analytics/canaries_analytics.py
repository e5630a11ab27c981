from tests.analytics import factories as f

CANARY = "CANARY-B"

BUILDERS = {
    # DORA rollups (no text columns: a canary count of 7777 deployments stands out instead).
    "analytics.doraday": lambda org, rows: f.DoraDayFactory(
        organization=org, service=rows["catalog.service"], deployments=7777, lead_time_hours=[7777.0]),
    # A change row has no value of its own: the canary is its existence in the other organization.
    "analytics.dorachange": lambda org, rows: f.DoraChangeFactory(organization=org),
    "analytics.dorarollupstate": lambda org, rows: f.DoraRollupStateFactory(organization=org, time_zone="Etc/GMT-7"),
    "analytics.valuestreamstage": lambda org, rows: f.ValueStreamStageFactory(
        organization=org, value_stream=rows["catalog.valuestream"], name=f"{CANARY} stage"),
    # Goals and digest markers have no text of their own: a target of 7777 hours stands out.
    "analytics.metricgoal": lambda org, rows: f.MetricGoalFactory(
        organization=org, scope="value_stream", value_stream=rows["catalog.valuestream"], metric="change_lead_time",
        target=7777.0),
    "analytics.workkeydelivery": lambda org, rows: f.WorkKeyDeliveryFactory(organization=org, key=CANARY),
    "analytics.digestsent": lambda org, rows: f.DigestSentFactory(
        organization=org, subscriber=rows["tenancy.membership"].user, value_stream=rows["catalog.valuestream"]),
}
SAMPLES: dict = {}
BUILDERS["analytics.workitemflow"] = lambda org, rows: f.work_item_flow(rows["integrations.workitem"])
BUILDERS["analytics.workitemmap"] = lambda org, rows: f.work_item_map(rows["integrations.workitem"])
