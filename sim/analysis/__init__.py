"""What runs mean: run-level outcomes from a run's series and the statistics over replicates."""
