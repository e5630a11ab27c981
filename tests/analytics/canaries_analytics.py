from tests.analytics import factories as f

CANARY = "CANARY-B"

BUILDERS = {
    # DORA rollups (no text columns: a canary count of 7777 deployments stands out instead).
    "analytics.doraday": lambda org, rows: f.DoraDayFactory(
        organization=org, service=rows["catalog.service"], deployments=7777, lead_time_hours=[7777.0]),
    "analytics.dorarollupstate": lambda org, rows: f.DoraRollupStateFactory(organization=org, time_zone="Etc/GMT-7"),
    "analytics.valuestreamstage": lambda org, rows: f.ValueStreamStageFactory(
        organization=org, value_stream=rows["catalog.valuestream"], name=f"{CANARY} stage"),
}
SAMPLES: dict = {}
BUILDERS["analytics.workitemflow"] = lambda org, rows: f.work_item_flow(rows["integrations.workitem"])
