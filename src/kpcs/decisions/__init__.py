"""The register of administrative decisions of the Kimberley Process."""
