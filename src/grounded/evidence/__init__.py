"""The evidence library: every piece verbatim, with provenance, mode and links."""
