"""Declarations: YAML loading with line and column marks, JSON Schema, semantic checks."""
