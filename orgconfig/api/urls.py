from django.urls import path

from orgconfig.api.views import ConfigApplyView, ConfigExportView, ConfigPlanView, ConfigSchemaView

urlpatterns = [
    path("config/export/", ConfigExportView.as_view(), name="api-config-export"),
    path("config/schema/", ConfigSchemaView.as_view(), name="api-config-schema"),
    path("config/plan/", ConfigPlanView.as_view(), name="api-config-plan"),
    path("config/apply/", ConfigApplyView.as_view(), name="api-config-apply"),
]
