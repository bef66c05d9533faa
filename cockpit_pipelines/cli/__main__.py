"""`python -m cockpit_pipelines.cli`: the `cockpit` command."""

from cockpit_pipelines.cli import run

run()
