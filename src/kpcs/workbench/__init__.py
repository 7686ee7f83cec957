"""The experts' workbench (issue 20, item 5): every warning of the expert checks to review, and
the Diamond Expert Team's finding that closes each."""
