"""Tables from result files: statistics, aggregation, main/ablation/noise/scaling tables, verdicts, formats."""
