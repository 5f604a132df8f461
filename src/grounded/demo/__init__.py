"""The demo company: Fernhill Analytics, a fictional B2B analytics vendor whose evidence,
requests, usage and decisions tell the running example of PRODUCT.md. Deterministic for a
given seed and as-of date."""
