"""Local services postgraph starts for itself when no external server is configured."""
