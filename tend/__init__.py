"""Tend: a patient-held medication and well-being record."""
