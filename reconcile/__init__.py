"""The engine: pure functions from declarations and bank state to resolutions, checks and plans.

Nothing here performs I/O; an import-linter contract in CI keeps it that way.
"""
