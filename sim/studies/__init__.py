"""Studies built from many runs: sensitivity analysis, critical nodes, validation against the
literature's findings."""
