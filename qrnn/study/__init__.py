"""What a study runs: run resolution, variants, ablations, scaling, job targets, cost estimate, audit."""
