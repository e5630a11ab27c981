from tests.gates import factories as gf

CANARY = "CANARY-B"

BUILDERS = {
    "gates.gate": lambda org, rows: gf.GateFactory(
        organization=org, name=f"{CANARY} gate", owner=rows["tenancy.membership"].user,
        context={"release_version": "canary-1.0"}),
    "gates.criterion": lambda org, rows: gf.CriterionFactory(
        organization=org, gate=rows["gates.gate"], title=f"{CANARY} criterion", description=CANARY),
    "gates.signoff": lambda org, rows: gf.SignOffFactory(
        organization=org, criterion=rows["gates.criterion"], user=rows["tenancy.membership"].user,
        comment=f"{CANARY} sign-off"),
    "gates.waiver": lambda org, rows: gf.WaiverFactory(
        organization=org, criterion=rows["gates.criterion"], reason=f"{CANARY} waiver",
        granted_by=rows["tenancy.membership"].user),
    "gates.ciresult": lambda org, rows: gf.CIResultFactory(
        organization=org, name="canary-tests", subject="canary-1.0", summary=f"{CANARY} result",
        external_id="canary-run-1"),
    "gates.evaluation": lambda org, rows: gf.EvaluationFactory(
        organization=org, gate=rows["gates.gate"], criterion=rows["gates.criterion"], summary=f"{CANARY} evidence"),
    "gates.gatepolicy": lambda org, rows: gf.GatePolicyFactory(organization=org, allow_owner_sign_off=True),
}
SAMPLES = {
    "gate_id": lambda rows: rows["gates.gate"].pk,
    "criterion_id": lambda rows: rows["gates.criterion"].pk,
    "waiver_id": lambda rows: rows["gates.waiver"].pk,
}
