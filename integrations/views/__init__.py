"""Pages of the integrations section, for those who manage connections."""

from integrations.views.activity import (
    DeliveryDetailView,
    DeliveryListView,
    DeliveryReplayView,
    SyncRunListView,
    SyncRunView,
)
from integrations.views.connections import (
    ConnectionArchiveView,
    ConnectionCreateView,
    ConnectionEditView,
    ConnectionListView,
    ConnectionSyncView,
    ConnectionTestView,
    MappingView,
)
from integrations.views.settings import DeliverySettingsView

__all__ = [
    "ConnectionArchiveView", "ConnectionCreateView", "ConnectionEditView", "ConnectionListView", "ConnectionSyncView",
    "ConnectionTestView", "DeliveryDetailView", "DeliveryListView", "DeliveryReplayView", "DeliverySettingsView",
    "MappingView", "SyncRunListView", "SyncRunView",
]
