"""The transparency log: an append-only RFC 9162 Merkle tree of issued credentials."""
