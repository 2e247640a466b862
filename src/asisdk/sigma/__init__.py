"""Sigma detection rules (placeholder of the sigma-pack branch; the engine branch owns this)."""
