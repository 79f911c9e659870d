"""Writes of the governance app, one module per area: instruments and justifications
(`instruments`), CSV import (`importing`), intensity and review decisions (`decisions`), and
employees' value signals with their aggregation (`signals`, `signal_aggregation`)."""
