"""Footprints of production zones: the assortment typical of a zone's diamonds, and a
shipment's assortment compared with the footprint of the zone it claims."""
