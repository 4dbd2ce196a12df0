"""PII and secret masking: recognisers, patterns, Japanese NER, the masker (a leaf: no project imports)."""
