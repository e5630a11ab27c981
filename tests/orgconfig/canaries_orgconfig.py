from tests.orgconfig import factories as f

CANARY = "CANARY-B"

BUILDERS = {
    "orgconfig.changeset": lambda org, rows: f.ChangeSetFactory(
        organization=org, actor_label=f"{CANARY} applier", source=f"{CANARY} commit",
        changes=[{"action": "create", "kind": "services", "key": "canary-service", "fields": {}}]),
    "orgconfig.managedobject": lambda org, rows: f.ManagedObjectFactory(
        organization=org, key="canary-service", applied={"name": f"{CANARY} service"},
        change_set=rows["orgconfig.changeset"]),
    "orgconfig.repositorysource": lambda org, rows: f.RepositorySourceFactory(
        organization=org, connection=rows["integrations.connection"], repository="canary/config",
        path=f"{CANARY}.yaml"),
}
SAMPLES = {}
