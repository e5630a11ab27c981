from tests import factories as f

BUILDERS = {
    "audit.auditevent": lambda org, rows: f.AuditEventFactory(organization=org, object_repr="CANARY-B event"),
}
SAMPLES = {
    "event_id": lambda rows: rows["audit.auditevent"].pk,
}
