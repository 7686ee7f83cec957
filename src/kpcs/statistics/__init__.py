"""Statistics, by use case: ``submissions`` (the Annex III returns, their checks, deadlines
and who owes what), ``derived`` (trade derived from the certificates in kpcs), ``public``
(the published tables) and ``analysis`` (anomalies and the Data Anomaly Questionnaire,
reconciliation, export assessment, country analyses); ``models`` holds the tables,
``domain`` the vocabulary, ``engine`` the DuckDB statements they share."""
