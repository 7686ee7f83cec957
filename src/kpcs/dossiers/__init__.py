"""Export dossiers of the restricted regime: a restricted participant's proposed shipment,
assessed by the Diamond Expert Team and the statistics working group, decided by the
Monitoring Team within a week, and named by the one certificate that carries it."""
