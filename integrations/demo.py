"""Demo data: a year of delivery history, shaped like a real organization.

Each service of a value stream gets a delivery profile: elite services ship to production
several times a weekday with few failures that are rolled back within the hour; steady ones ship
most days; struggling ones ship once a week, a quarter of those fail and take days to recover,
and each goes out under a ServiceNow change request. Every production deployment comes from a
pipeline run that first deployed the same version to the stream's staging environment (the
change-controlled services' a day before, shipping in a weekly release: integrations.demo_releases), lists
the commits of a merged pull request, and some of the failures raise incidents (most
attributed by time, some naming their deployment), rollbacks and hotfixes. Work items with their
status history (waiting ones included) come from the pull requests (see integrations.demo_work).

Rows are written with bulk_create (a year is tens of thousands of rows), then each service's
derived facts are computed once by integrations.derivation. Only days before `today` are
generated, so the same seed and day give the same data. Runs after the releases seeder.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from environments.models import Environment, Tier
from integrations import demo_releases, demo_work
from integrations.derivation import delivery_derive
from integrations.models import (
    ChangeControlledEnvironment,
    ChangeRequest,
    ChangeRequestService,
    Commit,
    Connection,
    Deployment,
    DeploymentCommit,
    Incident,
    PipelineJob,
    PipelineRun,
    SyncRun,
    WebhookDelivery,
)
from vsm.catalog.models import Service
from vsm.tenancy.models import Organization

DAYS = 365
BATCH = 2000
JOBS_FOR_DAYS = 30  # pipeline jobs (stages) only for the last month's runs: enough to show, cheap to write


@dataclass(frozen=True)
class Profile:
    name: str
    deploy_days: float  # share of weekdays with production deployments (struggling: one weekday a week)
    per_day: tuple[int, int]
    failure: float
    recovery_hours: tuple[float, float]
    lead_hours: tuple[float, float]  # first commit to production
    change_controlled: bool = False


ELITE = Profile("elite", 1.0, (2, 4), 0.03, (0.2, 0.9), (2, 20))
STEADY = Profile("steady", 0.7, (1, 2), 0.08, (2, 20), (24, 120))
STRUGGLING = Profile("struggling", 0.2, (1, 1), 0.25, (24, 120), (120, 480), change_controlled=True)
# The demo catalog's services; any other service takes a profile in this rotation by name.
PROFILES = {"payments-api": ELITE, "checkout-web": ELITE, "mobile-bff": ELITE, "ledger": STEADY,
            "cart-service": STEADY, "pricing": STEADY, "fraud-scoring": STRUGGLING, "ios-app": STRUGGLING,
            "android-app": STRUGGLING}
ROTATION = (ELITE, STEADY, STRUGGLING)
SOURCES = {"elite": "gitlab", "steady": "github", "struggling": "jenkins"}
INCIDENT_TITLES = ["Error rate above 5%", "Checkout latency p99 over 3 s", "Payments declined for one issuer",
                   "Login loop on the mobile app", "Queue backlog growing", "Memory leak after deploy"]
STAGES = [("compile", "build"), ("unit tests", "test"), ("security scan", "security"), ("deploy", "deploy")]


@dataclass
class Rows:
    """Everything one seeding writes, in the order the foreign keys need."""

    runs: list[PipelineRun] = field(default_factory=list)
    jobs: list[PipelineJob] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    rollbacks: list[Deployment] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    links: list[DeploymentCommit] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    changes: list[ChangeRequest] = field(default_factory=list)
    change_services: list[ChangeRequestService] = field(default_factory=list)
    work: demo_work.WorkRows = field(default_factory=demo_work.WorkRows)
    weeks: dict[str, list[tuple[datetime, Service]]] = field(default_factory=dict)  # see integrations.demo_releases


@dataclass
class Track:
    """One service's running state while its year is generated."""

    service: Service
    profile: Profile
    prod: Environment
    tests: list[Environment]
    source: str
    deploys: int = 0
    last_live: Deployment | None = None


def seed(org: Organization, *, rng: random.Random, today: date) -> None:
    zone = org.tzinfo
    rows = Rows()
    tracks = _tracks(rng)
    for track in tracks:
        for day in (today - timedelta(days=offset) for offset in range(DAYS, 0, -1)):
            for moment in _deploy_times(rng, track.profile, day, zone):
                _deploy(rows, org, rng, track, moment, today)
    _today(rows, org, tracks, today, zone)
    _one_still_open(rows)
    demo_work.open_items(rows.work, org, rng, services=[t.service for t in tracks], today=today, zone=zone)
    _write(rows)
    demo_releases.write(org, rows.weeks)
    ChangeControlledEnvironment.objects.bulk_create(
        [ChangeControlledEnvironment(organization=org, environment=env)
         for env in {t.prod.pk: t.prod for t in tracks if t.profile.change_controlled}.values()])
    for track in tracks:
        delivery_derive(service_id=track.service.pk)
    _connection(org, today, zone)


def _connection(org: Organization, today: date, zone) -> None:
    """A GitHub connection with a week of sync history and the webhook deliveries it received,
    so the Integrations pages show what a working connection looks like. Its schedule is off:
    the demo never calls GitHub."""
    github = Connection.objects.create(
        organization=org, kind="github", name="GitHub (acme)", base_url="https://api.github.com",
        options={"repositories": ["acme/payments-api", "acme/checkout-web", "acme/ios-app"]},
        webhook_secret="demo-webhook-secret", credentials="demo-token-not-real",
        last_synced_at=datetime.combine(today, time(7, 45), tzinfo=zone))
    runs = []
    for days_ago in range(6, -1, -1):
        started = datetime.combine(today - timedelta(days=days_ago), time(7, 45), tzinfo=zone)
        failed = days_ago == 3
        runs.append(SyncRun(
            organization=org, connection=github, trigger=SyncRun.Trigger.SCHEDULE,
            status=SyncRun.Status.FAILED if failed else SyncRun.Status.SUCCEEDED, queued_at=started,
            started_at=started, finished_at=started + timedelta(seconds=40 if failed else 95),
            pages=2 if failed else 6, fetched=80 if failed else 240 + 7 * days_ago, created=0 if failed else 18,
            updated=0 if failed else 31, errors=1 if failed else 0,
            error_message="GitHub answered 502 Bad Gateway for the deployments of acme/checkout-web; "
                          "the next run picked up where this one stopped." if failed else ""))
    SyncRun.objects.bulk_create(runs)
    deliveries = []
    for index, (repository, state) in enumerate([("acme/payments-api", "success"), ("acme/checkout-web", "success"),
                                                 ("acme/ios-app", "failure"), ("acme/payments-api", "success")]):
        received = datetime.combine(today, time(9 + index, 12), tzinfo=zone)
        body = json.dumps({"action": "created", "deployment_status": {"state": state, "environment": "production"},
                           "repository": {"full_name": repository}})
        deliveries.append(WebhookDelivery(
            organization=org, connection=github, received_at=received, event="deployment_status",
            delivery_id=f"demo-delivery-{index + 1}", content_type="application/json",
            headers={"X-GitHub-Event": "deployment_status"}, body=body,
            body_sha256=hashlib.sha256(body.encode()).hexdigest(), status=WebhookDelivery.Status.PROCESSED,
            outcome=f"Deployment of {repository.split('/')[1]} to production recorded ({state}).",
            records_created=1, processed_at=received + timedelta(seconds=1)))
    WebhookDelivery.objects.bulk_create(deliveries)


def _tracks(rng: random.Random) -> list[Track]:
    environments: dict[int, dict[str, Environment]] = {}
    for env in Environment.objects.exclude(value_stream=None).order_by("slug"):
        environments.setdefault(env.value_stream_id, {}).setdefault(env.tier, env)
    tracks = []
    services = Service.objects.exclude(value_stream=None).select_related("value_stream").order_by("slug")
    for index, service in enumerate(services):
        tiers = environments.get(service.value_stream_id, {})
        prod = tiers.get(Tier.PRODUCTION)
        if prod is None:
            continue
        profile = PROFILES.get(service.slug, ROTATION[index % len(ROTATION)])
        tests = [tiers[tier] for tier in (Tier.STAGING,) if tier in tiers]
        tracks.append(Track(service=service, profile=profile, prod=prod, tests=tests, source=SOURCES[profile.name]))
    return tracks


def _deploy_times(rng: random.Random, profile: Profile, day: date, zone) -> list[datetime]:
    """Production deployment times of one day: weekdays only, none in the year-end freeze."""
    if day.weekday() >= 5 or (day.month, day.day) >= (12, 20) or (day.month, day.day) <= (1, 5):
        return []
    if profile is STRUGGLING:
        if day.weekday() != 2 or rng.random() > 0.9:  # Wednesday release day, now and then skipped
            return []
    elif rng.random() > profile.deploy_days:
        return []
    count = rng.randint(*profile.per_day)
    return sorted(datetime.combine(day, time(9), tzinfo=zone) + timedelta(minutes=rng.randint(0, 8 * 60))
                  for _ in range(count))


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def _deploy(rows: Rows, org: Organization, rng: random.Random, track: Track, at: datetime, today: date) -> None:
    service, profile = track.service, track.profile
    track.deploys += 1
    number = track.deploys
    version = f"{1 + number // 400}.{number // 20 % 20}.{number % 20}"
    repo = f"https://git.example.com/acme/{service.slug}"
    # The change-controlled services' builds go to staging the day before their release day.
    staged = at - demo_releases.SOAK if profile.change_controlled else at
    lead = rng.uniform(*profile.lead_hours)
    commit_times = sorted(staged - timedelta(hours=lead * rng.uniform(0.3, 1.0)) for _ in range(rng.randint(1, 3)))
    shas = [_sha(rng) for _ in commit_times]
    commits = [Commit(organization=org, source=track.source, service=service, sha=sha,
                      external_id=f"{service.slug}@{sha}", url=f"{repo}/commit/{sha}",
                      message=f"{service.slug}: change {number}.{i}",
                      author=rng.choice(demo_work.PEOPLE), committed_at=moment, authored_at=moment)
               for i, (sha, moment) in enumerate(zip(shas, commit_times, strict=True))]
    rows.commits += commits
    head = commits[-1].sha
    if rng.random() < (0.15 if profile is STRUGGLING else 0.04):  # a red build before the green one
        _run(rows, org, track, number * 2 - 1, version, head, staged - timedelta(hours=2), rng, failed=True,
             today=today)
    run = _run(rows, org, track, number * 2, version, head, staged - timedelta(minutes=40), rng, failed=False,
               today=today)
    for step, env in enumerate(track.tests):
        done = staged - timedelta(minutes=30 - 10 * step)
        _deployment(rows, org, track, env, version, head, done, run, [], external=f"{number}-{env.slug}")
    failed = rng.random() < profile.failure
    change = _change(rows, org, track, at, version) if profile.change_controlled else None
    live = _deployment(rows, org, track, track.prod, version, head, at, run, commits, external=str(number),
                       change=change)
    demo_work.from_pull_request(rows.work, org, rng, service=service, source=track.source, number=number,
                                commits=commits, merged_at=staged - timedelta(minutes=50), profile=profile.name,
                                repo=repo, fix_versions=_weekly_release(rows, track, at, today))
    if failed:
        _failure(rows, org, rng, track, live, at, today)
    else:  # what a later rollback returns to
        track.last_live = live


def _weekly_release(rows: Rows, track: Track, at: datetime, today: date) -> list[str]:
    """The fix versions of a production deployment at `at`: its weekly release, for the change-controlled."""
    version = demo_releases.version_of(at, today) if track.profile.change_controlled else None
    if version is None:
        return []
    rows.weeks.setdefault(version, []).append((at, track.service))
    return [version]


def _run(rows: Rows, org: Organization, track: Track, number: int, version: str, sha: str, started: datetime,
         rng: random.Random, *, failed: bool, today: date) -> PipelineRun:
    tests = rng.randint(300, 1500)
    broken = rng.randint(1, 12) if failed else 0
    run = PipelineRun(organization=org, source=track.source, external_id=f"demo-{track.service.slug}-run-{number}",
                      url=f"https://ci.acme.test/{track.service.slug}/pipelines/{number}", pipeline="build-and-deploy",
                      run_number=number, status="failed" if failed else "succeeded", service=track.service,
                      branch="main", commit_sha=sha, version=version, trigger="push", started_at=started,
                      finished_at=started + timedelta(minutes=12), tests_passed=tests - broken, tests_failed=broken,
                      tests_skipped=rng.randint(0, 20), coverage=round(rng.uniform(62, 91), 1))
    rows.runs.append(run)
    if started.date() >= today - timedelta(days=JOBS_FOR_DAYS):
        for index, (name, stage) in enumerate(STAGES):
            bad = failed and stage == "test"
            rows.jobs.append(PipelineJob(
                organization=org, source=track.source, external_id=f"{run.external_id}:{index}", url=run.url,
                run=run, run_external_id=run.external_id, name=name, stage=stage,
                status="failed" if bad else "succeeded", started_at=started + timedelta(minutes=3 * index),
                finished_at=started + timedelta(minutes=3 * index + 3)))
            if bad:
                break
    return run


def _deployment(rows: Rows, org: Organization, track: Track, env: Environment, version: str, sha: str,
                at: datetime, run: PipelineRun | None, commits: list[Commit], *, external: str, kind: str = "normal",
                status: str = "succeeded", rollback_of: Deployment | None = None,
                change: ChangeRequest | None = None) -> Deployment:
    deployment = Deployment(
        organization=org, source=track.source, external_id=f"demo-{track.service.slug}-{external}",
        url=f"https://git.example.com/acme/{track.service.slug}/-/environments/{env.slug}/deployments/{external}",
        service=track.service, environment=env, environment_name=env.slug, version=version, commit_sha=sha,
        status=status, kind=kind, rollback_of=rollback_of, strategy="rolling", started_at=at - timedelta(minutes=6),
        finished_at=at, pipeline_run=run, change_request=change, change_request_number=change.number if change else "",
        triggered_by="gitlab-ci" if run else "on-call", is_production=env.is_production)
    (rows.rollbacks if rollback_of is not None else rows.deployments).append(deployment)
    rows.links += [DeploymentCommit(organization=org, deployment=deployment, commit=c) for c in commits]
    return deployment


def _failure(rows: Rows, org: Organization, rng: random.Random, track: Track, live: Deployment, at: datetime,
             today: date) -> None:
    """A rollback to the previous version, or an incident (and, now and then, a hotfix)."""
    recovery = timedelta(hours=rng.uniform(*track.profile.recovery_hours))
    # Nothing happens from today on: a failure that would recover later is still open.
    recovered = at + recovery + timedelta(hours=3) < datetime.combine(today, time.min, tzinfo=at.tzinfo)
    previous = track.last_live
    if recovered and previous is not None and rng.random() < 0.4:
        _deployment(rows, org, track, track.prod, previous.version, previous.commit_sha, at + recovery, None, [],
                    external=f"{track.deploys}-rollback", kind="rollback", rollback_of=live)
        return
    opened = at + timedelta(minutes=rng.randint(10, 120))
    named = rng.random() < 0.3
    rows.incidents.append(Incident(
        organization=org, source="servicenow", external_id=f"demo-inc-{track.service.slug}-{track.deploys}",
        url=f"https://acme.service-now.test/incident/{track.service.slug}-{track.deploys}",
        number=f"INC{len(rows.incidents) + 10001:07d}", title=rng.choice(INCIDENT_TITLES),
        status="closed" if recovered else "open", severity=rng.choice([1, 2, 2, 3, 3, 4]), service=track.service,
        environment=track.prod, environment_name=track.prod.slug, opened_at=opened,
        resolved_at=opened + recovery if recovered else None,
        closed_at=opened + recovery + timedelta(hours=2) if recovered else None,
        updated_at=opened + recovery + timedelta(hours=2) if recovered else opened,
        caused_by_deployment=live if named else None))
    if recovered and rng.random() < 0.5:
        track.deploys += 1
        version = f"{live.version}-hotfix"
        _deployment(rows, org, track, track.prod, version, live.commit_sha, opened + recovery - timedelta(minutes=5),
                    None, [], external=f"{track.deploys}-hotfix", kind="hotfix")


def _change(rows: Rows, org: Organization, track: Track, at: datetime, version: str, *, approval: str = "approved",
            state: str = "closed", service_names: bool = True) -> ChangeRequest:
    number = f"CHG{len(rows.changes) + 30001:07d}"
    start = datetime.combine(at.date(), time(8), tzinfo=at.tzinfo)
    change = ChangeRequest(
        organization=org, source="servicenow", external_id=f"demo-{number}", number=number,
        url=f"https://acme.service-now.test/change_request/{number}", title=f"Deploy {track.service.slug} {version}",
        type="normal", type_raw="Normal", state=state, approval=approval, risk="moderate",
        planned_start=start, planned_end=start + timedelta(hours=12), opened_at=start - timedelta(days=3),
        updated_at=start, closed_at=start + timedelta(hours=12) if state == "closed" else None,
        actual_start=at if state == "closed" else None, actual_end=at if state == "closed" else None,
        service_names=[track.service.slug] if service_names else [])
    rows.changes.append(change)
    rows.change_services.append(ChangeRequestService(organization=org, change_request=change, service=track.service))
    return change


def _one_still_open(rows: Rows) -> None:
    """The demo always has an open incident (the home page, dashboards and service pages flag
    it): on a day whose draws recovered every failure, the latest one is still being worked on."""
    if rows.incidents and not any(incident.status == "open" for incident in rows.incidents):
        latest = max(rows.incidents, key=lambda incident: incident.opened_at)
        latest.status, latest.resolved_at, latest.closed_at = "open", None, None
        latest.updated_at = latest.opened_at


def _today(rows: Rows, org: Organization, tracks: list[Track], today: date, zone) -> None:
    """Today's change requests of the change-controlled services: one approved for today's
    window, the others still waiting for approval, so the deployment check shows both."""
    noon = datetime.combine(today, time(12), tzinfo=zone)
    for index, track in enumerate(t for t in tracks if t.profile.change_controlled):
        approved = index == 0
        _change(rows, org, track, noon, "weekly release", approval="approved" if approved else "requested",
                state="scheduled" if approved else "authorize")


def _write(rows: Rows) -> None:
    for model, objects in ((PipelineRun, rows.runs), (PipelineJob, rows.jobs), (ChangeRequest, rows.changes),
                           (ChangeRequestService, rows.change_services), (Deployment, rows.deployments),
                           (Deployment, rows.rollbacks), (Commit, rows.commits), (DeploymentCommit, rows.links),
                           (Incident, rows.incidents)):
        model.objects.bulk_create(objects, batch_size=BATCH)
    demo_work.write(rows.work)
