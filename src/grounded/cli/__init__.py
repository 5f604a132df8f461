"""The ``grounded`` command line: thin Typer commands over the services."""
