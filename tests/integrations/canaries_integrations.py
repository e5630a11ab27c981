from tests.integrations import factories as f

CANARY = "CANARY-B"

BUILDERS = {
    "integrations.connection": lambda org, rows: f.ConnectionFactory(organization=org, name=f"{CANARY} connection"),
    "integrations.syncrun": lambda org, rows: f.SyncRunFactory(
        organization=org, connection=rows["integrations.connection"], error_message=CANARY),
    "integrations.webhookdelivery": lambda org, rows: f.WebhookDeliveryFactory(
        organization=org, connection=rows["integrations.connection"], body=f'{{"canary": "{CANARY}"}}',
        outcome=CANARY),
    "integrations.deliverysettings": lambda org, rows: f.DeliverySettingsFactory(
        organization=org, incident_attribution_hours=77),
    "integrations.pipelinerun": lambda org, rows: f.PipelineRunFactory(
        organization=org, pipeline=f"{CANARY} pipeline", service=rows["catalog.service"], branch=CANARY),
    "integrations.pipelinejob": lambda org, rows: f.PipelineJobFactory(
        organization=org, run=rows["integrations.pipelinerun"], name=f"{CANARY} job"),
    "integrations.changerequest": lambda org, rows: f.ChangeRequestFactory(
        organization=org, number="CHGCANARY", title=f"{CANARY} change", release=rows["releases.release"]),
    "integrations.changerequestservice": lambda org, rows: f.ChangeRequestServiceFactory(
        organization=org, change_request=rows["integrations.changerequest"], service=rows["catalog.service"]),
    "integrations.deployment": lambda org, rows: f.DeploymentFactory(
        organization=org, service=rows["catalog.service"], environment=rows["environments.environment"],
        version="canary-9.9.9", triggered_by=CANARY, pipeline_run=rows["integrations.pipelinerun"],
        release=rows["releases.release"], change_request=rows["integrations.changerequest"]),
    "integrations.commit": lambda org, rows: f.CommitFactory(
        organization=org, service=rows["catalog.service"], message=f"{CANARY} commit"),
    "integrations.deploymentcommit": lambda org, rows: f.DeploymentCommitFactory(
        organization=org, deployment=rows["integrations.deployment"], commit=rows["integrations.commit"]),
    "integrations.pullrequest": lambda org, rows: f.PullRequestFactory(
        organization=org, service=rows["catalog.service"], title=f"{CANARY} pull request"),
    "integrations.workitem": lambda org, rows: f.WorkItemFactory(
        organization=org, key="CANARY-1", title=f"{CANARY} work item"),
    "integrations.workitemtransition": lambda org, rows: f.WorkItemTransitionFactory(
        organization=org, work_item=rows["integrations.workitem"], to_status=f"{CANARY} status"),
    "integrations.incident": lambda org, rows: f.IncidentFactory(
        organization=org, title=f"{CANARY} incident", service=rows["catalog.service"],
        caused_by_deployment=rows["integrations.deployment"]),
    "integrations.writebackaction": lambda org, rows: f.WritebackActionFactory(
        organization=org, connection=rows["integrations.connection"], target="CANARY-1", error_message=CANARY),
    "integrations.derivationpending": lambda org, rows: f.DerivationPendingFactory(
        organization=org, service=rows["catalog.service"]),
    "integrations.changecontrolledenvironment": lambda org, rows: f.ChangeControlledEnvironmentFactory(
        organization=org, environment=rows["environments.environment"]),
}
SAMPLES = {
    "connection_id": lambda rows: rows["integrations.connection"].pk,
    "sync_run_id": lambda rows: rows["integrations.syncrun"].pk,
    "delivery_id": lambda rows: rows["integrations.webhookdelivery"].pk,
    "deployment_id": lambda rows: rows["integrations.deployment"].pk,
    "pipeline_run_id": lambda rows: rows["integrations.pipelinerun"].pk,
    "incident_id": lambda rows: rows["integrations.incident"].pk,
    "commit_id": lambda rows: rows["integrations.commit"].pk,
    "pull_request_id": lambda rows: rows["integrations.pullrequest"].pk,
    "work_item_id": lambda rows: rows["integrations.workitem"].pk,
    "change_request_id": lambda rows: rows["integrations.changerequest"].pk,
}
