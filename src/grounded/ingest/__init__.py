"""Evidence in: import runs (sources) and the rows they quarantine. The readers, mappings
and the import pipeline build on these services."""
