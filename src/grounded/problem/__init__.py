"""Problems, their statements' revision history, and the evidence linked to them."""
