"""Report pages (报表): KPIs, rankings, charts, exports. Owned by the reports context's page views."""
