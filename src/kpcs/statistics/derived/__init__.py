"""Trade derived from the certificates issued and confirmed in kpcs, beside what the
participants report."""
