"""Crossref (api.crossref.org): metadata of works named by their DOI."""
