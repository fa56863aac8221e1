"""Hack detection: differential (vulnerable vs hardened), runtime evidence, static analysis."""
