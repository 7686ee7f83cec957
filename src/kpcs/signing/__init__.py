"""Signing keys, compact JWS, and the trust list that lets anyone verify offline."""
