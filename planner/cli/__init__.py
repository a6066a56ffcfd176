"""`splitday …`: the command line on top of the core."""
