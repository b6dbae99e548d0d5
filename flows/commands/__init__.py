"""The `labwatch` commands, one module per command group; flows/cli.py assembles them into the parser."""
