"""Shipment photos: attached to certificates and export dossiers, kept without their
metadata, and searched against every earlier photo of another shipment for a re-used
picture (a forger's lawful parcel photographed once and sent again)."""
