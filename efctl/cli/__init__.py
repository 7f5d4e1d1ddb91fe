"""The command line: click groups, thin over the application object (efctl.app)."""

from efctl.cli.main import cli, main

__all__ = ["cli", "main"]
