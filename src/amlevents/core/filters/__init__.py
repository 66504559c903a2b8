"""Event Grid filters: typed model, ``--advanced-filter`` parser, evaluator, limits and lint."""
