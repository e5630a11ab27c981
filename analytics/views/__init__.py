"""The analytics pages: DORA dashboards and drill-downs (dora), a service's page (service) and,
in their own modules, flow and the value stream map. Shared pieces: filters, tiles, figures."""
