from tests.releases import factories as rf

CANARY = "CANARY-B"

BUILDERS = {
    "releases.freezewindow": lambda org, rows: rf.FreezeWindowFactory(
        organization=org, name=f"{CANARY} freeze", reason=CANARY),
    "releases.freezewindowenvironment": lambda org, rows: rf.FreezeWindowEnvironmentFactory(
        organization=org, freeze_window=rows["releases.freezewindow"], environment=rows["environments.environment"]),
    "releases.releasetemplate": lambda org, rows: rf.ReleaseTemplateFactory(
        organization=org, name=f"{CANARY} template", description=CANARY),
    "releases.templatephase": lambda org, rows: rf.TemplatePhaseFactory(
        organization=org, template=rows["releases.releasetemplate"], name=CANARY),
    "releases.release": lambda org, rows: rf.ReleaseFactory(
        organization=org, name=f"{CANARY} release", description=CANARY, value_stream=rows["catalog.valuestream"],
        owner=rows["tenancy.membership"].user, template=rows["releases.releasetemplate"]),
    "releases.releaseservice": lambda org, rows: rf.ReleaseServiceFactory(
        organization=org, release=rows["releases.release"], service=rows["catalog.service"], version="canary-1.0"),
    "releases.phase": lambda org, rows: rf.PhaseFactory(
        organization=org, release=rows["releases.release"], name=CANARY, environment=rows["environments.environment"],
        entry_gate=rows["gates.gate"]),
    "releases.releasedependency": lambda org, rows: rf.ReleaseDependencyFactory(
        organization=org, release=rows["releases.release"],
        depends_on=rf.ReleaseFactory(organization=org, name=f"{CANARY} dependency"), note=CANARY),
    "releases.freezeoverride": lambda org, rows: rf.FreezeOverrideFactory(
        organization=org, freeze_window=rows["releases.freezewindow"], release=rows["releases.release"],
        reason=f"{CANARY} override", granted_by=rows["tenancy.membership"].user),
    "releases.releasesettings": lambda org, rows: rf.ReleaseSettingsFactory(organization=org,
                                                                             require_release_slots=True),
    "releases.releaseslotwindow": lambda org, rows: rf.ReleaseSlotWindowFactory(
        organization=org, name=f"{CANARY} slots"),
    "releases.slotbooking": lambda org, rows: rf.SlotBookingFactory(
        organization=org, window=rows["releases.releaseslotwindow"], release=rows["releases.release"],
        booked_by_label=f"{CANARY} booker"),
    "releases.deploymentactivity": lambda org, rows: rf.DeploymentActivityFactory(
        organization=org, release=rows["releases.release"], title=f"{CANARY} step", note=CANARY),
    "releases.deploymentcheck": lambda org, rows: rf.DeploymentCheckFactory(
        organization=org, release=rows["releases.release"], service_slug="canary-svc", environment_slug="canary-env",
        version="canary-1.0", reasons=[{"code": "freeze_active", "message": CANARY}]),
}
SAMPLES = {
    "release_id": lambda rows: rows["releases.release"].pk,
    "phase_id": lambda rows: rows["releases.phase"].pk,
    "freeze_id": lambda rows: rows["releases.freezewindow"].pk,
    "template_id": lambda rows: rows["releases.releasetemplate"].pk,
    "slot_window_id": lambda rows: rows["releases.releaseslotwindow"].pk,
    "slot_booking_id": lambda rows: rows["releases.slotbooking"].pk,
    "activity_id": lambda rows: rows["releases.deploymentactivity"].pk,
    "dependency_id": lambda rows: rows["releases.releasedependency"].pk,
}
