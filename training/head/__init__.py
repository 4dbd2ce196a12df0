"""SafetyHeadB on frozen LM features: feature caches, training, refit, thresholds."""
