"""The environments pages, by what they are for."""

from environments.views.booking import (
    ApprovalQueueView,
    BookCheckView,
    BookingActionView,
    BookingDecisionView,
    BookView,
    DeploymentDecisionView,
    MyBookingsView,
    _DecisionView,
)
from environments.views.browse import CalendarView, EnvironmentDetailView, EnvironmentListView
from environments.views.manage import (
    EnvironmentCreateView,
    EnvironmentEditView,
    EnvironmentStatusView,
    GroupCreateView,
    GroupDeleteView,
    GroupEditView,
    GroupListView,
)
from environments.views.operations import OutageDeleteView, OutagesView, ProvisioningAdvanceView, ProvisioningView

__all__ = [
    "ApprovalQueueView",
    "BookCheckView",
    "BookView",
    "BookingActionView",
    "BookingDecisionView",
    "CalendarView",
    "DeploymentDecisionView",
    "EnvironmentCreateView",
    "EnvironmentDetailView",
    "EnvironmentEditView",
    "EnvironmentListView",
    "EnvironmentStatusView",
    "GroupCreateView",
    "GroupDeleteView",
    "GroupEditView",
    "GroupListView",
    "MyBookingsView",
    "OutageDeleteView",
    "OutagesView",
    "ProvisioningAdvanceView",
    "ProvisioningView",
    "_DecisionView",
]
