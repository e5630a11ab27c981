from orgconfig.models import ChangeSet, ManagedObject, RepositorySource
from tests.factories import TenantFactory, same_org


class ChangeSetFactory(TenantFactory):
    class Meta:
        model = ChangeSet

    actor_label = "owner@acme.test"
    changes = []


class ManagedObjectFactory(TenantFactory):
    class Meta:
        model = ManagedObject

    section = "services"
    key = "payments"
    applied = {}
    change_set = same_org(ChangeSetFactory)


class RepositorySourceFactory(TenantFactory):
    class Meta:
        model = RepositorySource

    repository = "acme/platform-config"
