"""The Working Group on Statistics' analysis: anomalies and the Data Anomaly
Questionnaire, reconciliation of certificates between partners, assessment of a proposed
export, and the annual country analysis."""
