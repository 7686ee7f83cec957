"""People and machines that act in kpcs: users, API tokens, web sessions, and the one
place that decides what each may do (:mod:`kpcs.accounts.permissions`)."""
