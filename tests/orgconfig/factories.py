from orgconfig.models import ChangeSet, ManagedObject
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
