"""Graders: three vulnerable ones (each a named hole) and the hardened one; episode grading."""
