-- When `squadstudy metrics` last replaced an explanation's metrics from its stored map (StoredMetrics);
-- NULL for metrics stored by precompute. The dashboard's results cache counts it, so metrics added
-- later are shown at once.
ALTER TABLE explanations ADD COLUMN metrics_updated_utc timestamp with time zone NULL;
