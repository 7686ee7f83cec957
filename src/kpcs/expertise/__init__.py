"""Diamond-expert checks on a shipment: findings that warn, never block."""
